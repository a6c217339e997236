"""On random histories of a few deals of several accounts (spelled differently, referring
each other and an account with no deal of its own; small wins, departments bought in,
pauses, wins with and without amounts in two currencies, losses, reopenings, changed
amounts, currencies and referrers, retractions of anything; the views caught up at random
points in between), the accounts list in every order, paged, and each account's answer
equal a naive computation from the recorded events that still stand; a rebuild of the
accounts view gives the rows stepping gave."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api import accounts
from api.services import Services, build_services
from api.settings import Settings
from domain.errors import DomainError
from domain.records import EventRecord
from projections.render import rfc3339
from tests.projections.conftest import SMALL_POOLS
from tests.projections.drivers import snapshot

ACCOUNTS = ["Acme", " acme ", "Globex", "GLOBEX", "Initech  Labs", "initech labs"]
REFERRERS = [None, "ACME", "globex", "Umbrella"]
DEPARTMENTS = ["IT", "it ", "Finance", "Legal"]
KINDS = [
    "MeetingGained", "StakeholderBoughtIn", "StakeholderBoughtIn", "VerbalCommitment",
    "Paused", "Resumed", "ClosedWon", "ClosedWon", "ClosedLost", "Reopened", "plan",
    "complete", "amount", "referrer", "retract", "retract",
]  # fmt: skip
SMALL_WINS = {
    "MeetingGained", "CustomerDataGathered", "StakeholderBoughtIn", "DemoScheduled",
    "VerbalCommitment",
}  # fmt: skip
DEALS = 5
steps = st.lists(
    st.tuples(
        st.integers(0, DEALS - 1),  # which deal
        st.sampled_from(KINDS),
        st.integers(0, 11),  # a choice within the step
        st.floats(0, 40),  # hours the clock moves first
        st.floats(0, 30),  # hours the event is backdated
        st.booleans(),  # the views catch up after it
    ),
    min_size=10,
    max_size=40,
)


@pytest.fixture
def services(database_url: str, clock: Any) -> Iterator[Services]:
    """Projections in this process, caught up inline by each read (no background runner)."""
    built = build_services(
        Settings(database_url=database_url, projections_in_process=True, sweep_processes=0,
                 **SMALL_POOLS),
        clock=clock,
    )  # fmt: skip
    yield built
    built.close()


def fields_of(kind: str, choice: int, open_ids: list[str]) -> dict[str, Any] | None:
    simple: dict[str, dict[str, Any]] = {
        "MeetingGained": {"contact": "Dana", "department": DEPARTMENTS[choice % 4]},
        "StakeholderBoughtIn": {"stakeholder": ["Sam", "Dana", "Kofi"][choice % 3],
                                "department": DEPARTMENTS[choice % 4], "role": "user"},
        "VerbalCommitment": {"stakeholder": "Sam", "amount": [None, 100.5, 7][choice % 3]},
        "Paused": {"reason": "budget"},
        "Resumed": {},
        "ClosedWon": {"amount": [None, 0.1, 250.25, 0][choice % 4]},
        "ClosedLost": {"reason": "price"},
        "Reopened": {"reason": "back"},
        "plan": {"contact": "Dana", "department": "IT", "channel": "email",
                 "purpose": "follow up"},
        "amount": {"amount": float(choice * 10), "currency": ["USD", "EUR"][choice % 2]},
        "referrer": {"referrer_account": REFERRERS[1 + choice % 3]},
    }  # fmt: skip
    if kind in simple:
        return {k: v for k, v in simple[kind].items() if v is not None}
    if kind == "complete":
        if not open_ids:
            return None
        return {"interaction_id": open_ids[0], "commitment_gained": choice % 3 != 0}
    return {"version": choice, "reason": "a mistake"}  # retract (version: set by drive)


EVENT_OF = {"plan": "InteractionPlanned", "complete": "InteractionCompleted",
            "amount": "DetailsChanged", "referrer": "DetailsChanged",
            "retract": "EventRetracted"}  # fmt: skip


def drive(services: Services, clock: Any, history: list[Any]) -> None:
    app = services.opportunities
    deals = []
    for n in range(DEALS):
        fields = {"title": f"Deal {n}", "account": ACCOUNTS[n % len(ACCOUNTS)],
                  "amount": [None, 50][n % 2], "currency": ["USD", "EUR"][n % 2]}  # fmt: skip
        if REFERRERS[n % 4] is not None:
            fields["referrer_account"] = REFERRERS[n % 4]
        deals.append(app.open(recorded_by="jo", fields=fields).opportunity_id)
        clock.advance(hours=1)
    for index, kind, choice, gap, backdate, read in history:
        if read:
            services.runner.catch_up()
        clock.advance(hours=gap)
        deal = deals[index]
        state = app.load(deal).deal
        occurred = max(state.lifecycle.opened_at, clock.now - timedelta(hours=backdate))
        fields = fields_of(kind, choice, [i.interaction_id for i in state.plans.ordered()])
        if kind == "retract" and fields is not None:
            fields["version"] = 2 + choice % max(1, state.version - 1)  # any but the opening
        if fields is None:
            continue
        try:
            app.record(deal, EVENT_OF.get(kind, kind), recorded_by="jo", fields=fields,
                       occurred_at=occurred)  # fmt: skip
        except DomainError:
            continue


def histories(services: Services) -> dict[str, list[EventRecord]]:
    app = services.opportunities
    found: dict[str, list[EventRecord]] = {}
    for notification in app.recorder.select_notifications(start=1, limit=1_000_000):
        found.setdefault(str(notification.originator_id), []).append(app.record_of(notification))
    return found


def key(name: str) -> str:
    return " ".join(name.split()).casefold()


def deal_of(oid: str, records: list[EventRecord]) -> dict[str, Any]:
    """What one deal counts for, from its events that still stand."""
    taken_back = {r.data["version"] for r in records if r.type == "EventRetracted"}
    standing = [r for r in records if r.version not in taken_back and r.type != "EventRetracted"]
    opened = standing[0].data
    deal: dict[str, Any] = {
        "id": oid, "title": opened["title"], "account": " ".join(opened["account"].split()),
        "opened_at": standing[0].occurred_at, "status": "open", "closed_at": None,
        "amount": opened.get("amount"), "currency": opened.get("currency") or "USD",
        "referrer": opened.get("referrer_account"), "wins": [], "departments": set(),
    }  # fmt: skip
    for r in standing[1:]:
        data = r.data
        if r.type in SMALL_WINS or (r.type == "InteractionCompleted" and data["commitment_gained"]):
            deal["wins"].append(r.occurred_at)
        if r.type == "StakeholderBoughtIn":
            deal["departments"].add(key(data["department"]))
        if r.type in ("VerbalCommitment", "ClosedWon") and data.get("amount") is not None:
            deal["amount"] = data["amount"]
        if r.type == "DetailsChanged":
            for name, field in (("amount", "amount"), ("currency", "currency"),
                                ("referrer", "referrer_account")):  # fmt: skip
                if data.get(field) is not None:
                    deal[name] = data[field]
        if r.type in ("Paused", "Resumed", "ClosedWon", "ClosedLost", "Reopened"):
            deal["status"] = {"Paused": "paused", "ClosedWon": "won", "ClosedLost": "lost"}.get(
                r.type, "open"
            )
            deal["closed_at"] = r.occurred_at if r.type.startswith("Closed") else None
    closed = deal["closed_at"]
    deal["last_win"] = max((w for w in deal["wins"] if closed is None or w <= closed), default=None)
    return deal


def sums(deals: list[dict[str, Any]]) -> dict[str, float]:
    found: dict[str, list[float]] = {}
    for d in deals:
        if d["status"] == "won" and d["amount"] is not None:
            found.setdefault(d["currency"], []).append(float(d["amount"]))
    return {currency: math.fsum(found[currency]) for currency in sorted(found)}


def moment(value: datetime | None) -> str | None:
    return None if value is None else rfc3339(value)


def naive(histories: dict[str, list[EventRecord]]) -> dict[str, dict[str, Any]]:
    """Each account with a deal, by key: its answer as DESIGN's words compute it."""
    deals = [deal_of(oid, records) for oid, records in histories.items()]
    found: dict[str, dict[str, Any]] = {}
    for account_key in {key(d["account"]) for d in deals}:
        own = sorted((d for d in deals if key(d["account"]) == account_key),
                     key=lambda d: (d["opened_at"], d["id"]))  # fmt: skip
        referred = sorted((d for d in deals if d["referrer"] and key(d["referrer"]) == account_key),
                          key=lambda d: (d["opened_at"], d["id"]))  # fmt: skip
        won = [d for d in own if d["status"] == "won"]
        first_won = min((d["closed_at"] for d in won), default=None)
        found[account_key] = {
            "account": own[0]["account"],
            "opportunities": {s: sum(d["status"] == s for d in own)
                              for s in ("open", "paused", "won", "lost")},
            "won_amounts": sums(own),
            "first_won_at": moment(first_won),
            "last_small_win_at": moment(max((d["last_win"] for d in own if d["last_win"]),
                                            default=None)),
            "departments_bought_in": len(set().union(*(d["departments"] for d in own))),
            "repeat_opportunities": 0 if first_won is None
            else sum(d["opened_at"] > first_won for d in own),
            "referrals_given": {"opened": len(referred),
                                "won": sum(d["status"] == "won" for d in referred),
                                "won_amounts": sums(referred)},
            "referred": [{"id": d["id"], "title": d["title"], "account": d["account"],
                          "status": d["status"]} for d in referred],
        }  # fmt: skip
    return found


