"""Active time: calendar time minus the intervals during which the opportunity was paused
(from Paused.occurred_at to Resumed.occurred_at; an open pause runs until the evaluation
instant)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from domain.records import CLOSED_LOST, CLOSED_WON, PAUSED, RESUMED, EventRecord

Interval = tuple[datetime, datetime]
SECONDS_PER_DAY = 86_400.0


def pause_intervals(records: Iterable[EventRecord], until: datetime) -> list[Interval]:
    """The paused intervals in recording order, merged where they overlap.

    A Resumed backdated before its Paused makes an empty interval; a pause still open
    at `until` runs until then (a close ends it)."""
    raw: list[Interval] = []
    started: datetime | None = None
    for record in records:
        if record.type == PAUSED and started is None:
            started = record.occurred_at
        elif record.type in (RESUMED, CLOSED_WON, CLOSED_LOST) and started is not None:
            raw.append((started, record.occurred_at))
            started = None
    if started is not None:
        raw.append((started, max(started, until)))
    return _merge([(a, b) for a, b in raw if b > a])


def _merge(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def active_days(start: datetime, end: datetime, paused: Sequence[Interval]) -> float:
    """Days from `start` to `end` that were not paused (0 when `end` is not after `start`)."""
    if end <= start:
        return 0.0
    seconds = (end - start).total_seconds()
    for pause_start, pause_end in paused:
        overlap_start, overlap_end = max(start, pause_start), min(end, pause_end)
        if overlap_end > overlap_start:
            seconds -= (overlap_end - overlap_start).total_seconds()
    return seconds / SECONDS_PER_DAY
