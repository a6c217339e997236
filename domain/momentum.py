"""Momentum: a decaying score of recent small wins, its trend, and whether the deal stalled.

momentum(t) = sum over small wins w with occurred_at <= t of
weight(w) * 0.5 ** (active_days(w.occurred_at, t) / half_life).

With A(x) the active time from the opening to x, active_days(w, t) = A(t) - A(w), so the
sum factors as 2^(-A(t)/h) * sum(weight * 2^(A(w)/h)): the second factor changes only when
a win is recorded (or a pause moves the past). `MomentumTally` keeps it per deal as the
events come, in log form; `summary` cuts it into what a reading at any instant after the
latest recording needs (the wins old enough to count in every such reading, summed, and
the recent ones, cumulated), and `evaluate` reads that in O(log n), the trend included."""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime

from domain.active_time import SECONDS_PER_DAY, Pauses, Span
from domain.records import (
    DECISION_ROLES,
    DEMO_SCHEDULED,
    STAKEHOLDER_BOUGHT_IN,
    VERBAL_COMMITMENT,
    EventRecord,
)

RISING, FALLING, STEADY = "rising", "falling", "steady"
TRENDS = (RISING, FALLING, STEADY)
TREND_STEP = 0.5
_EPSILON = 1e-9
NO_MOMENTUM = -1e9  # sort key of a deal without a single small win
NONE = -math.inf  # the log of an empty sum
# Readings may come from a process whose clock is a little behind the one that recorded:
# wins this much older than a trend window before the latest recording are summed.
SETTLE_MARGIN = SECONDS_PER_DAY
INFINITY = math.inf


@dataclass(frozen=True, slots=True)
class MomentumPolicy:
    """The three settings of DESIGN section 3."""

    half_life_days: float = 14.0
    trend_window_days: float = 7.0
    stall_threshold_days: float = 21.0

    @property
    def half_life(self) -> float:
        return self.half_life_days * SECONDS_PER_DAY


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


def seconds(instant: datetime) -> float:
    return instant.timestamp()


