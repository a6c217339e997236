"""Departments bought in, commitment objectives (the 80% rule) and pauses."""

from __future__ import annotations

from typing import Any

from domain.application import Opportunities
from projections.analysis import analyze
from tests.analysis.builders import Deal, History


def buckets(analysis: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {b["departments"]: (b["closed"], b["won"]) for b in analysis["by_bought_in_departments"]}


def buy_ins(deal: Deal, *departments: str) -> Deal:
    for day, department in enumerate(departments, start=1):
        deal.buy_in(day, department=department, stakeholder=f"Person {day}")
    return deal


def test_bought_in_departments_fall_into_0_1_2_and_3_plus(
    app: Opportunities, history: History
) -> None:
    history.deal().meeting(1, department="Finance").lost(9)  # contacted only: 0
    buy_ins(history.deal(), "IT", " it ", "It").won(9)  # one department, three spellings
    buy_ins(history.deal(), "IT", "Finance  Team", " finance team").won(9)
    buy_ins(history.deal(), "IT", "Finance", "Operations").won(9)
    buy_ins(history.deal(), "IT", "Finance", "Operations", "Legal").lost(9)
    assert buckets(analyze(app)) == {"0": (1, 0), "1": (1, 1), "2": (1, 1), "3+": (2, 1)}


def test_commitment_objectives_on_at_least_80_percent_of_planned_interactions(
    app: Opportunities, history: History
) -> None:
    four_of_five = history.deal()
    for objective in (True, True, False, True, True):
        four_of_five.plan(1, objective=objective)
    four_of_five.won(10)
    three_of_four = history.deal()
    for objective in (True, False, True, True):
        three_of_four.plan(1, objective=objective)
    three_of_four.won(30)
    history.deal().meeting(1).lost(5)  # planned nothing: in neither group
    history.deal().plan(1, objective=True).won(20)  # one of one
    history.deal().plan(1, objective=False).plan(2, objective=False).lost(40)

    groups = analyze(app)["commitment_objectives"]

    assert groups["with"] == {"closed": 2, "won": 2, "win_rate": 1.0, "median_days_to_close": 15.0}
    assert groups["without"] == {
        "closed": 2,
        "won": 1,
        "win_rate": 0.5,
        "median_days_to_close": 30.0,  # over won deals only: opening to close
    }


def test_paused_deals_outcomes_and_days_from_each_resumption_to_the_next_win(
    app: Opportunities, history: History
) -> None:
    history.deal().meeting(1).pause(2).resume(5).data(8).won(10)  # 3 days
    history.deal().pause(1).resume(4).lost(6)  # no win after resuming
    twice = history.deal().meeting(1).pause(2).resume(3).pause(4).resume(6)
    twice.demo(10).lost(12)  # 7 days from the first resumption, 4 from the second
    backdated = history.deal().pause(1).resume(3).meeting(0.5)  # the meeting was before
    backdated.plan(3.5, objective=True).complete(4, gained=True).won(
        6
    )  # a gained commitment: 1 day
    history.deal().pause(1).resume(2).meeting(9).lost(5)  # the win came after the close
    history.deal().meeting(1).won(2)  # never paused

    pauses = analyze(app)["pauses"]

    assert pauses == {"paused": 5, "won": 2, "lost": 3, "median_days_resume_to_next_win": 3.5}
