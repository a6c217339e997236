"""A deal's momentum tally keeps each small win's term (its weight and active time, in log
form) between summaries, so the summary after one more win computes one term rather than
one per win of the trend window; and the summaries are the very floats the same tally
gives when it makes every term again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.momentum import MomentumPolicy, MomentumTally

OPENED = datetime(2026, 3, 2, 9, tzinfo=UTC).timestamp()
HOUR = 3600.0
POLICIES = (MomentumPolicy(), MomentumPolicy(half_life_days=5.0))


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


SECONDS = 400 * HOUR
steps = st.lists(
    st.one_of(  # moments in seconds after the opening, so the sums are not all exact
        st.tuples(st.just("win"), st.floats(1, SECONDS), st.integers(1, 3)),
        st.tuples(st.just("pause"), st.floats(1, SECONDS), st.just(0)),
        st.tuples(st.just("resume"), st.floats(1, SECONDS), st.just(0)),
        st.tuples(st.just("read"), st.floats(1, SECONDS + 100 * HOUR), st.integers(0, 1)),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(steps)
def test_summaries_with_the_terms_kept_are_those_with_every_term_made_again(
    script: list[tuple[str, float, int]],
) -> None:
    kept, remade = MomentumTally(OPENED), MomentumTally(OPENED)
    version = 1
    for kind, after, extra in script:
        at = OPENED + after
        for tally in (kept, remade):
            if kind == "win":  # wins may be backdated before others and before pauses
                tally.add_win(at, version + 1, extra)
            elif kind == "pause":
                tally.pause(at)
            elif kind == "resume":
                tally.end_pause(max(at, tally.pauses.open_since or at))
        version += kind == "win"
        if kind == "read":
            latest = datetime.fromtimestamp(at, UTC)
            policy = POLICIES[extra]
            remade._terms = None  # what the tally did before it kept them
            expected = remade.summary(latest, policy, is_open=True)
            assert kept.summary(latest, policy, is_open=True) == expected