def moment(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def log_add(a: float, b: float) -> float:
    """log2(2^a + 2^b), without leaving the floats."""
    if a == NONE:
        return b
    if b == NONE:
        return a
    high, low = (a, b) if a >= b else (b, a)
    return high + math.log2(1.0 + 2.0 ** (low - high))


@dataclass(frozen=True, slots=True)
class Summary:
    """What evaluating an open or paused deal's momentum at any instant after `cutoff` plus
    a trend window needs (seconds since the epoch; logs base 2)."""

    opened: float
    is_open: bool  # status open (only an open deal stalls)
    paused_since: float | None
    cutoff: float
    cutoff_active: float  # A(cutoff)
    spans: tuple[Span, ...]  # finished pauses reaching past the cutoff
    settled: float  # log of sum(weight * 2^(A(w)/h)) over wins up to the cutoff
    last_settled: tuple[float, float] | None  # the latest of those: (when, A(when))
    tail_times: tuple[float, ...]  # later wins, in order
    tail_sums: tuple[float, ...]  # log of the same sum up to each of them (settled excluded)
    half_life: float  # the half-life (seconds) the sums were made with

    def active(self, x: float) -> float:
        """A(x) for x at or after the cutoff."""
        paused = 0.0
        for start, end in self.spans:
            low, high = max(self.cutoff, start), min(x, end)
            if high > low:
                paused += high - low
        since = self.paused_since
        if since is not None and x > since:
            low = max(self.cutoff, since)
            covered = sum(
                max(0.0, min(x, end) - max(low, start)) for start, end in self.spans
            )
            paused += max(0.0, x - low) - covered
        return self.cutoff_active + max(0.0, x - self.cutoff) - paused

    def log_sum(self, x: float) -> float:
        """The log of sum(weight * 2^(A(w)/h)) over the wins that occurred by x."""
        index = bisect_right(self.tail_times, x)
        return log_add(self.settled, self.tail_sums[index - 1] if index else NONE)

    def score(self, x: float) -> float:
        total = self.log_sum(x)
        return 0.0 if total == NONE else 2.0 ** (total - self.active(x) / self.half_life)

    def last_win(self, x: float) -> float | None:
        """A(latest win by x), or None when none occurred by then."""
        index = bisect_right(self.tail_times, x)
        if index:
            return self.active(self.tail_times[index - 1])
        return self.last_settled[1] if self.last_settled else None


def evaluate(summary: Summary, now: datetime, policy: MomentumPolicy) -> Momentum:
    """Momentum of an open or paused deal at `now` (at or after its latest recording)."""
    t = max(seconds(now), summary.cutoff)
    score = summary.score(t)
    before = t - policy.trend_window_days * SECONDS_PER_DAY
    # Before the opening nothing had occurred; between it and the cutoff (a reading from a
    # clock a little behind the one that recorded) the cutoff is the nearest instant known.
    earlier = 0.0 if before < summary.opened else summary.score(max(before, summary.cutoff))
    change = score - earlier
    trend = STEADY
    if change >= TREND_STEP - _EPSILON:
        trend = RISING
    elif change <= -TREND_STEP + _EPSILON:
        trend = FALLING
    since = summary.last_win(t)
    days = (summary.active(t) - (since if since is not None else 0.0)) / SECONDS_PER_DAY
    stalled = summary.is_open and days > policy.stall_threshold_days
    return Momentum(round(score, 3), trend, stalled, round(days, 1))


class MomentumTally:
    """Every small win of a deal (sorted by when it occurred, then version) and its pauses:
    all that momentum depends on besides the reading instant. The sum over the wins old
    enough to be settled is kept between readings; it is made again only when a pause is
    recorded that moves wins already counted (a pause backdated before them)."""

    __slots__ = (
        "_half_life", "_settled", "_settled_count", "_stale", "_terms", "opened", "pauses", "wins",
    )  # fmt: skip

    def __init__(self, opened: float) -> None:
        self.opened = opened
        self.wins: list[tuple[float, int, int]] = []  # (when, version, weight)
        self.pauses = Pauses()
        self._half_life = 0.0
        self._settled = NONE
        self._settled_count = 0
        self._stale = True
        # Each win's term (`_term`), in the wins' order, for the half-life of the last
        # summary; None until a summary makes them. A term moves only with what makes the
        # settled sum stale (a pause before a win, another half-life).
        self._terms: list[float] | None = None

    # --- what the events do -------------------------------------------------------------

    def add_win(self, at: float, version: int, weight: int) -> None:
        win = (at, version, weight)
        index = bisect_right(self.wins, win)
        if index < self._settled_count and not self._stale:
            self._settled = log_add(self._settled, self._term(win))
            self._settled_count += 1
        self.wins.insert(index, win)
        if self._terms is not None:  # a stale tally's are dropped by the next summary
            self._terms.insert(index, self._term(win))

    def pause(self, at: float) -> None:
        if self.wins and self.wins[-1][0] > at:
            self._stale = True  # wins after the pause no longer decay while it lasts
        self.pauses.start(at)

    def end_pause(self, at: float) -> None:
        if self.wins and self.wins[-1][0] > at:
            self._stale = True
        self.pauses.end(at)

    # --- reading ------------------------------------------------------------------------

    def active(self, x: float) -> float:
        """A(x) for a moment of the past (an open pause runs on past it)."""
        return self.pauses.active(self.opened, x, INFINITY)

    def _term(self, win: tuple[float, int, int]) -> float:
        return math.log2(win[2]) + self.active(win[0]) / self._half_life

    def summary(self, latest: datetime, policy: MomentumPolicy, *, is_open: bool) -> Summary:
        """What readings after `latest` (the latest recording) need."""
        cutoff = max(
            self.opened,
            seconds(latest) - policy.trend_window_days * SECONDS_PER_DAY - SETTLE_MARGIN,
        )
        half_life = policy.half_life
        if self._stale or half_life != self._half_life or (
            self._settled_count and self.wins[self._settled_count - 1][0] > cutoff
        ):
            self._half_life, self._settled, self._settled_count = half_life, NONE, 0
            self._stale = False
            self._terms = None
        terms = self._terms
        if terms is None or len(terms) != len(self.wins):
            terms = self._terms = [self._term(win) for win in self.wins]
        while self._settled_count < len(self.wins) and self.wins[self._settled_count][0] <= cutoff:
            self._settled = log_add(self._settled, terms[self._settled_count])
            self._settled_count += 1
        last = self.wins[self._settled_count - 1][0] if self._settled_count else None
        sums: list[float] = []
        running = NONE
        for term in terms[self._settled_count :]:
            running = log_add(running, term)
            sums.append(running)
        return Summary(
            opened=self.opened,
            is_open=is_open,
            paused_since=self.pauses.open_since,
            cutoff=cutoff,
            cutoff_active=self.active(cutoff),
            spans=tuple(s for s in self.pauses.spans if s[1] > cutoff),
            settled=self._settled,
            last_settled=(last, self.active(last)) if last is not None else None,
            tail_times=tuple(w[0] for w in self.wins[self._settled_count :]),
            tail_sums=tuple(sums),
            half_life=half_life,
        )

    def at_close(self, closed: float, policy: MomentumPolicy) -> Momentum:
        """A closed deal's momentum, read at its close (so the same at every later
        moment): the wins that occurred by then; its trend is reported as steady."""
        half_life = policy.half_life
        until = closed
        at_close = self.pauses.active(self.opened, closed, until)
        score = math.fsum(
            w * 2.0 ** (-(at_close - self.pauses.active(self.opened, t, until)) / half_life)
            for t, _version, w in self.wins
            if t <= closed
        )
        occurred = [w for w in self.wins if w[0] <= closed]
        since = occurred[-1][0] if occurred else self.opened
        days = self.pauses.active(since, closed, until) / SECONDS_PER_DAY
        return Momentum(round(score, 3), STEADY, False, round(days, 1))

    def sort_key(self, summary: Summary, *, frozen_at: float | None) -> tuple[float, int]:
        """(a, b) such that log2(score at t) == a + b * days(t) / half_life for any t after
        the latest change, days(t) counted from the Unix epoch: open deals decay (b = 0
        once the decay is folded into a), paused deals hold their score (b = 1)."""
        total = summary.log_sum(INFINITY)
        if total == NONE:
            return NO_MOMENTUM, 0
        if frozen_at is not None:
            return total - self.active(frozen_at) / summary.half_life, 1
        anchor = self.latest_change()
        return total - (self.active(anchor) - anchor) / summary.half_life, 0

    def stall_at(self, policy: MomentumPolicy) -> datetime:
        """When an open deal becomes stalled if nothing else happens."""
        anchor = self.latest_change()
        since = self.wins[-1][0] if self.wins else self.opened
        quiet = self.pauses.active(since, anchor, anchor)
        return moment(anchor + policy.stall_threshold_days * SECONDS_PER_DAY - quiet)

    def mark(self) -> tuple[object, ...]:
        """What tells this tally from the one the deal's event before left, when that
        event changed it at all: the wins (how many, the latest) and the pauses. An event
        adds or takes back at most one win (a retraction folds again without one record)
        and the pauses are compared whole, so a tally and the one an event before it left
        with the same mark give the same momentum at every instant after both. (Tallies
        further apart can share a mark and differ: this compares neighbours only.)"""
        wins = self.wins
        return (len(wins), wins[-1] if wins else None, self.pauses.mark())

    def latest_change(self) -> float:
        """The latest of the opening, the latest win and the end of the latest pause."""
        latest = self.opened
        if self.wins and self.wins[-1][0] > latest:
            latest = self.wins[-1][0]
        end = self.pauses.latest_end
        return end if end is not None and end > latest else latest
