"""Active time: calendar time minus the intervals during which the opportunity was paused
(from Paused.occurred_at to Resumed.occurred_at; an open pause runs until the evaluation
instant; a close also ends a pause).

`Pauses` keeps a deal's pauses as its events come (one at a time) and answers the active
seconds between any two instants; `pause_spans`, `pause_intervals` and `active_days` are
the same definition over a whole sequence of records."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import datetime

from domain.records import CLOSED_LOST, CLOSED_WON, PAUSED, RESUMED, EventRecord

Interval = tuple[datetime, datetime]
Span = tuple[float, float]  # (start, end) in seconds since the epoch
SECONDS_PER_DAY = 86_400.0
PAUSE_ENDS = frozenset({RESUMED, CLOSED_WON, CLOSED_LOST})


class Pauses:
    """A deal's pauses in seconds since the epoch: the finished ones merged where they
    overlap, and the start of the one still open."""

    __slots__ = ("_ends", "_lengths", "_starts", "open_since")

    def __init__(self) -> None:
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._lengths: list[float] = []  # paused seconds of the merged spans before each
        self.open_since: float | None = None

    def copy(self) -> Pauses:
        other = Pauses()
        other._starts, other._ends = list(self._starts), list(self._ends)
        other._lengths, other.open_since = list(self._lengths), self.open_since
        return other

    @property
    def spans(self) -> list[Span]:
        return list(zip(self._starts, self._ends, strict=True))

    @property
    def latest_end(self) -> float | None:
        """When the latest finished pause ended (None: none did)."""
        return self._ends[-1] if self._ends else None

    def mark(self) -> tuple[object, ...]:
        """The pauses, finished and open, as a value two tallies can compare."""
        return (tuple(self._starts), tuple(self._ends), self.open_since)

    def start(self, at: float) -> None:
        """Paused (only while no pause is open)."""
        if self.open_since is None:
            self.open_since = at

    def end(self, at: float) -> Span | None:
        """Resumed, or a close: the open pause (if any) is finished; returns it when it
        was not empty (an end backdated before its start leaves no pause)."""
        started, self.open_since = self.open_since, None
        if started is None or at <= started:
            return None
        self._add((started, at))
        return started, at

    def _add(self, span: Span) -> None:
        merged = sorted([*self.spans, span])
        starts: list[float] = []
        ends: list[float] = []
        for start, end in merged:
            if starts and start <= ends[-1]:
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
        self._starts, self._ends = starts, ends
        total = 0.0
        self._lengths = []
        for start, end in zip(starts, ends, strict=True):
            self._lengths.append(total)
            total += end - start

    def paused_before(self, x: float, until: float) -> float:
        """Paused seconds before `x`, the open pause running until `until`."""
        paused = 0.0
        index = bisect_right(self._starts, x) - 1
        if index >= 0:
            paused = self._lengths[index] + min(x, self._ends[index]) - self._starts[index]
        since = self.open_since
        if since is not None and x > since and until > since:
            stop = min(x, until)
            # The open pause counts only where no finished pause already covers it.
            paused += (stop - since) - self._covered(since, stop)
        return paused

    def _covered(self, a: float, b: float) -> float:
        covered = 0.0
        for start, end in zip(self._starts, self._ends, strict=True):
            if start >= b:
                break
            low, high = max(a, start), min(b, end)
            if high > low:
                covered += high - low
        return covered

    def active(self, start: float, end: float, until: float) -> float:
        """Active seconds from `start` to `end` (0 when `end` is not after `start`), the
        open pause running until `until`."""
        if end <= start:
            return 0.0
        return (end - start) - (self.paused_before(end, until) - self.paused_before(start, until))

    def frozen_since(self, at: float) -> bool:
        """Whether a pause still open started by `at`."""
        return self.open_since is not None and self.open_since <= at


def pause_spans(records: Iterable[EventRecord]) -> tuple[tuple[Interval, ...], datetime | None]:
    """The finished pauses in recording order (a close also ends a pause), and the start
    of the pause still open, if any. A Resumed backdated before its Paused ends an empty
    pause."""
    finished: list[Interval] = []
    started: datetime | None = None
    for record in records:
        if record.type == PAUSED and started is None:
            started = record.occurred_at
        elif record.type in PAUSE_ENDS and started is not None:
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
