"""All the stories at once, in the order their steps were recorded: each deal is played
through the domain's own commands (so every rule holds) on its own aggregate, and the
events of all deals are merged by when they were recorded."""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from typing import Any, NamedTuple

from domain.application import COMMANDS
from domain.opportunity import Opportunity, Stamp
from domain.records import OPENED
from projections.demo.cast import cast_for
from projections.demo.plot import story
from projections.demo.story import DAY, Step

WINDOW_DAYS = 730


class Told(NamedTuple):
    """One recorded event: its merge key (`at`, `deal`, `number`), the domain event, and the
    deal's final status when this was the last event of its story (else None)."""

    at: float
    deal: int
    number: int
    event: Any
    status: str | None


def openings(seed: int, count: int, end: float) -> list[tuple[float, int]]:
    """When each deal opens: over the two years before `end`, more of them lately."""
    rng = random.Random(f"smallwins-demo:{seed}:openings")  # noqa: S311 (reproducible, not secret)
    span = (WINDOW_DAYS - 4) * DAY
    start = (end - WINDOW_DAYS * DAY) // 60 * 60
    # On the minute, like every business time in the stories.
    return [(start + (span * rng.random() ** 0.8) // 60 * 60, i) for i in range(count)]


def told(seed: int, count: int, end: float, *, part: int = 0, parts: int = 1) -> Iterator[Told]:
    """The events of deals `part`, `part + parts`, … in recording order (all deals with
    the defaults). Memory holds only the deals whose story is still going on."""
    cast = cast_for(seed, count)
    # Heap entries: (recorded at, deal, step number); step -1 means "not told yet".
    heap = [(at, i, -1) for at, i in openings(seed, count, end) if i % parts == part]
    heapq.heapify(heap)
    plans: dict[int, list[Step]] = {}
    deals: dict[int, Opportunity] = {}
    while heap:
        at, deal, number = heapq.heappop(heap)
        if number < 0:
            steps = story(seed, deal, cast, at, end)
            if steps:  # else it was recorded after `end`: not in the history yet
                plans[deal] = steps
                heapq.heappush(heap, (steps[0].at, deal, 0))
            continue
        steps = plans[deal]
        opportunity = _play(deals.get(deal), steps[number])
        (event,) = opportunity.collect_events()
        status = None
        if number + 1 < len(steps):
            deals[deal] = opportunity
            heapq.heappush(heap, (steps[number + 1].at, deal, number + 1))
        else:
            deals.pop(deal, None)
            del plans[deal]
            status = opportunity.lifecycle.status
        yield Told(at, deal, number, event, status)


def _play(opportunity: Opportunity | None, step: Step) -> Opportunity:
    stamp = Stamp(step.recorded_by, step.recorded_at, step.occurred_at, step.note)
    if opportunity is None:
        if step.kind != OPENED:
            msg = f"a story must start with {OPENED}, not {step.kind}"
            raise ValueError(msg)
        return Opportunity.open(stamp, **step.fields)
    COMMANDS[step.kind](opportunity, stamp, **step.fields)
    return opportunity
