"""A deal's momentum tally keeps each small win's term (its weight and active time, in log
form) between summaries, so the summary after one more win computes one term rather than
one per win of the trend window, and gives the very floats a fresh tally gives."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.momentum import MomentumPolicy, MomentumTally

OPENED = datetime(2026, 3, 2, 9, tzinfo=UTC).timestamp()
HOUR = 3600.0
POLICIES = (MomentumPolicy(), MomentumPolicy(half_life_days=5.0))


def fresh(tally: MomentumTally) -> MomentumTally:
    """A tally with the same wins and pauses, made in one go (no summary before)."""
    other = MomentumTally(tally.opened)
    other.wins = list(tally.wins)
    other.pauses = tally.pauses.copy()
    return other


def test_a_summary_after_one_more_win_computes_one_new_term(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tally = MomentumTally(OPENED)
    for n in range(60):  # a win every two hours: all of them inside a week's window
        tally.add_win(OPENED + 2 * HOUR * (n + 1), n + 2, 1)
    latest = datetime.fromtimestamp(OPENED + 121 * HOUR, UTC)
    tally.summary(latest, MomentumPolicy(), is_open=True)
    terms = 0
    real = MomentumTally._term

    def counted(self: MomentumTally, win: tuple[float, int, int]) -> float:
        nonlocal terms
        terms += 1
        return real(self, win)

    monkeypatch.setattr(MomentumTally, "_term", counted)
    tally.add_win(OPENED + 122 * HOUR, 62, 2)
    later = tally.summary(latest, MomentumPolicy(), is_open=True)
    assert terms == 1
    assert len(later.tail_sums) == 61


steps = st.lists(
    st.one_of(
        st.tuples(st.just("win"), st.integers(1, 400), st.integers(1, 3)),  # hours after opening
        st.tuples(st.just("pause"), st.integers(1, 400), st.just(0)),
        st.tuples(st.just("resume"), st.integers(1, 400), st.just(0)),
        st.tuples(st.just("read"), st.integers(1, 500), st.integers(0, 1)),  # which policy
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(steps)
def test_summaries_kept_between_wins_are_those_of_a_fresh_tally(
    script: list[tuple[str, int, int]],
) -> None:
    tally = MomentumTally(OPENED)
    version = 1
    for kind, hours, extra in script:
        at = OPENED + hours * HOUR
        if kind == "win":  # wins may be backdated before others and before pauses
            version += 1
            tally.add_win(at, version, extra)
        elif kind == "pause":
            tally.pause(at)
        elif kind == "resume":
            tally.end_pause(max(at, tally.pauses.open_since or at))
        else:
            latest = datetime.fromtimestamp(at, UTC)
            policy = POLICIES[extra]
            kept = tally.summary(latest, policy, is_open=True)
            assert kept == fresh(tally).summary(latest, policy, is_open=True)
