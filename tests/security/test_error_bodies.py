"""Error bodies never reveal the server's insides. Every /v1 route, with its store failing
(the event store's, or a driver's own error on our tables) answers a 503 problem with
Retry-After, and with an unexpected failure a 500 problem, and neither says anything of the
driver, the SQL, the code, the files or the connection string it failed with. On PostgreSQL
a real failure, every connection killed by the server, is a 503 (never a 500) and passes."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import OperationalError
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.reliability.processes import wait_until
from tests.webhooks.offline import PUBLIC_URL, offline_webhook

INTERNALS = (
    'Traceback (most recent call last):\n  File "/work/main/projections/queries.py", line 99,'
    ' in list_page\npsycopg.errors.UndefinedTable: relation "pipeline" does not exist\n'
    "LINE 1: SELECT opportunity_id, state FROM pipeline WHERE account_key = $1\n"
    "connection to postgresql://smallwins:hunter2@db.internal:5432/prod failed"
)
LEAKS = re.compile(
    r"Traceback|File \"|\.py\b|line \d+|psycopg|sqlite|eventsourcing|SELECT|relation \"|"
    r"hunter2|postgresql://|db\.internal|/work/|site-packages|RuntimeError|UndefinedTable"
)
STORE_FAILURES = {
    "event store": OperationalError,
    "postgresql driver": psycopg.OperationalError,
    "sqlite driver": sqlite3.OperationalError,
}
BROKEN_PARTS = (
    "opportunities", "database", "runner", "writer", "keys", "idempotency", "webhooks", "people"
)  # fmt: skip
BEHIND_THE_KEY_CHECK = ("opportunities", "database", "runner", "writer", "webhooks", "people")
# Routes that read nothing past the key check (who is asking; the settings): with the parts
# behind it broken they still answer, and have nothing to leak.
STORELESS = frozenset({"/v1/me", "/v1/settings"})


class Broken:
    """Stands in for a part of the services: any use of it raises `error`."""

    def __init__(self, error: BaseException) -> None:
        self._error = error

    def __getattr__(self, _name: str) -> Broken:
        return self

    def __call__(self, *_args: Any, **_kwargs: Any) -> Any:
        raise self._error

    def __enter__(self) -> Any:
        raise self._error

    def __exit__(self, *_args: Any) -> None:
        return None


def v1_requests(
    document: dict[str, Any], deal: str, webhook: str, *, storeless: bool = True
) -> Iterator[tuple[str, str, Any]]:
    """One plausible request for every /v1 operation of the OpenAPI document (`storeless`:
    those of the routes that read no store past the key check too)."""
    real = {
        "opportunity_id": deal, "account": "Acme", "name": "pipeline", "owner": "jo",
        "webhook_id": webhook,
    }  # fmt: skip
    for path, operations in document["paths"].items():
        if not path.startswith("/v1/") or (not storeless and path in STORELESS):
            continue
        url = re.sub(r"{(\w+)}", lambda m: real[m.group(1)], path)
        if path == "/v1/pipeline/changes":
            url += "?from=2026-01-01T00:00:00Z"  # required
        for method in operations:
            body = None
            if method == "post" and path == "/v1/opportunities":
                body = {"title": "Broken store", "account": "Acme"}
            elif method == "post" and path.endswith("/events"):
                body = {"type": "CustomerDataGathered", "summary": "Broken store"}
            elif method == "post" and path == "/v1/people/erase":
                body = {"account": "Acme", "name": "Dana Reyes"}
            elif method == "put" and path.endswith("/goals"):
                body = {"weekly": {"MeetingGained": 1}}
            elif method == "post" and path == "/v1/webhooks":
                body = {"url": PUBLIC_URL}
            elif method == "post" and path.endswith("/replay"):
                body = {"after": 0}
            yield method.upper(), url, body


def assert_tells_nothing(response: Any, status: int, problem_type: str) -> None:
    assert response.status_code == status, (response.request.url, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == problem_type
    assert not LEAKS.search(response.text), response.text
    assert not any(LEAKS.search(value) for value in response.headers.values())


@pytest.fixture
def broken_app(tmp_path: Any) -> Iterator[tuple[TestClient, Any, str, str, str]]:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'smallwins.db'}"))
    services = app.state.services
    _key, token = services.keys.create("security-admin", "admin")
    with TestClient(app, raise_server_exceptions=False) as client:
        headers = {"Authorization": f"Bearer {token}"}
        deal = client.post(
            "/v1/opportunities", json={"title": "T", "account": "Acme"}, headers=headers
        )
        webhook = offline_webhook(services.webhooks)
        healthy = {part: getattr(services, part) for part in BROKEN_PARTS}
        try:
            yield client, services, token, deal.json()["id"], webhook
        finally:
            for part, working in healthy.items():  # the shutdown needs the real parts
                setattr(services, part, working)


def break_services(services: Any, error: BaseException, parts: tuple[str, ...]) -> None:
    for part in parts:
        setattr(services, part, Broken(error))


@pytest.mark.parametrize("failure", list(STORE_FAILURES))
@pytest.mark.parametrize(
    "parts",
    [BEHIND_THE_KEY_CHECK, ("keys",)],
    ids=["in-the-route", "checking-the-key"],
)
def test_every_route_answers_a_store_failure_with_a_503_problem_that_names_nothing_inside(
    broken_app: tuple[TestClient, Any, str, str, str], failure: str, parts: tuple[str, ...]
) -> None:
    client, services, token, deal, webhook = broken_app
    document = client.get("/openapi.json").json()
    break_services(services, STORE_FAILURES[failure](INTERNALS), parts)
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "retry-me"}

    answered = 0
    for method, url, body in v1_requests(document, deal, webhook, storeless=parts == ("keys",)):
        response = client.request(method, url, json=body, headers=headers)
        assert_tells_nothing(response, 503, "/problems/service-unavailable")
        assert response.headers["retry-after"].isdigit()
        answered += 1
    assert answered >= 10


def test_every_route_answers_an_unexpected_failure_with_a_500_problem_without_a_traceback(
    broken_app: tuple[TestClient, Any, str, str, str],
) -> None:
    client, services, token, deal, webhook = broken_app
    document = client.get("/openapi.json").json()
    break_services(services, RuntimeError(INTERNALS), BEHIND_THE_KEY_CHECK)
    headers = {"Authorization": f"Bearer {token}"}

    for method, url, body in v1_requests(document, deal, webhook, storeless=False):
        response = client.request(method, url, json=body, headers=headers)
        assert_tells_nothing(response, 500, "/problems/internal-error")
    for path in sorted(STORELESS):  # they read nothing that is broken
        assert client.get(path, headers=headers).status_code == 200, path


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_connections_killed_by_postgresql_are_503_problems_and_service_resumes(
    database_url: str, postgres_test_database: Any
) -> None:
    settings = Settings(
        database_url=database_url,
        projections_in_process=True,
        postgres_pool_size=2,
        postgres_max_overflow=4,
    )
    app = create_app(settings)
    _key, token = app.state.services.keys.create("security-admin", "admin")
    webhook = offline_webhook(app.state.services.webhooks)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app, raise_server_exceptions=False) as client:
        body = {"title": "T", "account": "Acme"}
        deal = client.post("/v1/opportunities", json=body, headers=headers).json()["id"]
        requests = list(v1_requests(client.get("/openapi.json").json(), deal, webhook))

        postgres_test_database.connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )

        statuses = set()
        for method, url, request_body in requests:
            response = client.request(method, url, json=request_body, headers=headers)
            statuses.add(response.status_code)
            if response.status_code >= 500:
                assert_tells_nothing(response, 503, "/problems/service-unavailable")

        def all_served() -> bool:
            return all(
                client.request(m, u, json=b, headers=headers).status_code < 500
                for m, u, b in requests
            )

        assert wait_until(all_served, timeout=20, step=0.2)
    assert 500 not in statuses
