"""Momentum: a decaying score of recent small wins, its trend, and whether the deal stalled.

momentum(t) = sum over small wins w with occurred_at <= t of
weight(w) * 0.5 ** (active_days(w.occurred_at, t) / half_life).

`momentum_inputs` keeps just what the score needs, so read models can store it and
`evaluate` it at the moment of reading; the aggregate path uses the same two functions."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.active_time import SECONDS_PER_DAY, Interval, active_days, pause_intervals, pause_spans
from domain.lifecycle import OPEN, Lifecycle
from domain.records import (
    DECISION_ROLES,
    DEMO_SCHEDULED,
    STAKEHOLDER_BOUGHT_IN,
    VERBAL_COMMITMENT,
    EventRecord,
    is_small_win,
)

RISING, FALLING, STEADY = "rising", "falling", "steady"
TREND_STEP = 0.5
_EPSILON = 1e-9
NO_MOMENTUM = -1e9  # sort key of a deal without a single small win


@dataclass(frozen=True, slots=True)
class MomentumPolicy:
    """The three settings of DESIGN section 3."""

    half_life_days: float = 14.0
    trend_window_days: float = 7.0
    stall_threshold_days: float = 21.0


@dataclass(frozen=True, slots=True)
class Momentum:
    score: float
    trend: str
    stalled: bool
    days_since_last_win: float


@dataclass(frozen=True, slots=True)
class Win:
    occurred_at: datetime
    weight: int
    version: int


@dataclass(frozen=True, slots=True)
class MomentumInputs:
    """Everything momentum depends on, besides the instant it is read at."""

    wins: tuple[Win, ...]
    finished_pauses: tuple[Interval, ...]
    paused_since: datetime | None
    opened_at: datetime
    status: str
    closed_at: datetime | None


def weight(record: EventRecord) -> int:
    """1 for a meeting, customer data or a gained commitment; 2 for a demo or a stakeholder
    (3 for a decision maker or economic buyer); 3 for a verbal commitment."""
    if record.type == VERBAL_COMMITMENT:
        return 3
    if record.type == STAKEHOLDER_BOUGHT_IN:
        return 3 if record.data.get("role") in DECISION_ROLES else 2
    if record.type == DEMO_SCHEDULED:
        return 2
    return 1


def momentum_inputs(records: Sequence[EventRecord], lifecycle: Lifecycle) -> MomentumInputs:
    finished, open_since = pause_spans(records)
    wins = tuple(Win(r.occurred_at, weight(r), r.version) for r in records if is_small_win(r))
    opened_at = lifecycle.opened_at or records[0].occurred_at
    return MomentumInputs(
        wins, finished, open_since, opened_at, lifecycle.status, lifecycle.closed_at
    )


def evaluation_instant(status_closed_at: datetime | None, now: datetime) -> datetime:
    """Momentum is read at `now`, or at the close for a closed opportunity."""
    return status_closed_at if status_closed_at is not None else now


def score_at(
    wins: Sequence[Win], at: datetime, paused: Sequence[Interval], half_life: float
) -> float:
    """The unrounded score at `at`, counting only wins that had occurred by then."""
    return math.fsum(
        w.weight * 0.5 ** (active_days(w.occurred_at, at, paused) / half_life)
        for w in wins
        if w.occurred_at <= at
    )


def last_win(wins: Sequence[Win], at: datetime) -> Win | None:
    """The latest small win by occurred_at (then version) that had occurred by `at`."""
    occurred = [w for w in wins if w.occurred_at <= at]
    return max(occurred, key=lambda w: (w.occurred_at, w.version), default=None)


def evaluate(inputs: MomentumInputs, now: datetime, policy: MomentumPolicy) -> Momentum:
    at = evaluation_instant(inputs.closed_at, now)
    paused = pause_intervals(inputs.finished_pauses, inputs.paused_since, at)
    score = score_at(inputs.wins, at, paused, policy.half_life_days)
    before = at - timedelta(days=policy.trend_window_days)
    change = score - score_at(inputs.wins, before, paused, policy.half_life_days)
    trend = STEADY
    if change >= TREND_STEP - _EPSILON:
        trend = RISING
    elif change <= -TREND_STEP + _EPSILON:
        trend = FALLING
    latest = last_win(inputs.wins, at)
    since = latest.occurred_at if latest else inputs.opened_at
    days = active_days(since, at, paused)
    stalled = inputs.status == OPEN and days > policy.stall_threshold_days
    return Momentum(round(score, 3), trend, stalled, round(days, 1))


def fixed_momentum(inputs: MomentumInputs, policy: MomentumPolicy) -> Momentum | None:
    """A closed opportunity's momentum, which is read at its close (`evaluation_instant`)
    and so is the same at every later moment; None while it is not closed."""
    if inputs.closed_at is None:
        return None
    return evaluate(inputs, inputs.closed_at, policy)


def momentum(
    records: Sequence[EventRecord], lifecycle: Lifecycle, now: datetime, policy: MomentumPolicy
) -> Momentum:
    return evaluate(momentum_inputs(records, lifecycle), now, policy)


def sort_key(inputs: MomentumInputs, policy: MomentumPolicy) -> tuple[float, int]:
    """(a, b) such that log2(score at t) == a + b * days(t) / half_life for any t after the
    last recorded change, where days(t) is days since the Unix epoch. Open deals decay
    (b = 0 after folding the decay into a); paused and closed deals hold their score (b = 1)."""
    frozen_at = inputs.closed_at or inputs.paused_since
    anchor = frozen_at or _latest_change(inputs)
    paused = pause_intervals(inputs.finished_pauses, inputs.paused_since, anchor)
    score = score_at(inputs.wins, anchor, paused, policy.half_life_days)
    if score <= 0:
        return NO_MOMENTUM, 0
    if frozen_at is not None:
        return math.log2(score), 1
    return math.log2(score) + _epoch_days(anchor) / policy.half_life_days, 0


def stall_at(inputs: MomentumInputs, policy: MomentumPolicy) -> datetime | None:
    """When an open deal becomes stalled if nothing else happens (None if not open)."""
    if inputs.status != OPEN:
        return None
    anchor = _latest_change(inputs)
    paused = pause_intervals(inputs.finished_pauses, None, anchor)
    latest = last_win(inputs.wins, anchor)
    since = latest.occurred_at if latest else inputs.opened_at
    remaining = policy.stall_threshold_days - active_days(since, anchor, paused)
    return anchor + timedelta(days=remaining)


def _latest_change(inputs: MomentumInputs) -> datetime:
    moments = [inputs.opened_at, *(w.occurred_at for w in inputs.wins)]
    moments += [end for _start, end in inputs.finished_pauses]
    return max(moments)


def _epoch_days(moment: datetime) -> float:
    return moment.timestamp() / SECONDS_PER_DAY
