"""Paths: ladder event types in occurred_at order (then version), repeats collapsed, the ten
most common by count, then win rate, then the path itself."""

from __future__ import annotations

from domain.application import Opportunities
from projections.analysis import analyze
from tests.analysis.builders import History

M, D, S, DEMO, V = (
    "MeetingGained",
    "CustomerDataGathered",
    "StakeholderBoughtIn",
    "DemoScheduled",
    "VerbalCommitment",
)


def test_consecutive_repeats_collapse_but_a_later_return_stays(
    app: Opportunities, history: History
) -> None:
    history.deal().meeting(1).meeting(2).data(3).data(3).meeting(4).won(9)
    assert analyze(app)["paths"] == [{"path": [M, D, M], "closed": 1, "won": 1, "win_rate": 1.0}]


def test_a_path_follows_when_wins_occurred_not_when_they_were_recorded(
    app: Opportunities, history: History
) -> None:
    history.deal().demo(5).meeting(1).data(3).won(9)  # the meeting and data are backdated
    assert analyze(app)["paths"][0]["path"] == [M, D, DEMO]


def test_wins_that_occurred_at_the_same_instant_keep_their_recording_order(
    app: Opportunities, history: History
) -> None:
    history.deal().data(2).meeting(2).won(9)
    assert analyze(app)["paths"][0]["path"] == [D, M]


def test_a_gained_commitment_is_a_small_win_but_not_a_step_of_the_path(
    app: Opportunities, history: History
) -> None:
    history.deal().meeting(1).plan(2, objective=True).complete(3, gained=True).meeting(4).won(5)
    assert analyze(app)["paths"][0]["path"] == [M]


def test_only_the_ten_most_common_paths_by_count_then_win_rate_then_path(
    app: Opportunities, history: History
) -> None:
    history.deal().meeting(1).demo(2).won(3)  # [M, Demo] twice, half won
    history.deal().meeting(1).demo(2).lost(3)
    history.deal().data(1).won(3)  # [D] twice, both won
    history.deal().data(1).won(3)
    history.deal().lost(3)  # [] : no small win at all
    singles = [[M], [S], [DEMO], [V], [M, D], [D, M], [S, V], [DEMO, V], [M, V]]
    for path in singles:
        deal = history.deal()
        for day, kind in enumerate(path, start=1):
            {M: deal.meeting, D: deal.data, S: deal.buy_in, DEMO: deal.demo, V: deal.verbal}[kind](
                day
            )
        deal.won(5) if path in ([V], [S, V]) else deal.lost(5)

    paths = analyze(app)["paths"]

    assert len(paths) == 10
    assert [p["path"] for p in paths] == [
        [D],  # 2 deals, 100%
        [M, DEMO],  # 2 deals, 50%
        [S, V],  # 1 deal, won: ordered by path ("StakeholderBoughtIn" < "VerbalCommitment")
        [V],
        [],  # 1 deal, lost: the empty path sorts first
        [D, M],
        [DEMO],
        [DEMO, V],
        [M],
        [M, D],
    ]
    assert paths[1] == {"path": [M, DEMO], "closed": 2, "won": 1, "win_rate": 0.5}
    assert paths[4] == {"path": [], "closed": 1, "won": 0, "win_rate": 0.0}
