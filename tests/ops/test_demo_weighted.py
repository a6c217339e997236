"""The demo's weighted draws give what `random.choices` gives for the same stream.
(Seeded generators on purpose: reproducible draws, nothing secret.)"""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from demo.lines import Weighted

WEIGHTS = st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=8)


@given(WEIGHTS, st.integers(min_value=0, max_value=2**32))
def test_a_weighted_pick_is_the_option_random_choices_draws(weights: list[int], seed: int) -> None:
    options = [f"option {i}" for i in range(len(weights))]
    weighted = Weighted(zip(options, weights, strict=True))
    ours, theirs = random.Random(seed), random.Random(seed)  # noqa: S311
    for _ in range(20):
        assert weighted.pick(ours) == theirs.choices(options, weights)[0]


def test_options_are_drawn_in_proportion_to_their_weights() -> None:
    weighted = Weighted((("rare", 1), ("common", 9)))
    rng = random.Random(7)  # noqa: S311
    drawn = [weighted.pick(rng) for _ in range(10_000)]
    assert 800 < drawn.count("rare") < 1200
