"""Counts, win rates, and per small win: with vs without, lift, days to close."""

from __future__ import annotations

from typing import Any

from domain.application import Opportunities
from projections.analysis import analyze
from tests.analysis.builders import History


def row(analysis: dict[str, Any], kind: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in analysis["by_small_win"] if r["type"] == kind)
    return found


def test_nothing_closed_gives_zero_counts_null_rates_and_every_row(
    app: Opportunities, history: History
) -> None:
    history.deal().meeting(1)  # open: not analysed
    analysis = analyze(app)
    assert (analysis["closed"], analysis["won"], analysis["lost"]) == (0, 0, 0)
    assert analysis["win_rate"] is None
    assert [r["type"] for r in analysis["by_small_win"]] == [
        "MeetingGained",
        "CustomerDataGathered",
        "StakeholderBoughtIn",
        "DemoScheduled",
        "VerbalCommitment",
    ]
    assert all(
        r["lift"] is None and r["median_days_to_close"] is None for r in analysis["by_small_win"]
    )
    assert analysis["paths"] == []
    assert [b["departments"] for b in analysis["by_bought_in_departments"]] == ["0", "1", "2", "3+"]
    assert analysis["commitment_objectives"]["with"] == {
        "closed": 0,
        "won": 0,
        "win_rate": None,
        "median_days_to_close": None,
    }
    assert analysis["pauses"] == {
        "paused": 0,
        "won": 0,
        "lost": 0,
        "median_days_resume_to_next_win": None,
    }


def test_only_closed_deals_count_and_win_rate_is_won_over_closed(
    app: Opportunities, history: History
) -> None:
    for _ in range(3):
        history.deal().won(5)
    history.deal().lost(5)
    history.deal().meeting(2)
    analysis = analyze(app)
    assert (analysis["closed"], analysis["won"], analysis["lost"]) == (4, 3, 1)
    assert analysis["win_rate"] == 0.75


def test_small_win_rows_compare_deals_with_it_before_the_close_to_deals_without(
    app: Opportunities, history: History
) -> None:
    history.deal().meeting(1).demo(5).meeting(7).won(10)
    history.deal().meeting(2).lost(8)
    history.deal().demo(3).won(20)
    history.deal().lost(4)
    history.deal().meeting(1).demo(2).lost(6)
    analysis = analyze(app)

    meeting = row(analysis, "MeetingGained")
    assert meeting["with"] == {"closed": 3, "won": 1, "win_rate": 0.3333}
    assert meeting["without"] == {"closed": 2, "won": 1, "win_rate": 0.5}
    assert meeting["lift"] == 0.6667  # (1/3) / (1/2)
    assert meeting["median_days_to_close"] == 9.0  # the first meeting (day 1), not the second

    demo = row(analysis, "DemoScheduled")
    assert demo["with"] == {"closed": 3, "won": 2, "win_rate": 0.6667}
    assert demo["without"] == {"closed": 2, "won": 0, "win_rate": 0.0}
    assert demo["lift"] is None  # the without win rate is 0
    assert demo["median_days_to_close"] == 11.0  # median of 5 and 17 days

    data = row(analysis, "CustomerDataGathered")
    assert data["with"] == {"closed": 0, "won": 0, "win_rate": None}
    assert data["without"] == {"closed": 5, "won": 2, "win_rate": 0.4}
    assert data["lift"] is None


def test_a_small_win_that_occurred_after_a_backdated_close_was_not_before_it(
    app: Opportunities, history: History
) -> None:
    history.deal().meeting(1).demo(9).won(5)  # the close is recorded last, dated day 5
    analysis = analyze(app)
    assert row(analysis, "MeetingGained")["with"]["closed"] == 1
    assert row(analysis, "DemoScheduled")["with"]["closed"] == 0
    assert analysis["paths"][0]["path"] == ["MeetingGained"]


def test_a_small_win_at_the_very_instant_of_the_close_counts_as_before_it(
    app: Opportunities, history: History
) -> None:
    history.deal().verbal(5).won(5)
    analysis = analyze(app)
    verbal = row(analysis, "VerbalCommitment")
    assert verbal["with"] == {"closed": 1, "won": 1, "win_rate": 1.0}
    assert verbal["median_days_to_close"] == 0.0


def test_median_days_to_close_is_the_middle_won_deal_or_the_mean_of_the_two_middle_ones(
    app: Opportunities, history: History
) -> None:
    for days in (4, 1, 10):
        history.deal().data(0).won(days)
    history.deal().data(0).lost(100)  # lost deals are not in the median
    assert row(analyze(app), "CustomerDataGathered")["median_days_to_close"] == 4.0
    history.deal().data(0).won(7.5)
    assert row(analyze(app), "CustomerDataGathered")["median_days_to_close"] == 5.75
