"""The long-deal dataset of `python -m bench.long_deals`: deals of exactly the lengths asked
for, each a valid history the domain decided, with the mix of a long enterprise deal."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.long_deals import build, deals_for, main, rebuild_figures
from bench.targets import long_deal_verdicts
from domain.application import Opportunities
from domain.records import is_small_win
from domain.state import fold

SIZES = (3, 40, 520)  # 520: saved in two transactions, with snapshots at 200 and 400
REQUESTS = 40


def test_the_builder_makes_open_deals_of_exactly_the_requested_lengths(
    opportunities: Opportunities,
) -> None:
    built = build(opportunities, SIZES, REQUESTS)

    assert {size: len(ids) for size, ids in built.items()} == {
        size: deals_for(size, REQUESTS) for size in SIZES
    }
    for size, ids in built.items():
        for deal in ids:
            history = opportunities.history(deal)
            assert len(history) == size
            assert [r.version for r in history] == list(range(1, size + 1))
            state = fold(history)
            assert state.lifecycle.status == "open"
            assert len(state.plans.open) <= 1
            loaded = opportunities.load(deal)  # from the latest snapshot past 200 events
            assert loaded.version == size
            assert loaded.deal.slips == state.slips
            assert loaded.deal.momentum.wins == state.momentum.wins


def test_a_long_deal_mixes_planned_moved_and_completed_interactions_and_small_wins(
    opportunities: Opportunities,
) -> None:
    deal = build(opportunities, (520,), REQUESTS)[520][0]
    history = opportunities.history(deal)
    kinds = Counter(r.type for r in history)

    assert kinds["InteractionPlanned"] > 100
    assert kinds["InteractionRescheduled"] > 20
    assert kinds["InteractionCompleted"] > 50
    assert sum(is_small_win(r) for r in history) > 50
    assert kinds["DetailsChanged"] > 0


def test_a_request_slower_on_long_deals_than_the_goal_is_judged_not_met() -> None:
    def timing(ms: float) -> dict[str, float]:
        return {"median_ms": ms, "p95_ms": ms, "rate": 1000 / ms, "non_2xx": 0}

    run = {"backends": {"sqlite": {
        "dataset": {"10": 200, "5000": 4},
        "http": {"get/10": timing(1.0), "get/5000": timing(1.1),
                 "post/10": timing(2.0), "post/5000": timing(3.0)},
        "rebuild": {"size": 5000, "deals": 8, "events": 40_000,
                    "rebuild_rate": 40_000.0, "raw_rate": 100_000.0},
    }}}  # fmt: skip

    met = {" ".join(target.split()[:2]): ok for target, _backend, _shown, _goal, ok in
           long_deal_verdicts(run)}  # fmt: skip

    assert met == {
        "POST one": False,
        "GET one": True,
        "rebuild of": False,
    }


def test_the_rebuild_target_takes_the_medians_of_rebuilds_and_raw_reads_in_turns() -> None:
    def answer(events: int, seconds: float) -> dict[str, float]:
        return {"events": events, "seconds": seconds}

    pairs = [  # (rebuild, raw): the second pair met a slow host for both
        (answer(40_000, 1.0), answer(40_000, 0.5)),
        (answer(40_000, 4.0), answer(40_000, 2.0)),
        (answer(40_000, 0.8), answer(40_000, 0.4)),
    ]

    found = rebuild_figures(pairs)

    assert found["events"] == 40_000
    assert found["rebuild_rate"] == 40_000.0  # the median of 40,000, 10,000 and 50,000
    assert found["raw_rate"] == 80_000.0
    assert found["shares"] == [0.5, 0.5, 0.5]
    assert found["rebuild_rates"] == [40_000.0, 10_000.0, 50_000.0]


def test_the_rebuild_is_measured_at_least_once() -> None:
    with pytest.raises(SystemExit):
        main(["--rebuild-runs", "0", "--out", "/nonexistent/benchmarks.md"])
