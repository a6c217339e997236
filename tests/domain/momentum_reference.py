"""A naive momentum, written from DESIGN's definitions (sections 3 and 11) over a whole list
of records, with no code of the domain's: the reference the incremental domain must equal.

momentum(t) = sum over small wins w with occurred_at <= t of
weight(w) x 0.5 ^ (active_days(w.occurred_at, t) / half_life), active days being calendar
time minus the paused intervals (Paused.occurred_at to Resumed.occurred_at; a close also
ends a pause; an open pause runs until t). For a closed deal t is its (last) close and the
trend is steady. Otherwise the trend compares with momentum at t - window counting only the
wins that had occurred by then: rising if it grew by >= 0.5, falling if it dropped by >= 0.5
(1e-9 tolerance). Stalled: open and more than the threshold of active days since the last
small win (or the opening). Retracted events (and the retractions) count as never recorded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.momentum import Momentum, MomentumPolicy
from domain.records import EventRecord

Interval = tuple[datetime, datetime]
LADDER = ("MeetingGained", "CustomerDataGathered", "StakeholderBoughtIn", "DemoScheduled")
PAUSE_ENDS = ("Resumed", "ClosedWon", "ClosedLost")


@dataclass(frozen=True)
class Reading:
    """Momentum as defined, unrounded."""

    score: float
    trend: str
    stalled: bool
    days: float


def standing(records: Sequence[EventRecord]) -> list[EventRecord]:
    """The records neither retractions nor retracted."""
    taken_back = {r.data["version"] for r in records if r.type == "EventRetracted"}
    return [r for r in records if r.type != "EventRetracted" and r.version not in taken_back]


def win_weight(record: EventRecord) -> int:
    """0 for an event that is not a small win."""
    if record.type == "VerbalCommitment":
        return 3
    if record.type == "StakeholderBoughtIn":
        return 3 if record.data["role"] in ("decision_maker", "economic_buyer") else 2
    if record.type == "DemoScheduled":
        return 2
    if record.type in LADDER:
        return 1
    if record.type == "InteractionCompleted" and record.data["commitment_gained"] is True:
        return 1
    return 0


def status_and_close(records: Sequence[EventRecord]) -> tuple[str, datetime | None]:
    status: str = "open"
    closed_at: datetime | None = None
    for record in records:
        if record.type == "Paused":
            status = "paused"
        elif record.type == "Resumed":
            status = "open"
        elif record.type in ("ClosedWon", "ClosedLost"):
            status = "won" if record.type == "ClosedWon" else "lost"
            closed_at = record.occurred_at
        elif record.type == "Reopened":
            status, closed_at = "open", None
    return status, closed_at


def paused_intervals(records: Sequence[EventRecord], until: datetime) -> list[Interval]:
    """Every pause: from a Paused to the Resumed or close that ends it (nothing when that is
    dated at or before the pause), the one still open running until `until`."""
    intervals: list[Interval] = []
    started: datetime | None = None
    for record in records:
        if record.type == "Paused" and started is None:
            started = record.occurred_at
        elif record.type in PAUSE_ENDS and started is not None:
            if record.occurred_at > started:
                intervals.append((started, record.occurred_at))
            started = None
    if started is not None and until > started:
        intervals.append((started, until))
    return intervals


def active_days(start: datetime, end: datetime, paused: Sequence[Interval]) -> float:
    """Days from `start` to `end` outside the union of the paused intervals."""
    if end <= start:
        return 0.0
    clipped = sorted((max(start, a), min(end, b)) for a, b in paused if min(end, b) > max(start, a))
    covered = timedelta(0)
    current: Interval | None = None
    for a, b in clipped:
        if current is not None and a <= current[1]:
            current = (current[0], max(current[1], b))
            continue
        if current is not None:
            covered += current[1] - current[0]
        current = (a, b)
    if current is not None:
        covered += current[1] - current[0]
    return (end - start - covered).total_seconds() / 86_400


def score_at(records: Sequence[EventRecord], at: datetime, half_life_days: float) -> float:
    """Momentum at `at`, unrounded (the records are the standing ones)."""
    paused = paused_intervals(records, at)
    return math.fsum(
        win_weight(r) * math.pow(0.5, active_days(r.occurred_at, at, paused) / half_life_days)
        for r in records
        if win_weight(r) and r.occurred_at <= at
    )


def reading(records: Sequence[EventRecord], now: datetime, policy: MomentumPolicy) -> Reading:
    """Momentum at `now` (at its last close for a closed deal), by the definition."""
    kept = standing(records)
    status, closed_at = status_and_close(kept)
    t = closed_at if closed_at is not None else now
    score = score_at(kept, t, policy.half_life_days)
    trend = "steady"
    if closed_at is None:
        before = t - timedelta(days=policy.trend_window_days)
        change = score - score_at(kept, before, policy.half_life_days)
        if change >= 0.5 - 1e-9:
            trend = "rising"
        elif change <= -0.5 + 1e-9:
            trend = "falling"
    wins = [r.occurred_at for r in kept if win_weight(r) and r.occurred_at <= t]
    since = max(wins, default=kept[0].occurred_at)
    days = active_days(since, t, paused_intervals(kept, t))
    return Reading(score, trend, status == "open" and days > policy.stall_threshold_days, days)


def assert_matches(reported: Momentum | None, expected: Reading) -> None:
    """The reported momentum is the definition's, to 3 decimals (days to 1): within half a
    unit of the last reported decimal of the unrounded value, as rounding leaves it."""
    assert reported is not None
    assert abs(reported.score - expected.score) <= 0.0005 + 1e-9, (reported, expected)
    assert abs(reported.days_since_last_win - expected.days) <= 0.05 + 1e-9, (reported, expected)
    assert (reported.trend, reported.stalled) == (expected.trend, expected.stalled), (
        reported,
        expected,
    )
