"""GET /v1/sellers/{owner}/scorecard (DESIGN section 6): a week's counts over the events of
the owner's deals that still stand, in the team's time zone, and the overdue interactions
now (goals over weeks, streaks and the list of sellers: test_sellers.py). The clock starts
on Monday 2026-03-02 09:00 UTC, in week 2026-W10."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tests.api.conftest import Api, Clock
from tests.api.reps import Rep


@pytest.fixture
def rep(api: Api) -> Rep:
    return Rep(api)


def versions(api: Api, deal: str) -> dict[str, int]:
    """The latest version of each event type in a deal's history."""
    return {item["type"]: item["version"] for item in api.history(deal)}


def test_the_scorecard_counts_the_weeks_small_wins_interactions_and_deals(
    rep: Rep, clock: Clock
) -> None:
    now = clock.now
    acme = rep.open(amount=1000)
    rep.record(acme, "MeetingGained", contact="Dana", department="IT")
    rep.record(acme, "CustomerDataGathered", summary="Three plants")
    for who in ("Dana", "Sam"):
        rep.record(acme, "StakeholderBoughtIn", stakeholder=who, department="IT", role="user")
    rep.record(acme, "DemoScheduled", scheduled_for=now + timedelta(days=3))
    rep.record(acme, "VerbalCommitment", stakeholder="Sam", amount=1500)
    slipped = rep.plan(acme, now + timedelta(hours=1))
    plain = rep.plan(acme, now + timedelta(hours=2), objective=None)
    moved = rep.plan(acme, now + timedelta(days=1))
    dropped = rep.plan(acme, None)
    clock.advance(hours=3)
    rep.move(acme, slipped, clock.now + timedelta(hours=1))  # its hour had passed: a slip
    rep.move(acme, moved, clock.now + timedelta(days=2))  # before its time: no slip
    rep.complete(acme, slipped, gained=True)
    rep.complete(acme, plain, gained=True)
    rep.complete(acme, moved, gained=False)
    rep.cancel(acme, dropped)
    rep.plan(acme, clock.now + timedelta(minutes=30))  # overdue once the clock moves
    euro = rep.open(amount=200, currency="EUR")
    rep.record(euro, "ClosedWon", amount=250)
    dollars = rep.open(amount=300)
    rep.plan(dollars, clock.now)  # a won deal's interactions are never overdue
    rep.record(dollars, "ClosedWon")  # won at the amount as it stood
    lost = rep.open()
    rep.record(lost, "ClosedLost", reason="price")
    rep.open(owner="lee")  # another owner's
    clock.advance(days=7)  # the next week: nothing of it counts in 2026-W10
    rep.record(acme, "MeetingGained", contact="Lee", department="Ops")

    card = rep.scorecard("jo", "2026-W10")

    assert card == {
        "owner": "jo",
        "week": "2026-W10",
        "from": "2026-03-02T00:00:00Z",
        "to": "2026-03-09T00:00:00Z",
        "small_wins": {
            "MeetingGained": 1, "CustomerDataGathered": 1, "StakeholderBoughtIn": 2,
            "DemoScheduled": 1, "VerbalCommitment": 1, "commitments_gained": 2,
        },
        "interactions": {
            "planned": 6, "planned_with_objective": 5, "completed": 3,
            "completed_with_objective": 2, "commitments_gained": 2, "rescheduled": 2,
            "slipped": 1, "cancelled": 1, "commitment_rate": 0.5,
        },
        "deals": {"opened": 4, "won": 2, "lost": 1, "won_amounts": {"EUR": 250.0, "USD": 300.0}},
        "overdue_now": 1,
        "goals": [],
        "streak_weeks": 0,
    }  # fmt: skip
    assert rep.scorecard("jo")["week"] == "2026-W11"  # the default: the current week
    assert rep.scorecard("jo")["small_wins"]["MeetingGained"] == 1
    assert rep.scorecard("lee", "2026-W10")["deals"]["opened"] == 1


