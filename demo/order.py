"""When each deal opens, and the order in which the steps of every story are recorded.
Deals are told in circles of CIRCLE: a deal knows the deals of its circle that were won
before it opened (its repeat business and referrals come from them), and every part of a
parallel telling tells whole circles, so the history is the same whatever the parts."""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterator

from demo.cast import cast_for
from demo.plot import story
from demo.story import DAY, Customer, Step

WINDOW_DAYS = 730
# Deals 0-15, 16-31, …: a circle of deals told together, so a deal can be repeat business
# of, or referred by, an earlier deal of its circle that was won.
CIRCLE = 16


def openings(seed: int, count: int, end: float) -> list[tuple[float, int]]:
    """When each deal opens: over the two years before `end`, more of them lately."""
    rng = random.Random(f"smallwins-demo:{seed}:openings")  # noqa: S311 (reproducible, not secret)
    span = (WINDOW_DAYS - 4) * DAY
    start = (end - WINDOW_DAYS * DAY) // 60 * 60
    # On the minute, like every business time in the stories.
    return [(start + (span * rng.random() ** 0.8) // 60 * 60, i) for i in range(count)]


def in_part(deal: int, part: int, parts: int) -> bool:
    """Whether `deal` is told by `part` of `parts`: whole circles at a time."""
    return (deal // CIRCLE) % parts == part


def in_order(
    seed: int, count: int, end: float, *, part: int = 0, parts: int = 1
) -> Iterator[tuple[float, int, int, list[Step]]]:
    """(recorded at, deal, step number, the deal's steps) for the deals of `part` (of
    `parts`) in recording order. Memory holds only the deals whose story is still going
    on, and the customers each circle won: a deal is told when the next step to record is
    its opening, knowing which deals of its circle were won before (its repeat business
    and referrals come from them; every part tells whole circles, so the history is the
    same whatever the number of parts)."""
    cast = cast_for(seed, count)
    customers: dict[int, list[Customer]] = {}
    told = sorted((at, i) for at, i in openings(seed, count, end) if in_part(i, part, parts))
    told.append((math.inf, -1))  # the end: every step comes before it
    heap: list[tuple[float, int, int]] = []  # (recorded at, deal, step number), being told
    plans: dict[int, list[Step]] = {}
    for opened, deal in told:
        mark = (opened, deal, -1)  # this deal's opening, in the heap's order
        while heap and heap[0] < mark:
            at, each, number = heap[0]
            steps = plans[each]
            if number + 1 < len(steps):
                heapq.heapreplace(heap, (steps[number + 1].at, each, number + 1))
            else:
                heapq.heappop(heap)
                del plans[each]
            yield at, each, number, steps
        if deal >= 0:
            circle = customers.setdefault(deal // CIRCLE, [])
            steps, customer = story(seed, deal, cast, opened, end, circle)
            if customer is not None:
                circle.append(customer)
            if steps:  # else it was recorded after `end`: not in the history yet
                plans[deal] = steps
                heapq.heappush(heap, (steps[0].at, deal, 0))
