"""Inputs found by fuzzing (and their neighbours) that once answered 500, or were accepted
and then stopped the projections for good: NUL characters (PostgreSQL text cannot hold
them), instants the UTC calendar cannot express, forged list cursors, feed positions beyond
what a store can hold. Each is now a 4xx problem that records nothing, and the views keep up
with everything that was accepted. On both backends."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings

EVENT_FIELDS_WITH_TEXT = [
    {"type": "MeetingGained", "contact": "Da\x00na", "department": "IT"},
    {"type": "MeetingGained", "contact": "Dana", "department": "I\x00T"},
    {"type": "CustomerDataGathered", "summary": "Runs\x00 40 warehouses"},
    {"type": "StakeholderBoughtIn", "stakeholder": "Sam\x00", "department": "IT", "role": "user"},
    {"type": "DemoScheduled", "scheduled_for": "2026-03-10T15:00:00Z", "attendees": ["K\x00im"]},
    {
        "type": "InteractionPlanned",
        "contact": "Dana",
        "department": "IT",
        "channel": "phone",
        "purpose": "Ask for\x00 the pilot",
    },
    {"type": "Paused", "reason": "Budget\x00 freeze"},
    {"type": "CustomerDataGathered", "summary": "Fine", "note": "a note\x00"},
]
OPENINGS_WITH_TEXT = [
    {"title": "Pilot\x00", "account": "Acme"},
    {"title": "Pilot", "account": "Ac\x00me"},
    {"title": "Pilot", "account": "Acme", "owner": "\x00jo"},
    {"title": "Pilot", "account": "Acme", "referred_by": "Kim\x00"},
    {"title": "Pilot", "account": "Acme", "buying_departments": ["IT", "Fin\x00ance"]},
]
OUTSIDE_THE_CALENDAR = [
    "0001-01-01T00:00:00+14:00",  # year 0 in UTC
    "9999-12-31T23:59:59-14:00",  # year 10000 in UTC
    "1899-12-31T23:59:59Z",
    "9000-01-01T00:00:00Z",
]


@pytest.fixture
def client(database_url: str) -> Iterator[Any]:
    settings = Settings(
        database_url=database_url,
        projections_in_process=True,
        postgres_pool_size=2,
        postgres_max_overflow=4,
    )
    app = create_app(settings)
    _key, token = app.state.services.keys.create("hostile", "admin")
    with TestClient(app) as test_client:
        test_client.headers["Authorization"] = f"Bearer {token}"
        yield test_client


def feed(client: Any) -> list[Any]:
    items: list[Any] = client.get("/v1/events", params={"limit": 500}).json()["items"]
    return items


def open_deal(client: Any, **fields: Any) -> str:
    body = {"title": "Warehouse pilot", "account": "Acme", **fields}
    response = client.post("/v1/opportunities", json=body)
    assert response.status_code == 201, response.text
    deal: str = response.json()["id"]
    return deal


def assert_views_keep_up(client: Any) -> None:
    runner = client.app.state.services.runner
    assert runner.wait_for(runner.head(), timeout=20), runner.last_error
    assert runner.last_error is None


def assert_problem(response: Any, status: int, slug: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == f"/problems/{slug}"


def test_a_nul_character_in_any_text_field_is_422_and_records_nothing(client: Any) -> None:
    deal = open_deal(client)
    before = feed(client)

    for body in OPENINGS_WITH_TEXT:
        assert_problem(client.post("/v1/opportunities", json=body), 422, "validation-error")
    for body in EVENT_FIELDS_WITH_TEXT:
        response = client.post(f"/v1/opportunities/{deal}/events", json=body)
        assert_problem(response, 422, "validation-error")
        assert response.json()["errors"], response.text

    assert feed(client) == before
    assert_views_keep_up(client)


def test_an_instant_outside_the_calendar_is_422_and_records_nothing(client: Any) -> None:
    deal = open_deal(client)
    before = feed(client)
    for instant in OUTSIDE_THE_CALENDAR:
        assert_refused_everywhere(client, deal, instant)
    assert feed(client) == before
    assert_views_keep_up(client)


def assert_refused_everywhere(client: Any, deal: str, instant: str) -> None:
    opening = {"title": "Old deal", "account": "Acme", "occurred_at": instant}
    assert_problem(client.post("/v1/opportunities", json=opening), 422, "validation-error")
    demo = {"type": "DemoScheduled", "scheduled_for": instant}
    response = client.post(f"/v1/opportunities/{deal}/events", json=demo)
    assert_problem(response, 422, "validation-error")
    as_of = client.get(f"/v1/opportunities/{deal}", params={"as_of": instant})
    if instant[:4] in ("0001", "9999"):  # not an instant UTC can express
        assert_problem(as_of, 422, "validation-error")
    else:  # an instant, if an odd one to ask about
        assert as_of.status_code in (200, 404), as_of.text


def test_the_oldest_and_the_furthest_instants_allowed_are_served_and_projected(
    client: Any,
) -> None:
    deal = open_deal(client, occurred_at="1900-01-01T00:00:00Z")
    demo = {"type": "DemoScheduled", "scheduled_for": "8999-12-31T23:59:59Z"}
    assert client.post(f"/v1/opportunities/{deal}/events", json=demo).status_code == 201
    won = {"type": "ClosedWon", "occurred_at": "1900-01-02T00:00:00Z"}
    assert client.post(f"/v1/opportunities/{deal}/events", json=won).status_code == 201

    assert client.get(f"/v1/opportunities/{deal}").json()["closed_at"] == "1900-01-02T00:00:00Z"
    assert client.get("/v1/opportunities").status_code == 200
    assert client.get("/v1/analytics/wins").status_code == 200
    assert_views_keep_up(client)


def test_a_nul_character_in_the_url_is_a_400_problem(client: Any) -> None:
    for url in (
        "/v1/opportunities?owner=jo%00",
        "/v1/opportunities?account=%00",
        "/v1/accounts/Ac%00me/relationships",
        "/v1/accounts/Ac%00me",
        "/v1/accounts?cursor=%00",
        "/v1/analytics/wins?owner=%00",
        "/v1/events?after=%00",
    ):
        assert_problem(client.get(url), 400, "malformed-request")


def cursor(position: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


FORGED_POSITIONS = [
    {"t": "2026-01-01T00:00:00Z", "sort": "-opened_at", "after": []},
    {"t": "2026-01-01T00:00:00Z", "sort": "-opened_at", "after": [{"a": 1}, "x"]},
    {"t": "2026-01-01T00:00:00Z", "sort": "-opened_at", "after": ["abc", "x"]},
    {"t": "2026-01-01T00:00:00Z", "sort": "-opened_at", "after": [1.0, 5]},
    {"t": "2026-01-01T00:00:00Z", "sort": "-opened_at", "after": [True, "x"]},
    {"t": "2026-01-01T00:00:00Z", "sort": "-opened_at", "after": "ab"},
    {"t": "2026-01-01T00:00:00", "sort": "-opened_at", "after": [1.0, "x"]},
    {"t": "9999-12-31T23:59:59-14:00", "sort": "-opened_at", "after": [1.0, "x"]},
    {"t": "0001-01-01T00:00:00+14:00", "sort": "-opened_at", "after": [1.0, "x"]},
    {"t": 5, "sort": "-opened_at", "after": [1.0, "x"]},
    {"sort": "-opened_at", "after": [1.0, "x"]},
    {"t": "2026-01-01T00:00:00Z", "sort": "momentum", "after": [1.0, "x"]},
]


def test_a_forged_list_cursor_is_a_422_problem_never_a_500(client: Any) -> None:
    for n in range(3):
        open_deal(client, account=f"Account {n}")
    for stalled in (None, "true", "false"):  # the stall filter computes with the cursor's instant
        assert_forged_cursors_refused(client, {} if stalled is None else {"stalled": stalled})


def assert_forged_cursors_refused(client: Any, params: dict[str, str]) -> None:
    for position in FORGED_POSITIONS:
        response = client.get(
            "/v1/opportunities", params={**params, "cursor": cursor(position), "limit": 1}
        )
        assert_problem(response, 422, "validation-error")
        assert response.json()["errors"][0]["loc"] == ["query", "cursor"]
    # Well formed, if no page of ours ever ended there (and too large for an SQLite integer).
    position = {"t": "2026-01-01T00:00:00Z", "sort": "-opened_at", "after": [2**64 - 1, "x"]}
    response = client.get("/v1/opportunities", params={**params, "cursor": cursor(position)})
    assert response.status_code == 200, response.text


FORGED_ACCOUNT_POSITIONS = [
    {"sort": "-won", "after": []},
    {"sort": "-won", "after": [{"a": 1}, "x"]},
    {"sort": "-won", "after": ["abc", "x"]},
    {"sort": "-won", "after": [1.0, 5]},
    {"sort": "-won", "after": [True, "x"]},
    {"sort": "-won", "after": [1.0, "x\u0000"]},
    {"sort": "-won", "after": "ab"},
    {"sort": "account", "after": [0, "x"]},
    {"after": [1.0, "x"]},
]


def test_a_forged_accounts_cursor_is_a_422_problem_never_a_500(client: Any) -> None:
    for n in range(3):
        open_deal(client, account=f"Account {n}")
    for position in FORGED_ACCOUNT_POSITIONS:
        params = {"sort": "-won", "cursor": cursor(position), "limit": 1}
        response = client.get("/v1/accounts", params=params)
        assert_problem(response, 422, "validation-error")
        assert response.json()["errors"][0]["loc"] == ["query", "cursor"]
    # Well formed, if no page of ours ever ended there (and too large for an SQLite integer).
    position = {"sort": "-won", "after": [2**64 - 1, "x"]}
    response = client.get("/v1/accounts", params={"sort": "-won", "cursor": cursor(position)})
    assert response.status_code == 200, response.text


def test_a_real_cursor_still_pages_through_every_deal(client: Any) -> None:
    opened = {open_deal(client, account=f"Account {n}") for n in range(3)}
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 1, "sort": "-momentum"}
    for _page in range(10):
        page = client.get("/v1/opportunities", params=params).json()
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert sorted(seen) == sorted(opened)


def test_a_feed_position_beyond_what_a_store_can_hold_is_422(client: Any) -> None:
    response = client.get("/v1/events", params={"after": 2**63})
    assert_problem(response, 422, "validation-error")
    assert client.get("/v1/events", params={"after": 2**63 - 1}).json()["items"] == []
