"""The demo shows the seller's plan, relationship equity and everyday corrections: slips,
cancellations, an agenda with overdue and upcoming calls, goals met in some weeks and
missed in others, referrals and repeat business from accounts that won, changed details,
retractions and reopened deals; all valid (every history verifies) and names protected.
On SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from psycopg import sql
from typer.testing import CliRunner

from api.app import create_app
from api.cli import cli
from api.settings import Settings
from domain.plans import is_slip
from domain.records import EventRecord
from domain.state import fold
from tests.ops.stores import END, SMALL_POOLS, demo, histories, open_services

# The moment the API is asked at: the morning after the demo's last day.
NOW = END + timedelta(hours=9)
Histories = dict[UUID, list[EventRecord]]


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ],
)
def store_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A demo of 300 deals, written once per backend for the tests below."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('plans') / 'demo.db'}"
        schema = None
    else:
        postgres = request.getfixturevalue("postgres_test_database")
        schema = f"d_{secrets.token_hex(6)}"
        postgres.connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        url = postgres.url(schema)
    services = open_services(url)
    try:
        demo(services, 300, seed=21)
    finally:
        services.close()
    yield url
    if schema is not None:
        postgres.connection.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
        )


@pytest.fixture(scope="module")
def told(store_url: str) -> Histories:
    services = open_services(store_url)
    try:
        return histories(services)
    finally:
        services.close()


@pytest.fixture(scope="module")
def client(store_url: str) -> Iterator[TestClient]:
    """The API on the demo's store, asked the morning after its last day."""
    settings = Settings(database_url=store_url, projections_in_process=True, **SMALL_POOLS)
    app = create_app(settings, clock=lambda: NOW)
    with TestClient(app) as test_client:
        services = app.state.services
        services.runner.catch_up()
        _key, token = services.keys.create("demo-reader", "viewer")
        test_client.headers["Authorization"] = f"Bearer {token}"
        yield test_client


