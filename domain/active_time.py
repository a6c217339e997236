"""Active time: calendar time minus the intervals during which the opportunity was paused
(from Paused.occurred_at to Resumed.occurred_at; an open pause runs until the evaluation
instant)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from domain.records import CLOSED_LOST, CLOSED_WON, PAUSED, RESUMED, EventRecord

Interval = tuple[datetime, datetime]
SECONDS_PER_DAY = 86_400.0


def pause_spans(records: Iterable[EventRecord]) -> tuple[tuple[Interval, ...], datetime | None]:
    """The finished pauses in recording order (a close also ends a pause), and the start
    of the pause still open, if any. A Resumed backdated before its Paused ends an empty
    pause."""
    finished: list[Interval] = []
    started: datetime | None = None
    for record in records:
        if record.type == PAUSED and started is None:
            started = record.occurred_at
        elif record.type in (RESUMED, CLOSED_WON, CLOSED_LOST) and started is not None:
            if record.occurred_at > started:
                finished.append((started, record.occurred_at))
            started = None
    return tuple(finished), started


def pause_intervals(
    finished: Sequence[Interval], open_since: datetime | None, until: datetime
) -> list[Interval]:
    """All paused time up to `until`, merged where pauses overlap."""
    raw = list(finished)
    if open_since is not None and until > open_since:
        raw.append((open_since, until))
    merged: list[Interval] = []
    for start, end in sorted(raw):
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
