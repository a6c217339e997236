"""Closed deals summed up into the answer of DESIGN section 4, "Win analysis"."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

from domain.names import name_key
from domain.records import LADDER_EVENT_TYPES
from domain.rules import SOURCES
from projections.analysis.deals import DAY, ClosedDeal
from projections.analysis.stats import Tally, lift, median, rounded

TOP_PATHS = 10
DEPARTMENT_BUCKETS: tuple[str, ...] = ("0", "1", "2", "3+")
OBJECTIVE_SHARE = Fraction(4, 5)  # "most" interactions: at least 80%


@dataclass(frozen=True, slots=True)
class Filters:
    """Which closed deals are analysed. The window is half-open on the close's
    occurred_at: closed_from <= close < closed_to. `owner` is matched like names are
    (trimmed, inner spaces collapsed, case-insensitive). `as_of` is applied by the replay."""

    closed_from: datetime | None = None
    closed_to: datetime | None = None
    owner: str | None = None
    as_of: datetime | None = None

    def admit(self, deal: ClosedDeal) -> bool:
        if self.closed_from is not None and deal.closed_at < self.closed_from:
            return False
        if self.closed_to is not None and deal.closed_at >= self.closed_to:
            return False
        return self.owner is None or name_key(self.owner) == deal.owner_key


def department_bucket(count: int) -> str:
    return DEPARTMENT_BUCKETS[min(count, len(DEPARTMENT_BUCKETS) - 1)]


def objective_group(deal: ClosedDeal) -> str | None:
    """ "with" when it planned some interactions and >= 80% had a commitment objective,
    "without" when it planned some but fewer, None when it planned none."""
    if deal.planned == 0:
        return None
    return "with" if deal.planned_with_objective >= OBJECTIVE_SHARE * deal.planned else "without"


@dataclass(slots=True)
class Timed:
    """A tally and, over its won deals, the days counted to the close."""

    tally: Tally = field(default_factory=Tally)
    won_days: list[float] = field(default_factory=list)

    def count(self, deal: ClosedDeal, since: datetime | None) -> None:
        self.tally.count(deal.won)
        if deal.won and since is not None:
            self.won_days.append((deal.closed_at - since) / DAY)


@dataclass(slots=True)
class Summary:
    overall: Tally = field(default_factory=Tally)
    with_win: dict[str, Timed] = field(default_factory=lambda: _per(LADDER_EVENT_TYPES, Timed))
    without_win: dict[str, Tally] = field(default_factory=lambda: _per(LADDER_EVENT_TYPES, Tally))
    paths: dict[tuple[str, ...], Tally] = field(default_factory=dict)
    departments: dict[str, Tally] = field(default_factory=lambda: _per(DEPARTMENT_BUCKETS, Tally))
    objectives: dict[str, Timed] = field(default_factory=lambda: _per(("with", "without"), Timed))
    paused: Tally = field(default_factory=Tally)
    resume_days: list[float] = field(default_factory=list)
    sources: dict[str, Timed] = field(default_factory=lambda: _per(SOURCES, Timed))
    on_time: dict[str, list[int]] = field(default_factory=lambda: {"won": [0, 0], "lost": [0, 0]})

    def add(self, deal: ClosedDeal) -> None:
        self.overall.count(deal.won)
        for kind in LADDER_EVENT_TYPES:
            first = deal.first_win_at.get(kind)
            if first is None:
                self.without_win[kind].count(deal.won)
            else:
                self.with_win[kind].count(deal, first)
        self.paths.setdefault(deal.path, Tally()).count(deal.won)
        self.departments[department_bucket(deal.bought_in_departments)].count(deal.won)
        group = objective_group(deal)
        if group is not None:
            self.objectives[group].count(deal, deal.opened_at)
        if deal.paused:
            self.paused.count(deal.won)
            self.resume_days.extend(deal.resume_to_next_win_days)
        self.sources.setdefault(deal.source, Timed()).count(deal, deal.opened_at)
        timed = self.on_time["won" if deal.won else "lost"]
        timed[0] += deal.completed_with_time
        timed[1] += deal.completed_on_time


def _per(keys: Iterable[str], factory: Any) -> dict[str, Any]:
    return {key: factory() for key in keys}


def summarise(deals: Iterable[ClosedDeal], filters: Filters | None = None) -> Summary:
    summary = Summary()
    for deal in deals:
        if filters is None or filters.admit(deal):
            summary.add(deal)
    return summary


def top_paths(paths: dict[tuple[str, ...], Tally]) -> list[tuple[tuple[str, ...], Tally]]:
    """The ten most common paths: by count, then (exact) win rate, both descending, then
    the path itself (its type names compared in order)."""
    ranked = sorted(
        paths.items(), key=lambda p: (-p[1].closed, -Fraction(p[1].won, p[1].closed), p[0])
    )
    return ranked[:TOP_PATHS]


def _counts(tally: Tally) -> dict[str, Any]:
    return {"closed": tally.closed, "won": tally.won, "win_rate": tally.win_rate}


def _timed(timed: Timed) -> dict[str, Any]:
    return {**_counts(timed.tally), "median_days_to_close": median(timed.won_days)}


def _on_time(counts: list[int]) -> dict[str, Any]:
    completed, on_time = counts
    share = rounded(Fraction(on_time, completed)) if completed else None
    return {"completed": completed, "on_time": on_time, "share": share}


def render(summary: Summary) -> dict[str, Any]:
    """The JSON answer, in DESIGN's shape and key order."""
    return {
        "closed": summary.overall.closed,
        "won": summary.overall.won,
        "lost": summary.overall.lost,
        "win_rate": summary.overall.win_rate,
        "by_small_win": [
            {
                "type": kind,
                "with": _counts(summary.with_win[kind].tally),
                "without": _counts(summary.without_win[kind]),
                "lift": lift(summary.with_win[kind].tally, summary.without_win[kind]),
                "median_days_to_close": median(summary.with_win[kind].won_days),
            }
            for kind in LADDER_EVENT_TYPES
        ],
        "paths": [{"path": list(path), **_counts(t)} for path, t in top_paths(summary.paths)],
        "by_bought_in_departments": [
            {"departments": bucket, **_counts(summary.departments[bucket])}
            for bucket in DEPARTMENT_BUCKETS
        ],
        "commitment_objectives": {
            "with": _timed(summary.objectives["with"]),
            "without": _timed(summary.objectives["without"]),
            "on_time": {
                "won": _on_time(summary.on_time["won"]),
                "lost": _on_time(summary.on_time["lost"]),
            },
        },
        "pauses": {
            "paused": summary.paused.closed,
            "won": summary.paused.won,
            "lost": summary.paused.lost,
            "median_days_resume_to_next_win": median(summary.resume_days),
        },
        "by_source": [
            {
                "source": source,
                **_counts(summary.sources[source].tally),
                "median_days_to_close": median(summary.sources[source].won_days, 1),
            }
            for source in SOURCES
        ],
    }
