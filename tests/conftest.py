"""Shared fixtures: every storage-touching test runs on SQLite and on PostgreSQL.

- `database_url` is parametrised `sqlite` / `postgres`: a fresh SQLite file per test, or a
  fresh schema per test inside a database created for this test run (one per xdist worker,
  dropped at the end).
- Without a PostgreSQL server the `postgres` tests are skipped, unless `CI=true`, where they
  fail: CI must never pass by skipping them.
- `SMALLWINS_TEST_POSTGRES_URL` overrides the admin URL used to create that database.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg
import pytest
from fastapi import FastAPI
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


# --- one OpenAPI document per app shape ------------------------------------------------
# The first request an app serves builds its OpenAPI document (api/observe.py reads the
# route templates from it): 0.3-0.5 s of pydantic schema generation, paid once per process
# in production but once per test here, where nearly every test builds its own app. The
# document is a pure function of the app's metadata and routes, so a test process builds it
# once per distinct shape (same metadata, same route objects in the same order) and hands
# every later app of that shape a deep copy. The OpenAPI tests still check a document that
# FastAPI generated, and an app with any other route or metadata gets its own.
_fastapi_openapi = FastAPI.openapi
_OPENAPI_DOCUMENTS: dict[tuple[Any, ...], tuple[dict[str, Any], list[Any]]] = {}


def _routes_shape(routes: Iterable[Any], keep: list[Any]) -> tuple[Any, ...]:
    shape: list[Any] = []
    for route in routes:
        context = getattr(route, "include_context", None)
        if context is not None and dataclasses.is_dataclass(context):
            settings = tuple(
                (field.name, repr(getattr(context, field.name)))
                for field in dataclasses.fields(context)
                # the router itself is walked below; the provider is the app (its
                # overrides are part of the app's metadata)
                if field.name not in {"included_router", "dependency_overrides_provider"}
            )
            included = _routes_shape(route.original_router.routes, keep)
            shape.append(("include", settings, included))
        else:
            keep.append(route)  # its id stays unique while the document is cached
            shape.append((type(route), id(route), getattr(route, "path", None)))
    return tuple(shape)


def _app_shape(app: FastAPI, keep: list[Any]) -> tuple[Any, ...]:
    metadata = (
        app.title, app.version, app.openapi_version, app.summary, app.description,
        app.terms_of_service, app.separate_input_output_schemas,
        *map(repr, (app.contact, app.license_info, app.openapi_tags, app.servers,
                    app.openapi_external_docs, app.dependency_overrides)),
    )  # fmt: skip
    # The app-level routes FastAPI adds itself (/openapi.json, /docs, ...) are new objects
    # per app and left out of the document; only their paths count.
    own = tuple(
        getattr(route, "path", None)
        for route in app.router.routes
        if getattr(route, "include_in_schema", True) is False
    )
    listed = [r for r in app.router.routes if getattr(r, "include_in_schema", True) is not False]
    return (
        metadata,
        own,
        _routes_shape(listed, keep),
        _routes_shape(app.webhooks.routes, keep),
    )


def _routes_version(app: FastAPI) -> Any:
    """FastAPI's count of route changes (newer versions rebuild the document on a change)."""
    version = getattr(app.router, "_get_routes_version", None)
    return version() if callable(version) else None


def _openapi_once_per_shape(self: FastAPI) -> dict[str, Any]:
    version = _routes_version(self)
    if self.openapi_schema and getattr(self, "_openapi_routes_version", None) == version:
        return self.openapi_schema
    keep: list[Any] = []
    shape = _app_shape(self, keep)
    cached = _OPENAPI_DOCUMENTS.get(shape)
    if cached is None:
        document = _fastapi_openapi(self)
        _OPENAPI_DOCUMENTS[shape] = (copy.deepcopy(document), keep)
        return document
    self.openapi_schema = copy.deepcopy(cached[0])
    self._openapi_routes_version = version
    return self.openapi_schema


FastAPI.openapi = _openapi_once_per_shape  # type: ignore[method-assign]


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


# How often a process reads the store's count of erasures again (storage/people.py), and so
# how long an erasure waits (two such periods) for every other process to drop the names it
# remembers: 1 s and 2 s in production. A test whose apps all run in its own process can
# shorten both, keeping their ratio, and every erasure costs it 0.1 s instead of 2 s.
QUICK_GENERATION_SECONDS = 0.05


@pytest.fixture
def quick_erasure_generations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shorter erasure generations, for tests whose every app runs in this process."""
    import api.erasure  # noqa: PLC0415 (the API package only where a test needs it)
    import storage.people  # noqa: PLC0415

    monkeypatch.setattr(storage.people, "GENERATION_SECONDS", QUICK_GENERATION_SECONDS)
    monkeypatch.setattr(api.erasure, "GENERATION_SECONDS", QUICK_GENERATION_SECONDS)


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
