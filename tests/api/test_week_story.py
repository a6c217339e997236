"""The Rep story of issue 19, end to end through HTTP with the server's clock moved through
the week: "A rep plans three interactions for the week, completes two (one gaining the
commitment), moves one after its date passed (a slip), sees the agenda and the scorecard
with goals met and not met." The week is 2026-W10, Monday 2 March to Monday 9 March (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.api.conftest import Api, Clock
from tests.api.reps import Rep


def at(day: int, hour: int) -> datetime:
    """A time of the week: day 0 is Monday 2 March 2026."""
    return datetime(2026, 3, 2 + day, hour, tzinfo=UTC)


def only(items: list[dict[str, Any]], *names: str) -> list[dict[str, Any]]:
    return [{name: item[name] for name in names} for item in items]


def test_jo_plans_the_week_slips_once_and_sees_the_agenda_and_the_scorecard(
    api: Api, clock: Clock
) -> None:
    jo = Rep(api)
    clock.now = at(0, 8)
    jo.set_goals(
        "jo",
        {
            "MeetingGained": 1,
            "commitments_gained": 2,
            "interactions_planned_with_objective": 3,
            "interactions_completed": 2,
        },
    )
    deal = jo.open(title="Acme rollout", account="Acme Corp")
    dana = jo.plan(deal, at(1, 10), contact="Dana", objective="Agree to an initial meeting")
    sam = jo.plan(deal, at(2, 14), contact="Sam", objective="Name the budget owner")
    lee = jo.plan(deal, at(3, 11), contact="Lee", objective="Join the demo")
    assert only(jo.agenda(owner="jo"), "contact", "planned_for", "overdue") == [
        {"contact": "Dana", "planned_for": "2026-03-03T10:00:00Z", "overdue": False},
        {"contact": "Sam", "planned_for": "2026-03-04T14:00:00Z", "overdue": False},
        {"contact": "Lee", "planned_for": "2026-03-05T11:00:00Z", "overdue": False},
    ]

    clock.now = at(1, 11)  # Tuesday: Dana agreed
    jo.complete(deal, dana, gained=True, outcome="Meeting booked for Thursday")
    jo.record(deal, "MeetingGained", contact="Dana", department="IT")

    clock.now = at(2, 16)  # Wednesday: Sam's call did not happen
    assert only(jo.agenda(overdue="true"), "interaction_id", "overdue") == [
        {"interaction_id": sam, "overdue": True}
    ]
    jo.move(deal, sam, at(4, 10), reason="Sam was travelling")

    clock.now = at(3, 12)  # Thursday: Lee would not commit
    jo.complete(deal, lee, gained=False, outcome="Lee wants to see a video first")

    agenda = jo.agenda(owner="jo")
    assert only(agenda, "interaction_id", "contact", "planned_for", "overdue", "slips") == [
        {
            "interaction_id": sam,
            "contact": "Sam",
            "planned_for": "2026-03-06T10:00:00Z",
            "overdue": False,
            "slips": 1,
        }
    ]
    assert only(agenda, "title", "account", "owner", "status", "stage", "next_small_win") == [
        {
            "title": "Acme rollout",
            "account": "Acme Corp",
            "owner": "jo",
            "status": "open",
            "stage": "meeting",
            "next_small_win": "customer_data",
        }
    ]

    card = jo.scorecard("jo")
    assert card["week"] == "2026-W10"
    assert card["small_wins"]["MeetingGained"] == 1
    assert card["small_wins"]["commitments_gained"] == 1
    assert card["interactions"] == {
        "planned": 3,
        "planned_with_objective": 3,
        "completed": 2,
        "completed_with_objective": 2,
        "commitments_gained": 1,
        "rescheduled": 1,
        "slipped": 1,
        "cancelled": 0,
        "commitment_rate": 0.5,
    }
    assert card["overdue_now"] == 0
    assert card["goals"] == [
        {"metric": "MeetingGained", "target": 1, "actual": 1, "met": True},
        {"metric": "commitments_gained", "target": 2, "actual": 1, "met": False},
        {"metric": "interactions_planned_with_objective", "target": 3, "actual": 3, "met": True},
        {"metric": "interactions_completed", "target": 2, "actual": 2, "met": True},
    ]
    assert card["streak_weeks"] == 0

    clock.now = at(7, 9)  # the next Monday: last week's card is unchanged, Sam is overdue
    assert jo.scorecard("jo", "2026-W10")["goals"] == card["goals"]
    this_week = jo.scorecard("jo")
    assert (this_week["week"], this_week["overdue_now"], this_week["streak_weeks"]) == (
        "2026-W11",
        1,
        0,
    )
    (seller,) = jo.get("/v1/sellers")["items"]
    assert seller["goals"] == {"met": 0, "total": 4}
    assert seller["overdue_now"] == 1
