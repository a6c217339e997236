"""Deals taken a few at a time: runs of at most so many, each closed as soon as the deals'
events add up to a bound, so a run of long deals is about as much work as a run of short
ones (a reader holds one run's histories at a time)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

K = TypeVar("K")


def runs(deals: Iterable[tuple[K, int]], most: int, events: int) -> Iterator[list[K]]:
    """The keys of `deals` ((key, events) pairs, in order) in runs of at most `most`,
    each closed once its events reach `events` (one deal at least)."""
    run: list[K] = []
    held = 0
    for key, count in deals:
        run.append(key)
        held += count
        if len(run) >= most or held >= events:
            yield run
            run, held = [], 0
    if run:
        yield run
