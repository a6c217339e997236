"""API test fixtures: the real app from `create_app`, on the backend `database_url` names
(SQLite or PostgreSQL, from tests/conftest.py), with an injectable clock and real API keys."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings

# Few PostgreSQL connections per app (like tests/conftest.py), so parallel runs stay far below
# max_connections; the overflow still covers the eight threads of the race tests. The
# projections run inside the app on both backends, as `smallwins serve` does on SQLite. An
# explicit integrity key: every app of a test shares it, and no key file is written. SQLite
# without an fsync per commit: durability is tests/storage's subject, not the API's.
APP_SETTINGS: dict[str, Any] = {
    "postgres_pool_size": 2,
    "postgres_max_overflow": 8,
    "projections_in_process": True,
    "integrity_key": "5a" * 32,
    "sqlite_synchronous": "NORMAL",
}
PROBLEM_JSON = "application/problem+json"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Clock:
    """The server's clock, moved by the test: recorded_at and "now" are what it says. (It
    shadows tests/conftest.py's `clock` here, adding `iso`; same `now`/`advance` surface.)"""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def iso(self, **delta: float) -> str:
        """RFC 3339 (UTC, `Z`) for now plus `delta`."""
        return rfc3339(self.now + timedelta(**delta))


class Api:
    """A thin client for the contract in DESIGN section 4, holding one key per role."""

    def __init__(self, client: TestClient, app: FastAPI) -> None:
        self.client = client
        self.app = app
        self.tokens: dict[str, str] = {}

    def token(self, role: str, name: str | None = None) -> str:
        if name is None and role in self.tokens:
            return self.tokens[role]
        _key, token = self.app.state.services.keys.create(name or f"{role}-key", role)
        if name is None:
            self.tokens[role] = token
        return token

    def auth(self, role: str = "editor", **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role)}", **extra}

    def open(self, role: str = "editor", **fields: Any) -> dict[str, Any]:
        body = {"title": "Acme scheduling rollout", "account": "Acme Corp", **fields}
        response = self.client.post("/v1/opportunities", json=body, headers=self.auth(role))
        assert response.status_code == 201, response.text
        opened: dict[str, Any] = response.json()
        return opened

    def record(self, opportunity_id: str, event_type: str, **fields: Any) -> dict[str, Any]:
        response = self.post_event(opportunity_id, {"type": event_type, **fields})
        assert response.status_code == 201, response.text
        state: dict[str, Any] = response.json()
        return state

    def post_event(
        self, opportunity_id: str, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> Any:
        return self.client.post(
            f"/v1/opportunities/{opportunity_id}/events",
            json=body,
            headers=self.auth() if headers is None else headers,
        )

    def state(self, opportunity_id: str, **params: str) -> dict[str, Any]:
        response = self.client.get(
            f"/v1/opportunities/{opportunity_id}", params=params, headers=self.auth("viewer")
        )
        assert response.status_code == 200, response.text
        state: dict[str, Any] = response.json()
        return state

    def history(self, opportunity_id: str) -> list[dict[str, Any]]:
        """Every history item, following next_cursor to the end."""
        items: list[dict[str, Any]] = []
        params: dict[str, str] = {"limit": "500"}
        while True:
            response = self.client.get(
                f"/v1/opportunities/{opportunity_id}/history",
                params=params,
                headers=self.auth("viewer"),
            )
            assert response.status_code == 200, response.text
            page = response.json()
            items.extend(page["items"])
            if page["next_cursor"] is None:
                return items
            params["cursor"] = page["next_cursor"]

    @contextmanager
    def nothing_recorded(self, opportunity_id: str | None = None) -> Iterator[None]:
        """The block may fail requests, but the history and the global feed stay as they were."""
        before = self.feed()
        history = self.history(opportunity_id) if opportunity_id else None
        yield
        assert self.feed() == before
        if opportunity_id:
            assert self.history(opportunity_id) == history

    @staticmethod
    def problem(response: Any, status: int, slug: str) -> dict[str, Any]:
        """Assert a problem+json answer of this status and `type`; returns its body."""
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == PROBLEM_JSON
        body: dict[str, Any] = response.json()
        assert body["status"] == status
        assert body["type"] == f"/problems/{slug}"
        return body

    def feed(self, after: int = 0) -> list[dict[str, Any]]:
        """Every feed item after a position, following the feed to its end."""
        items: list[dict[str, Any]] = []
        while True:
            response = self.client.get(
                "/v1/events",
                params={"after": str(after), "limit": "500"},
                headers=self.auth("viewer"),
            )
            assert response.status_code == 200, response.text
            page = response.json()["items"]
            items.extend(page)
            if len(page) < 500:
                return items
            after = page[-1]["position"]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_api(database_url: str, clock: Clock) -> Iterator[Callable[..., Api]]:
    """Build an app (and its client) on the test's database; several may share it, as
    several API processes would. Every one is shut down at the end of the test."""
    clients: list[TestClient] = []

    def make(**settings: Any) -> Api:
        settings = {**APP_SETTINGS, **settings}
        app = create_app(Settings(database_url=database_url, **settings), clock=clock)
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return Api(client, app)

    yield make
    for client in reversed(clients):
        client.__exit__(None, None, None)


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()


@pytest.fixture
def deal(api: Api) -> str:
    """An open opportunity, Acme's, with three buying departments."""
    opened: str = api.open(buying_departments=["Finance", "IT", "Operations"])["id"]
    return opened
