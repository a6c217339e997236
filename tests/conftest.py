"""Shared fixtures: every storage-touching test runs on SQLite and on PostgreSQL.

- `database_url` is parametrised `sqlite` / `postgres`: a fresh SQLite file per test, or a
  fresh schema per test inside a database created for this test run (one per xdist worker,
  dropped at the end).
- Without a PostgreSQL server the `postgres` tests are skipped, unless `CI=true`, where they
  fail: CI must never pass by skipping them.
- `SMALLWINS_TEST_POSTGRES_URL` overrides the admin URL used to create that database.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from domain.application import Opportunities
from storage.config import eventsourcing_env, parse_database_url

# The hash chain's key for every test (so no key file is written into the working tree).
TEST_INTEGRITY_KEY = "5e" * 32
os.environ["SMALLWINS_INTEGRITY_KEY"] = TEST_INTEGRITY_KEY

POSTGRES_ADMIN_URL_VARIABLE = "SMALLWINS_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

# Each Opportunities instance opens `pool_size` connections up front; keep that small so a
# test run (times xdist workers) stays far below PostgreSQL's max_connections.
TEST_POOL_SIZE = 2
TEST_MAX_OVERFLOW = 8


def _is_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


@dataclass(frozen=True)
class PostgresTestDatabase:
    """The database this test run (or xdist worker) owns, and a connection to it."""

    name: str
    admin_url: str
    connection: psycopg.Connection[Any]

    def url(self, schema: str) -> str:
        parts = urlsplit(self.admin_url)
        return urlunsplit(
            (parts.scheme, parts.netloc, f"/{self.name}", urlencode({"schema": schema}), "")
        )


@pytest.fixture(scope="session")
def postgres_test_database() -> Iterator[PostgresTestDatabase]:
    """`smallwins_test_<pid>_<hex>`, created for this session and dropped WITH (FORCE)."""
    admin_url = os.environ.get(POSTGRES_ADMIN_URL_VARIABLE) or DEFAULT_POSTGRES_ADMIN_URL
    parts = urlsplit(admin_url)
    where = f"{parts.hostname or '127.0.0.1'}:{parts.port or 5432}"
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
    except psycopg.Error as error:
        if _is_ci():
            pytest.fail(
                f"PostgreSQL at {where} is not reachable and CI=true requires it: {error}",
                pytrace=False,
            )
        pytest.skip(f"PostgreSQL at {where} is not reachable (set CI=true to make this an error)")

    name = f"smallwins_test_{os.getpid()}_{secrets.token_hex(4)}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            database_url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
            with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as connection:
                # A test that leaks a transaction must not hang the schema drop forever.
                connection.execute("SET lock_timeout = '30s'")
                yield PostgresTestDatabase(name, admin_url, connection)
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def postgres_database_url(postgres_test_database: PostgresTestDatabase) -> Iterator[str]:
    """A fresh schema `t_<hex>` in the run's database, dropped CASCADE after the test."""
    schema = f"t_{secrets.token_hex(6)}"
    connection = postgres_test_database.connection
    connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield postgres_test_database.url(schema)
    finally:
        connection.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
        )


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store: `sqlite:///<tmp>/smallwins.db`, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'smallwins.db'}"
    url: str = request.getfixturevalue("postgres_database_url")
    return url


class FakeClock:
    """An injectable clock (aware UTC): stands still until moved with `advance`."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2025, 3, 3, 9, 0, tzinfo=UTC))


OpportunitiesFactory = Callable[..., Opportunities]


@pytest.fixture
def make_opportunities(database_url: str, clock: FakeClock) -> Iterator[OpportunitiesFactory]:
    """Builds Opportunities applications on the test's store (several share one database,
    as several API processes would); each is closed after the test.

    Keywords: `cls` (an Opportunities subclass), `clock` (default: the `clock` fixture)."""
    built: list[Opportunities] = []

    def build(
        *, cls: type[Opportunities] = Opportunities, clock: Callable[[], datetime] = clock
    ) -> Opportunities:
        config = parse_database_url(
            database_url, pool_size=TEST_POOL_SIZE, max_overflow=TEST_MAX_OVERFLOW
        )
        application = cls(eventsourcing_env(config, TEST_INTEGRITY_KEY), clock=clock)
        built.append(application)
        return application

    yield build
    for application in reversed(built):
        application.close()


@pytest.fixture
def opportunities(make_opportunities: OpportunitiesFactory) -> Opportunities:
    """The application service on an empty store, reading time from `clock`."""
    return make_opportunities()
