"""Momentum: a decaying score of recent small wins, its trend, and whether the deal stalled.

momentum(t) = sum over small wins w with occurred_at <= t of
weight(w) * 0.5 ** (active_days(w.occurred_at, t) / half_life)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.active_time import Interval, active_days, pause_intervals
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


def small_wins(records: Sequence[EventRecord]) -> list[EventRecord]:
    return [r for r in records if is_small_win(r)]


def score_at(
    wins: Sequence[EventRecord], at: datetime, paused: Sequence[Interval], half_life_days: float
) -> float:
    """The unrounded score at `at`, counting only wins that had occurred by then."""
    return sum(
        weight(w) * 0.5 ** (active_days(w.occurred_at, at, paused) / half_life_days)
        for w in wins
        if w.occurred_at <= at
    )


def evaluation_instant(lifecycle: Lifecycle, now: datetime) -> datetime:
    """Momentum is read at `now`, or at the close for a closed opportunity."""
    return lifecycle.closed_at if lifecycle.is_closed and lifecycle.closed_at else now


def last_small_win(records: Sequence[EventRecord], at: datetime) -> EventRecord | None:
    """The latest small win by occurred_at (then version) that had occurred by `at`."""
    occurred = [w for w in small_wins(records) if w.occurred_at <= at]
    return max(occurred, key=lambda w: (w.occurred_at, w.version), default=None)


def momentum(
    records: Sequence[EventRecord], lifecycle: Lifecycle, now: datetime, policy: MomentumPolicy
) -> Momentum:
    at = evaluation_instant(lifecycle, now)
    paused = pause_intervals(records, at)
    wins = small_wins(records)
    score = score_at(wins, at, paused, policy.half_life_days)
    before = at - timedelta(days=policy.trend_window_days)
    change = score - score_at(wins, before, paused, policy.half_life_days)
    trend = STEADY
    if change >= TREND_STEP - _EPSILON:
        trend = RISING
    elif change <= -TREND_STEP + _EPSILON:
        trend = FALLING
    last = last_small_win(records, at)
    since = last.occurred_at if last else lifecycle.opened_at or at
    days = active_days(since, at, paused)
    stalled = lifecycle.status == OPEN and days > policy.stall_threshold_days
    return Momentum(round(score, 3), trend, stalled, round(days, 1))
