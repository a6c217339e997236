"""Goals over weeks and the team (DESIGN section 6): a past week is judged by the goals in
force then; the streak counts the weeks right before, in a row, whose goals were all met;
GET /v1/sellers lists every owner with this week's small wins, goals met and overdue
interactions. The clock starts on Monday 2026-03-02 09:00 UTC, in week 2026-W10."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.conftest import Api, Clock
from tests.api.reps import Rep

ZERO_WINS = dict.fromkeys(
    (
        "MeetingGained", "CustomerDataGathered", "StakeholderBoughtIn", "DemoScheduled",
        "VerbalCommitment", "commitments_gained",
    ),
    0,
)  # fmt: skip


@pytest.fixture
def rep(api: Api) -> Rep:
    return Rep(api)


def meet(rep: Rep, deal: str, clock: Clock, week: int) -> None:
    """A meeting on the Tuesday of 2026-W<week>."""
    clock.now = datetime.fromisocalendar(2026, week, 2).replace(hour=10, tzinfo=UTC)
    rep.record(deal, "MeetingGained", contact="Dana", department="IT")


def test_a_past_week_is_judged_by_the_goals_in_force_then(rep: Rep, clock: Clock) -> None:
    deal = rep.open()
    rep.set_goals("jo", {"MeetingGained": 1})
    meet(rep, deal, clock, 11)
    clock.now = datetime(2026, 3, 22, 23, 0, tzinfo=UTC)  # the Sunday night of 2026-W12
    rep.set_goals("jo", {"MeetingGained": 2, "interactions_completed": 0})
    meet(rep, deal, clock, 13)

    week_11 = rep.scorecard("jo", "2026-W11")["goals"]
    week_12 = rep.scorecard("jo", "2026-W12")["goals"]
    week_13 = rep.scorecard("jo", "2026-W13")["goals"]
    before = rep.scorecard("jo", "2026-W09")["goals"]

    assert week_11 == [{"metric": "MeetingGained", "target": 1, "actual": 1, "met": True}]
    assert week_12 == [
        {"metric": "MeetingGained", "target": 2, "actual": 0, "met": False},
        {"metric": "interactions_completed", "target": 0, "actual": 0, "met": True},
    ]
    assert week_13[0] == {"metric": "MeetingGained", "target": 2, "actual": 1, "met": False}
    assert before == []


def test_the_streak_counts_the_weeks_right_before_whose_goals_were_all_met(
    rep: Rep, clock: Clock
) -> None:
    deal = rep.open()
    rep.set_goals("jo", {"MeetingGained": 1, "interactions_completed": 0})
    for week in (10, 11, 13, 14):  # none in 2026-W12
        meet(rep, deal, clock, week)
    clock.now = datetime.fromisocalendar(2026, 15, 3).replace(tzinfo=UTC)

    streaks = {
        week: rep.scorecard("jo", f"2026-W{week:02d}")["streak_weeks"] for week in range(9, 17)
    }

    assert streaks == {9: 0, 10: 0, 11: 1, 12: 2, 13: 0, 14: 1, 15: 2, 16: 0}
    assert rep.scorecard("jo")["streak_weeks"] == 2


def test_the_sellers_list_every_owner_by_name_with_this_weeks_wins_goals_and_overdue(
    rep: Rep, clock: Clock
) -> None:
    jo = rep.open(owner="jo")
    rep.record(jo, "MeetingGained", contact="Dana", department="IT")
    rep.plan(jo, clock.now + timedelta(minutes=5))
    rep.open(owner="Bea")
    rep.set_goals("jo", {"MeetingGained": 1, "DemoScheduled": 1})
    rep.set_goals("Zed", {"MeetingGained": 0})
    clock.advance(hours=1)

    listed = rep.get("/v1/sellers")

    assert listed == {
        "items": [
            {"owner": "Bea", "small_wins": ZERO_WINS, "goals": {"met": 0, "total": 0},
             "overdue_now": 0},
            {"owner": "jo", "small_wins": ZERO_WINS | {"MeetingGained": 1},
             "goals": {"met": 1, "total": 2}, "overdue_now": 1},
            {"owner": "Zed", "small_wins": ZERO_WINS, "goals": {"met": 1, "total": 1},
             "overdue_now": 0},
        ],
        "next_cursor": None,
    }  # fmt: skip
    pages: list[Any] = []
    params: dict[str, Any] = {"limit": 1}
    while True:
        page = rep.get("/v1/sellers", **params)
        pages.extend(page["items"])
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert pages == listed["items"]


def test_a_streak_longer_than_two_months_is_counted_to_its_start(rep: Rep, clock: Clock) -> None:
    clock.now = datetime.fromisocalendar(2026, 1, 1).replace(tzinfo=UTC)
    deal = rep.open()
    rep.set_goals("jo", {"MeetingGained": 1})  # 2026-W01 itself is not met
    for week in range(2, 20):
        meet(rep, deal, clock, week)
    clock.now = datetime.fromisocalendar(2026, 20, 1).replace(tzinfo=UTC)

    assert rep.scorecard("jo")["streak_weeks"] == 18
    assert rep.scorecard("jo", "2026-W11")["streak_weeks"] == 9


@pytest.mark.parametrize("cursor", ["nope", "eyJ0IjoxfQ", "eyJ0IjoiMjAyNi0wMy0wMlQwOTowMDowMFoifQ"])
def test_a_sellers_cursor_the_api_did_not_give_is_a_422_problem(api: Api, cursor: str) -> None:
    response = api.client.get("/v1/sellers", params={"cursor": cursor}, headers=api.auth("viewer"))
    api.problem(response, 422, "validation-error")


def test_a_past_weeks_scorecard_is_read_from_the_views_without_replaying_the_log(
    api: Api, rep: Rep, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    deal = rep.open()
    rep.set_goals("jo", {"MeetingGained": 1})
    meet(rep, deal, clock, 10)
    meet(rep, deal, clock, 11)
    clock.advance(days=14)
    expected = rep.scorecard("jo", "2026-W11")
    app = api.app.state.services.opportunities

    def replay(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the log was read")

    monkeypatch.setattr(app.recorder, "select_events", replay)
    monkeypatch.setattr(app, "history", replay)
    monkeypatch.setattr(app, "load", replay)

    assert rep.scorecard("jo", "2026-W11") == expected
    assert expected["streak_weeks"] == 1
    assert expected["small_wins"]["MeetingGained"] == 1
