"""Fixtures of the CRM import tests: `import_crm` runs the command on the test's store
(SQLite or PostgreSQL, from tests/conftest.py); the API's fixtures; a second empty store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from api.cli import cli
from api.services import Services
from tests.api.conftest import api, clock, make_api
from tests.ops.conftest import second_url
from tests.ops.stores import SMALL_POOLS, open_services

__all__ = ["api", "clock", "make_api", "second_url"]

ImportCrm = Callable[..., Result]


@pytest.fixture
def import_crm(database_url: str, monkeypatch: pytest.MonkeyPatch) -> ImportCrm:
    """`smallwins import-crm ARGS...` on the test's store: its result (exit code, output)."""
    monkeypatch.setenv("SMALLWINS_DATABASE_URL", database_url)
    for name, value in SMALL_POOLS.items():
        monkeypatch.setenv(f"SMALLWINS_{name.upper()}", str(value))

    def run(*args: Any) -> Result:
        return CliRunner().invoke(cli, ["import-crm", *map(str, args)])

    return run


@pytest.fixture
def smallwins(import_crm: ImportCrm) -> Callable[..., Result]:
    """Any `smallwins` command on the test's store (after `import_crm` set it up)."""

    def run(*args: Any) -> Result:
        return CliRunner().invoke(cli, list(map(str, args)))

    return run


@pytest.fixture
def store(database_url: str) -> Iterator[Services]:
    built = open_services(database_url)
    yield built
    built.close()