def order(expected: dict[str, dict[str, Any]], sort: str) -> list[str]:
    def rank(k: str) -> Any:
        item = expected[k]
        if sort == "-won":
            return (-item["opportunities"]["won"], k)
        if sort == "-referrals_given":
            return (-item["referrals_given"]["opened"], k)
        if sort == "-last_small_win_at":
            last = item["last_small_win_at"]
            return (
                last is None,
                0 if last is None else -datetime.fromisoformat(last).timestamp(),
                k,
            )
        return (k,)

    return sorted(expected, key=rank)


def listed(services: Services, sort: str, limit: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _page in range(50):
        page = accounts.list_accounts(services, sort, limit, cursor)
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("more than 50 pages")


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=steps, limit=st.integers(1, 3))
def test_the_accounts_equal_a_naive_count_of_the_standing_events(
    services: Services, clock: Any, history: list[Any], limit: int
) -> None:
    drive(services, clock, history)
    expected = naive(histories(services))

    for sort in ("account", "-won", "-referrals_given", "-last_small_win_at"):
        items = listed(services, sort, limit)
        assert [key(i["account"]) for i in items] == order(expected, sort), sort
        for item in items:
            wanted = {k: v for k, v in expected[key(item["account"])].items() if k != "referred"}
            assert item == wanted
    for account_key, wanted in expected.items():
        answer = accounts.get_account(services, account_key.upper())
        del answer["relationships"]
        assert answer == wanted
    assert "umbrella" not in expected

    services.runner.catch_up()
    stepped = snapshot(services)
    services.runner.rebuild("accounts")
    services.runner.catch_up()
    assert snapshot(services) == stepped
    assert stepped["account_deals"]
