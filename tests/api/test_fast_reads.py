"""GET one opportunity, answered ahead of the framework when the view is current: the same
answer as the route gives, and everything else still handled by the route."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

import api.fast_reads
import api.fast_reads as api_fast_reads
import api.routers.opportunities
import projections.queries
from api.app import create_app
from api.observe import RouteTemplates
from api.reads import current_state
from api.settings import Settings
from storage.async_reads import AsyncReads
from tests.api.conftest import APP_SETTINGS


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often the fast path answered and how often the route's handler ran."""
    calls = {"fast": 0, "route": 0}
    real_view, real_route = api.fast_reads.view_body, api.routers.opportunities._state_of
    real_async_view = api.fast_reads.view_body_async

    def fast(*args: Any) -> Any:
        found = real_view(*args)
        calls["fast"] += found is not None
        return found

    async def fast_async(*args: Any) -> Any:  # PostgreSQL, once the app's lifespan runs
        found = await real_async_view(*args)
        calls["fast"] += found is not None
        return found

    def route(*args: Any) -> Any:
        calls["route"] += 1
        return real_route(*args)

    monkeypatch.setattr(api.fast_reads, "view_body", fast)
    monkeypatch.setattr(api.fast_reads, "view_body_async", fast_async)
    monkeypatch.setattr(api.routers.opportunities, "_state_of", route)
    return calls


def test_a_current_opportunity_is_answered_by_the_fast_path_as_the_route_would(
    api: Any, counted: dict[str, int]
) -> None:
    deal = api.open()["id"]
    written = api.record(deal, "MeetingGained", contact="Dana", department="IT")
    runner = api.app.state.services.runner
    assert runner.wait_for(runner.head(), timeout=30)  # the view row is current
    counted["fast"] = 0

    response = api.client.get(f"/v1/opportunities/{deal}", headers=api.auth("viewer"))

    assert counted == {"fast": 1, "route": 0}
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["etag"] == f'"{written["version"]}"'
    assert response.headers["x-request-id"]
    assert response.json() == current_state(api.app.state.services, UUID(deal))
    assert response.json() == {**written, "momentum": response.json()["momentum"]}


def test_a_closed_opportunity_is_answered_with_the_momentum_fixed_at_its_close(
    api: Any, counted: dict[str, int], clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    deal = api.open()["id"]
    api.record(deal, "MeetingGained", contact="Dana", department="IT")
    clock.advance(days=3)
    closed = api.record(deal, "ClosedWon", amount=100)
    runner = api.app.state.services.runner
    assert runner.wait_for(runner.head(), timeout=30)
    clock.advance(days=40)  # long after the close: momentum is still read at the close
    expected = current_state(api.app.state.services, UUID(deal))
    counted["fast"] = 0

    def not_evaluated(*_args: Any) -> Any:
        raise AssertionError("a closed opportunity's momentum is not evaluated at reading")

    monkeypatch.setattr(projections.queries, "evaluate", not_evaluated)
    response = api.client.get(f"/v1/opportunities/{deal}", headers=api.auth("viewer"))

    assert counted == {"fast": 1, "route": 0}
    assert response.status_code == 200
    assert response.headers["etag"] == f'"{closed["version"]}"'
    assert response.json() == expected
    assert response.json()["momentum"] == closed["momentum"]


def test_as_of_unknown_and_malformed_ids_go_to_the_route(
    api: Any, counted: dict[str, int], clock: Any
) -> None:
    deal = api.open()["id"]
    clock.advance(hours=1)

    as_of = api.client.get(
        f"/v1/opportunities/{deal}", params={"as_of": clock.iso()}, headers=api.auth("viewer")
    )
    unknown = api.client.get(f"/v1/opportunities/{uuid4()}", headers=api.auth("viewer"))
    malformed = api.client.get(f"/v1/opportunities/{'x' * 36}", headers=api.auth("viewer"))

    assert as_of.status_code == 200
    assert as_of.json()["as_of"]
    api.problem(unknown, 404, "not-found")
    api.problem(malformed, 404, "not-found")
    assert counted["route"] >= 1  # as_of at least (an unknown id may fail before _state_of)
    assert counted["fast"] == 0


def test_without_a_valid_key_the_fast_path_answers_nothing(
    api: Any, counted: dict[str, int]
) -> None:
    deal = api.open()["id"]
    runner = api.app.state.services.runner
    assert runner.wait_for(runner.head(), timeout=30)
    counted["fast"] = 0

    anonymous = api.client.get(f"/v1/opportunities/{deal}")
    forged = api.client.get(
        f"/v1/opportunities/{deal}", headers={"Authorization": "Bearer sw_0_forged"}
    )

    api.problem(anonymous, 401, "unauthorized")
    api.problem(forged, 401, "unauthorized")
    assert counted == {"fast": 0, "route": 0}


def test_a_row_behind_the_store_is_left_to_the_route_which_reads_the_events(
    make_api: Any, counted: dict[str, int]
) -> None:
    api = make_api(projections_in_process=False, read_wait_seconds=0)
    deal = api.open()["id"]
    api.record(deal, "MeetingGained", contact="Dana", department="IT")

    state = api.state(deal)

    assert state["version"] == 2
    assert state["stage"] == "meeting"
    assert counted["route"] == 1


def test_a_fast_read_is_counted_under_the_routes_own_template(api: Any) -> None:
    deal = api.open()["id"]
    runner = api.app.state.services.runner
    assert runner.wait_for(runner.head(), timeout=30)
    path = f"/v1/opportunities/{deal}"
    assert RouteTemplates.of(api.app).match(path) == api_fast_reads.TEMPLATE

    for _ in range(3):
        assert api.client.get(path, headers=api.auth("viewer")).status_code == 200
    scraped = api.client.get("/metrics").text

    line = next(
        row
        for row in scraped.splitlines()
        if row.startswith("smallwins_http_requests_total{")
        and 'route="/v1/opportunities/{opportunity_id}"' in row
        and 'method="GET"' in row
        and 'status="200"' in row
    )
    assert float(line.rsplit(" ", 1)[1]) >= 3


@pytest.mark.postgres
def test_on_postgresql_the_fast_path_awaits_its_read_on_the_event_loop_while_the_app_serves(
    postgres_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []
    real_fetch = AsyncReads.fetch_one

    async def fetch_one(self: AsyncReads, sql: str, params: Any = ()) -> Any:
        reads.append(sql)
        return await real_fetch(self, sql, params)

    monkeypatch.setattr(AsyncReads, "fetch_one", fetch_one)
    app = create_app(Settings(database_url=postgres_database_url, **APP_SETTINGS))
    services = app.state.services
    assert services.async_reads is not None
    with TestClient(app) as client:  # runs the lifespan: the pool opens on the app's loop
        assert services.async_reads.is_open
        _key, token = services.keys.create("editor-key", "editor")
        headers = {"Authorization": f"Bearer {token}"}
        body = {"title": "Rollout", "account": "Acme"}
        opened = client.post("/v1/opportunities", json=body, headers=headers).json()
        assert services.runner.wait_for(services.runner.head(), timeout=30)

        found = client.get(f"/v1/opportunities/{opened['id']}", headers=headers)
        unknown = client.get(f"/v1/opportunities/{uuid4()}", headers=headers)

        assert found.status_code == 200
        assert found.headers["etag"] == f'"{opened["version"]}"'
        assert found.json() == current_state(services, UUID(opened["id"]))
        assert unknown.status_code == 404  # the route's problem answer
        assert unknown.headers["content-type"] == "application/problem+json"
        assert len(reads) == 2
    assert not services.async_reads.is_open  # closed with the lifespan
