"""The team's small-win goals: most reps set weekly goals some months into the history and
revise them now and then. Targets are near what the rep usually achieves in a week, so
some weeks meet them and some do not. Told through the Seller aggregate's own commands
(a few events a rep)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC
from typing import Any

from demo.cast import Seller as Rep
from demo.cast import team_for
from demo.story import DAY, HOUR, moment
from domain.opportunity import Stamp
from domain.seller import Seller

WEEK = 7 * DAY
SETTING_GOALS = 0.8  # of the reps
# What a deal brings on average, per metric (measured on the demo's own stories).
PER_DEAL = {
    "MeetingGained": 1.35,
    "StakeholderBoughtIn": 1.7,
    "DemoScheduled": 0.35,
    "commitments_gained": 1.6,
    "interactions_planned_with_objective": 2.0,
    "interactions_completed": 2.7,
}
METRICS = tuple(PER_DEAL)


def goal_events(
    seed: int, count: int, end: float, window_days: int
) -> Iterator[tuple[float, int, Any]]:
    """(recorded at, the rep's place after the deals, event) for every rep's goals, in
    recording order."""
    rng = random.Random(f"smallwins-demo:{seed}:goals")  # noqa: S311 (reproducible, not secret)
    reps = team_for(seed, count)
    weeks = window_days / 7
    start = end - window_days * DAY
    told: list[tuple[float, int, Any]] = []
    for place, rep in enumerate(reps):
        if rng.random() >= SETTING_GOALS:
            continue
        deals_a_week = count / len(reps) / weeks
        at = start + rng.uniform(8, 40) * WEEK
        seller: Seller | None = None
        while True:
            at = _monday_morning(at, rep)
            if at > end:
                break
            weekly = _targets(rng, deals_a_week)
            seller = _set(seller, rep, at, weekly)
            told.extend(
                (e.timestamp.timestamp(), count + place, e) for e in seller.collect_events()
            )
            at += rng.uniform(8, 26) * WEEK
    told.sort(key=lambda item: item[:2])
    yield from told


def _targets(rng: random.Random, deals_a_week: float) -> dict[str, int]:
    chosen = rng.sample(METRICS, rng.randint(1, 3))
    return {m: max(1, round(PER_DEAL[m] * deals_a_week * rng.uniform(0.6, 1.3))) for m in chosen}


def _monday_morning(at: float, rep: Rep) -> float:
    """The next Monday at 8:30 in the rep's time zone."""
    local = at + rep.offset
    days = (7 - moment(local, UTC).weekday()) % 7 or 7
    midnight = local - local % DAY + days * DAY
    return midnight + 8.5 * HOUR - rep.offset


def _set(seller: Seller | None, rep: Rep, at: float, weekly: dict[str, int]) -> Seller:
    stamp = Stamp(rep.key, moment(at + 300, UTC), moment(at, rep.tz))
    seller = seller or Seller.register(stamp, rep.name)
    seller.set_goals(stamp, {"weekly": weekly})
    return seller