def test_the_commitment_rate_has_three_decimals_and_is_null_without_objectives(
    rep: Rep, clock: Clock
) -> None:
    deal = rep.open()
    rep.complete(deal, rep.plan(deal, objective=None), gained=True)
    assert rep.scorecard("jo")["interactions"]["commitment_rate"] is None

    for gained in (True, False, False):
        rep.complete(deal, rep.plan(deal, clock.now), gained=gained)

    assert rep.scorecard("jo")["interactions"]["commitment_rate"] == 0.333


def test_a_retraction_takes_back_what_the_event_counted(api: Api, rep: Rep, clock: Clock) -> None:
    deal = rep.open(amount=100)
    rep.record(deal, "MeetingGained", contact="Dana", department="IT")
    call = rep.plan(deal, clock.now + timedelta(hours=1))
    clock.advance(hours=2)
    rep.move(deal, call, clock.now + timedelta(hours=1))
    rep.record(deal, "ClosedWon", amount=120)
    before = rep.scorecard("jo")
    assert (before["small_wins"]["MeetingGained"], before["interactions"]["slipped"]) == (1, 1)
    assert before["deals"]["won_amounts"] == {"USD": 120.0}

    for kind in ("ClosedWon", "InteractionRescheduled", "MeetingGained"):
        rep.record(deal, "EventRetracted", version=versions(api, deal)[kind], reason="A mistake")

    after = rep.scorecard("jo")
    assert after["small_wins"]["MeetingGained"] == 0
    assert (after["interactions"]["rescheduled"], after["interactions"]["slipped"]) == (0, 0)
    assert after["deals"] | {"opened": 1} == {
        "opened": 1, "won": 0, "lost": 0, "won_amounts": {},
    }  # fmt: skip
    assert after["overdue_now"] == 1  # back at its first time, which has passed


def test_a_new_owner_takes_the_deals_counts_along(api: Api, rep: Rep) -> None:
    deal = rep.open(owner="Jo")
    rep.record(deal, "MeetingGained", contact="Dana", department="IT")
    rep.plan(deal, None)

    rep.record(deal, "DetailsChanged", owner="Lee")

    jo, lee = rep.scorecard("jo"), rep.scorecard("LEE")
    assert (jo["deals"]["opened"], jo["small_wins"]["MeetingGained"]) == (0, 0)
    assert (lee["owner"], lee["deals"]["opened"], lee["small_wins"]["MeetingGained"]) == (
        "Lee", 1, 1,
    )  # fmt: skip
    assert lee["interactions"]["planned"] == 1
    assert [s["owner"] for s in rep.get("/v1/sellers")["items"]] == ["Lee"]

    rep.record(deal, "EventRetracted", version=versions(api, deal)["DetailsChanged"], reason="No")

    assert rep.scorecard("jo")["small_wins"]["MeetingGained"] == 1
    assert rep.scorecard("lee")["deals"]["opened"] == 0
    assert [s["owner"] for s in rep.get("/v1/sellers")["items"]] == ["Jo"]


def test_weeks_are_iso_weeks_in_the_team_time_zone(
    make_api: Callable[..., Api], clock: Clock
) -> None:
    rep = Rep(make_api(team_timezone="America/New_York"))
    clock.now = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)  # Sunday 23:00 in New York
    deal = rep.open()
    rep.record(deal, "MeetingGained", contact="Dana", department="IT")

    card = rep.scorecard("jo")

    assert (card["week"], card["from"], card["to"]) == (
        "2026-W10", "2026-03-02T05:00:00Z", "2026-03-09T04:00:00Z",  # EST, then EDT
    )  # fmt: skip
    assert card["small_wins"]["MeetingGained"] == 1
    assert rep.scorecard("jo", "2026-W11")["small_wins"]["MeetingGained"] == 0


@pytest.mark.parametrize("week", ["2026-49", "W49", "2026-W54", "1899-W52", "9000-W01", ""])
def test_a_malformed_week_is_a_422_problem(api: Api, week: str) -> None:
    response = api.client.get(
        "/v1/sellers/jo/scorecard", params={"week": week}, headers=api.auth("viewer")
    )
    body = api.problem(response, 422, "validation-error")
    assert body["errors"][0]["loc"] == ["query", "week"]