def get(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def every(records: Histories, kind: str) -> list[EventRecord]:
    return [r for rs in records.values() for r in rs if r.type == kind]


def test_interactions_are_planned_for_a_time_and_some_slip_or_are_cancelled(
    told: Histories,
) -> None:
    planned = every(told, "InteractionPlanned")
    assert planned
    assert all(r.data["planned_for"] is not None for r in planned)
    slips = moved = 0
    for records in told.values():
        planned_for = {}
        for r in records:
            if r.type == "InteractionPlanned":
                planned_for[r.data["interaction_id"]] = r.data["planned_for"]
            elif r.type == "InteractionRescheduled":
                replaced = planned_for[r.data["interaction_id"]]
                assert r.data["planned_for"] > replaced  # moved later
                slips += is_slip(r, replaced)
                moved += not is_slip(r, replaced)
                planned_for[r.data["interaction_id"]] = r.data["planned_for"]
    assert slips > 10
    assert moved > 5
    kinds = Counter(r.type for rs in told.values() for r in rs)
    assert kinds["InteractionCancelled"] > 5
    assert kinds["InteractionCompleted"] > 2 * (
        kinds["InteractionCancelled"] + kinds["InteractionRescheduled"]
    )
    gained = Counter(r.data["commitment_gained"] for r in every(told, "InteractionCompleted"))
    assert gained[True] > 0
    assert gained[False] > 0


def test_the_agenda_has_overdue_and_upcoming_calls(client: TestClient) -> None:
    items = get(client, "/v1/agenda", limit=500)["items"]
    assert items
    overdue = [i for i in items if i["overdue"]]
    upcoming = [i for i in items if i["planned_for"] and i["planned_for"] > NOW.isoformat()]
    assert overdue
    assert upcoming
    assert {i["status"] for i in items} <= {"open", "paused"}


def test_reps_set_goals_met_in_some_weeks_and_missed_in_others(client: TestClient) -> None:
    sellers = get(client, "/v1/sellers", limit=100)["items"]
    with_goals = [
        s["owner"] for s in sellers if get(client, f"/v1/sellers/{s['owner']}/goals")["weekly"]
    ]
    assert len(with_goals) >= len(sellers) // 2
    met = Counter[bool]()
    for owner in with_goals[:4]:
        for back in range(1, 16):
            week = (NOW - timedelta(weeks=back)).strftime("%G-W%V")
            card = get(client, f"/v1/sellers/{owner}/scorecard", week=week)
            met.update(row["met"] for row in card["goals"])
    assert met[True] > 0
    assert met[False] > 0


def test_referrals_name_an_account_that_had_won_and_someone_there(
    told: Histories, client: TestClient
) -> None:
    wins: dict[str, list[datetime]] = {}
    for records in told.values():
        for r in records:
            if r.type == "ClosedWon":
                wins.setdefault(records[0].data["account"], []).append(r.recorded_at)
    referrals = [rs[0] for rs in told.values() if rs[0].data["source"] == "referral"]
    assert len(referrals) > 5
    for opened in referrals:
        referrer = opened.data["referrer_account"]
        assert referrer != opened.data["account"]
        assert opened.data["referred_by"]
        assert min(wins[referrer]) < opened.recorded_at
    referrer = referrals[0].data["referrer_account"]
    reached = get(client, f"/v1/accounts/{referrer}/relationships")["departments"]
    assert any(d["depth"] != "contacted" for d in reached)
    by_source = {row["source"]: row for row in get(client, "/v1/analytics/wins")["by_source"]}
    assert by_source["referral"]["closed"] > 0


def test_repeat_business_comes_from_accounts_that_won_before(
    told: Histories, client: TestClient
) -> None:
    first_won: dict[str, datetime] = {}
    for records in told.values():
        for r in records:
            if r.type == "ClosedWon":
                account = records[0].data["account"]
                first_won[account] = min(first_won.get(account, r.recorded_at), r.recorded_at)
    repeats = [rs[0] for rs in told.values() if rs[0].data["source"] == "repeat"]
    assert len(repeats) > 5
    assert all(first_won[o.data["account"]] < o.recorded_at for o in repeats)
    account = repeats[0].data["account"]
    reached = get(client, f"/v1/accounts/{account}/relationships")["departments"]
    assert reached
    assert get(client, "/v1/opportunities", account=account, status="won")["items"]


def test_details_change_and_expected_close_is_pushed_later(told: Histories) -> None:
    openings = [rs[0] for rs in told.values()]
    assert sum(o.data["expected_close"] is not None for o in openings) > len(openings) // 2
    changed = every(told, "DetailsChanged")
    assert any(r.data["amount"] is not None for r in changed)
    assert sum(fold(rs).profile.close_date_pushes for rs in told.values()) > 10


def test_double_entries_are_retracted_and_lost_deals_reopened(told: Histories) -> None:
    retracted = 0
    for records in told.values():
        by_version = {r.version: r for r in records}
        for r in records:
            if r.type == "EventRetracted":
                taken_back = by_version[r.data["version"]]
                twin = by_version[taken_back.version - 1]
                assert (taken_back.type, taken_back.data) == (twin.type, twin.data)
                retracted += 1
    assert retracted > 0
    reopened = 0
    for records in told.values():
        kinds = [r.type for r in records]
        if "Reopened" in kinds:
            closes = [
                k for k in kinds[: kinds.index("Reopened")] if k in ("ClosedWon", "ClosedLost")
            ]
            assert closes[-1] == "ClosedLost"  # the customer came back to a lost deal
            reopened += 1
    assert reopened > 0


def test_verify_all_passes_on_the_demo_and_counts_deals_apart_from_goals(
    told: Histories, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMALLWINS_DATABASE_URL", store_url)
    result = CliRunner().invoke(cli, ["verify", "--all"])
    assert result.exit_code == 0, result.output
    assert f"{len(told)} opportunities and " in result.output
    assert "sellers' goals" in result.output


def test_names_are_stored_only_as_tokens(told: Histories, store_url: str) -> None:
    referrers = {o.data["referred_by"] for rs in told.values() if (o := rs[0]).data["referred_by"]}
    contacts = {r.data["contact"] for r in every(told, "InteractionPlanned")}
    owners = {rs[0].data["owner"] for rs in told.values()}  # the team, shown by name
    names = sorted((referrers | contacts) - owners)
    assert names
    services = open_services(store_url)
    try:
        stored = b"".join(
            e.state for oid in told for e in services.opportunities.recorder.select_events(oid)
        )
    finally:
        services.close()
    assert not [name for name in names if name.encode() in stored]
