"""Fixtures for metrics and logs: the real app from `create_app` on the test's backend, a
parser for its /metrics page, and a JSON log capture on the root logger."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.logs import JsonFormatter, RequestIdFilter
from api.settings import Settings
from tests.observability.served import LogCapture, Served

SMALL_POOLS: dict[str, Any] = {"postgres_pool_size": 2, "postgres_max_overflow": 8}


@pytest.fixture
def make_served(database_url: str) -> Iterator[Callable[..., Served]]:
    """Apps on the test's database (several may share it, as API processes do)."""
    clients: list[TestClient] = []

    def make(**settings: Any) -> Served:
        config = {**SMALL_POOLS, "projections_in_process": True, **settings}
        app = create_app(Settings(database_url=database_url, **config))
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return Served(app, client)

    yield make
    for client in reversed(clients):
        client.__exit__(None, None, None)


@pytest.fixture
def served(make_served: Callable[..., Served]) -> Served:
    return make_served()


@pytest.fixture
def json_logs() -> Iterator[LogCapture]:
    """Every log record, at every level, formatted by the production JSON formatter."""
    capture = LogCapture()
    handler = logging.StreamHandler(capture.stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield capture
    root.removeHandler(handler)
    root.setLevel(level)
