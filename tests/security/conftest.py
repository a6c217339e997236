"""Fixtures for the security tests: a real `smallwins serve` process per backend (shared by
the tests of one worker, its log kept in a file), and the in-process app for checks that
need no process of their own."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from api.app import create_app
from api.settings import Settings
from tests.reliability.processes import Deployment, create_key, deployment


@dataclass(frozen=True)
class LiveServer:
    base: str
    database_url: str
    running: Deployment
    admin_token: str

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token or self.admin_token}"}
        return httpx.Client(base_url=self.base, headers=headers, timeout=15)

    def events_recorded(self) -> int:
        """How many events the store holds (the whole feed)."""
        with self.client() as client:
            count, after = 0, 0
            for _page in range(10_000):
                items = client.get("/v1/events", params={"after": after, "limit": 500}).json()
                count += len(items["items"])
                if len(items["items"]) < 500:
                    return count
                after = items["items"][-1]["position"]
        raise AssertionError("the feed did not end")


@pytest.fixture(
    scope="session",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ],
)
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """`smallwins serve` on a free loopback port, on an empty store of its own, projecting in
    process on both backends, logging at DEBUG (the most it would ever log)."""
    folder = tmp_path_factory.mktemp(f"live-{request.param}")
    schema = None
    if request.param == "sqlite":
        database_url = f"sqlite:///{folder / 'smallwins.db'}"
    else:
        owned = request.getfixturevalue("postgres_test_database")
        schema = f"live_{secrets.token_hex(6)}"
        owned.connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        database_url = owned.url(schema)
    try:
        _id, token = create_key(database_url, "security-admin", "admin")
        settings = {"SMALLWINS_PROJECTIONS_IN_PROCESS": "true", "SMALLWINS_LOG_LEVEL": "DEBUG"}
        with deployment(database_url, folder / "logs", **settings) as running:
            _process, base = running.serve()
            yield LiveServer(base, database_url, running, token)
    finally:
        if schema is not None:
            owned.connection.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
            )


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[tuple[TestClient, Any]]:
    """The app in process on a fresh SQLite file, and an admin token for it."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'smallwins.db'}"))
    _key, token = app.state.services.keys.create("security-admin", "admin")
    with TestClient(app) as client:
        yield client, token
