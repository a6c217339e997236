"""Fixtures for the read side: services (app, views, runner) on either backend, with a
fake clock, and a random-history driver shared by the property tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.services import Services, build_services
from api.settings import Settings

SMALL_POOLS: dict[str, Any] = {"postgres_pool_size": 2, "postgres_max_overflow": 8}


@pytest.fixture
def services(database_url: str, clock: Any) -> Iterator[Services]:
    """The wired parts on an empty store; no background runner (tests drive catch_up)."""
    built = build_services(
        Settings(database_url=database_url, projections_in_process=False, **SMALL_POOLS),
        clock=clock,
    )
    yield built
    built.close()
