"""GET /v1/agenda (DESIGN section 6): the open interactions of open and paused deals, one item
each, soonest first (unscheduled last, then by opportunity and interaction id); filtered by
owner, account, due_before and overdue (judged at the moment of reading); paged by cursor;
and it sees the caller's own writes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.api.conftest import Api, Clock
from tests.api.reps import Rep

FIELDS = {
    "interaction_id", "contact", "department", "channel", "purpose", "commitment_objective",
    "planned_for", "overdue", "slips", "opportunity_id", "title", "account", "owner", "status",
    "stage", "next_small_win",
}  # fmt: skip


@pytest.fixture
def rep(api: Api) -> Rep:
    return Rep(api)


def keys(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(i["opportunity_id"], i["interaction_id"]) for i in items]


def test_the_agenda_lists_each_open_interaction_of_open_and_paused_deals_soonest_first(
    rep: Rep, clock: Clock
) -> None:
    now = clock.now
    acme = rep.open(title="Acme rollout", account="Acme Corp")
    later = rep.plan(acme, now + timedelta(days=3), contact="Dana")
    unscheduled = rep.plan(acme, None, objective=None, contact="Lee")
    globex = rep.open(title="Globex pilot", account="Globex", owner="sam")
    soon = rep.plan(globex, now + timedelta(days=1), contact="Kofi")
    rep.record(globex, "Paused", reason="Budget freeze")
    won = rep.open(title="Won deal")
    rep.plan(won, now + timedelta(hours=2))
    rep.record(won, "ClosedWon")
    busy = rep.open(title="Busy deal")
    rep.complete(busy, rep.plan(busy, now + timedelta(hours=1)), gained=True)
    rep.cancel(busy, rep.plan(busy, now + timedelta(hours=1)))

    items = rep.agenda()

    assert keys(items) == [(globex, soon), (acme, later), (acme, unscheduled)]
    assert all(set(item) == FIELDS for item in items)
    assert items[0] == {
        "interaction_id": soon,
        "contact": "Kofi",
        "department": "IT",
        "channel": "video",
        "purpose": "Walk through the pilot",
        "commitment_objective": "Agree to a demo",
        "planned_for": clock.iso(days=1),
        "overdue": False,
        "slips": 0,
        "opportunity_id": globex,
        "title": "Globex pilot",
        "account": "Globex",
        "owner": "sam",
        "status": "paused",
        "stage": "none",
        "next_small_win": "meeting",
    }
    assert items[2]["planned_for"] is None
    assert items[2]["commitment_objective"] is None


def test_items_planned_for_the_same_instant_follow_the_opportunity_then_the_interaction_id(
    rep: Rep, clock: Clock
) -> None:
    at = clock.now + timedelta(days=2)
    deals = [rep.open(title=f"Deal {n}") for n in range(3)]
    planned = [(deal, rep.plan(deal, at)) for deal in deals for _ in range(2)]

    assert keys(rep.agenda()) == sorted(planned)


def test_a_closed_deal_leaves_the_agenda_and_comes_back_when_reopened(
    rep: Rep, clock: Clock
) -> None:
    deal = rep.open()
    call = rep.plan(deal, clock.now + timedelta(days=1))
    rep.record(deal, "ClosedLost", reason="timing")
    assert rep.agenda() == []

    rep.record(deal, "Reopened", reason="The customer came back")

    assert keys(rep.agenda()) == [(deal, call)]


def test_overdue_is_judged_at_the_moment_of_reading(rep: Rep, clock: Clock) -> None:
    deal = rep.open()
    rep.plan(deal, clock.now + timedelta(hours=1))
    assert [i["overdue"] for i in rep.agenda()] == [False]

    clock.advance(hours=2)  # nothing recorded meanwhile

    assert [i["overdue"] for i in rep.agenda()] == [True]
    assert len(rep.agenda(overdue="true")) == 1
    assert rep.agenda(overdue="false") == []


def test_the_filters_keep_an_owner_an_account_what_is_due_before_and_what_is_overdue(
    rep: Rep, clock: Clock
) -> None:
    now = clock.now
    jo_acme = rep.open(account="Acme Corp", owner="Jo")
    past = rep.plan(jo_acme, now + timedelta(hours=1))
    tomorrow = rep.plan(jo_acme, now + timedelta(days=1))
    sam_globex = rep.open(account="Globex", owner="sam")
    week = rep.plan(sam_globex, now + timedelta(days=7))
    unscheduled = rep.plan(sam_globex, None)
    clock.advance(hours=2)

    assert keys(rep.agenda(owner="  jo ")) == [(jo_acme, past), (jo_acme, tomorrow)]
    assert keys(rep.agenda(account="GLOBEX")) == [(sam_globex, week), (sam_globex, unscheduled)]
    assert keys(rep.agenda(due_before=clock.iso(days=2))) == [
        (jo_acme, past),
        (jo_acme, tomorrow),
    ]
    assert keys(rep.agenda(overdue="true")) == [(jo_acme, past)]
    assert keys(rep.agenda(overdue="false")) == [
        (jo_acme, tomorrow),
        (sam_globex, week),
        (sam_globex, unscheduled),
    ]
    assert keys(rep.agenda(owner="sam", due_before=clock.iso(days=30))) == [(sam_globex, week)]
    assert rep.agenda(owner="nobody") == []


def test_pages_follow_the_cursor_to_the_same_items_as_one_page(rep: Rep, clock: Clock) -> None:
    for n in range(4):
        deal = rep.open(title=f"Deal {n}")
        for hours in (5 * n, 5 * n + 1):
            rep.plan(deal, clock.now + timedelta(hours=hours))
        rep.plan(deal, None)
    whole = rep.get("/v1/agenda", limit=500)
    assert whole["next_cursor"] is None

    first = rep.get("/v1/agenda", limit=5)
    paged = rep.agenda(limit=5)

    assert len(first["items"]) == 5
    assert first["next_cursor"] is not None
    assert paged == whole["items"]
    assert len(paged) == 12


def test_later_pages_judge_overdue_at_the_instant_of_the_first(rep: Rep, clock: Clock) -> None:
    deal = rep.open()
    for hours in (1, 2, 3):
        rep.plan(deal, clock.now + timedelta(hours=hours))
    first = rep.get("/v1/agenda", limit=1, overdue="false")
    clock.advance(hours=5)  # all three are overdue now

    second = rep.get("/v1/agenda", limit=1, overdue="false", cursor=first["next_cursor"])

    assert [i["overdue"] for i in first["items"] + second["items"]] == [False, False]


def test_the_agenda_sees_the_callers_own_write_at_once(rep: Rep, clock: Clock) -> None:
    deal = rep.open()
    for n in range(5):
        planned = rep.plan(deal, clock.now + timedelta(days=n + 1))
        assert keys(rep.agenda())[-1] == (deal, planned)
    rep.move(deal, planned, clock.now + timedelta(minutes=30))
    assert keys(rep.agenda())[0] == (deal, planned)
    rep.cancel(deal, planned)
    assert (deal, planned) not in keys(rep.agenda())


def test_a_reschedule_after_the_time_passed_counts_as_a_slip_on_the_item(
    rep: Rep, clock: Clock
) -> None:
    deal = rep.open()
    call = rep.plan(deal, clock.now + timedelta(hours=1))
    rep.move(deal, call, clock.now + timedelta(hours=3))  # before its time: no slip
    clock.advance(hours=4)
    rep.move(deal, call, clock.now + timedelta(days=1), reason="Dana was away")

    (item,) = rep.agenda()

    assert item["slips"] == 1
    assert item["planned_for"] == clock.iso(days=1)
    assert item["overdue"] is False


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "not-a-cursor"},
        {"cursor": "eyJ0IjoxfQ"},  # {"t": 1}
        {"limit": "0"},
        {"limit": "501"},
        {"overdue": "perhaps"},
        {"due_before": "2026-03-02T09:00:00"},  # no offset
        {"due_before": "tomorrow"},
        {"owner": "x" * 201},
    ],
)
def test_bad_agenda_parameters_are_422_problems(api: Api, params: dict[str, str]) -> None:
    response = api.client.get("/v1/agenda", params=params, headers=api.auth("viewer"))

    api.problem(response, 422, "validation-error")


def test_the_agenda_needs_a_key(api: Api) -> None:
    api.problem(api.client.get("/v1/agenda"), 401, "unauthorized")
