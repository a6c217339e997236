"""The seller's week (DESIGN section 6): ISO weeks in the team's time zone, what each event
counts for on a scorecard, and the goals in force for a week.

`counts_of` is the one definition of what an event adds to the week it occurred in; the
sellers' view sums it per owner and week, and a scorecard reads the sums."""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from domain.errors import InvalidValue
from domain.plans import Plans, is_slip
from domain.records import (
    CLOSED_LOST,
    CLOSED_WON,
    INTERACTION_CANCELLED,
    INTERACTION_COMPLETED,
    INTERACTION_PLANNED,
    INTERACTION_RESCHEDULED,
    LADDER_EVENT_TYPES,
    OPENED,
    EventRecord,
)
from domain.rules import GOAL_METRICS

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")

# What a scorecard counts, besides the five ladder event types (counted by their names).
GAINED = "commitments_gained"
PLANNED = "planned"
PLANNED_WITH_OBJECTIVE = "planned_with_objective"
COMPLETED = "completed"
COMPLETED_WITH_OBJECTIVE = "completed_with_objective"
GAINED_WITH_OBJECTIVE = "gained_with_objective"
RESCHEDULED = "rescheduled"
SLIPPED = "slipped"
CANCELLED = "cancelled"
OPENED_DEALS = "opened"
WON = "won"
LOST = "lost"
# A goal metric -> the count it is judged by.
GOAL_COUNTS = {
    **{kind: kind for kind in LADDER_EVENT_TYPES},
    "commitments_gained": GAINED,
    "interactions_planned_with_objective": PLANNED_WITH_OBJECTIVE,
    "interactions_completed": COMPLETED,
}


@dataclass(frozen=True, slots=True)
class Week:
    """An ISO week (Monday 00:00 to the next Monday 00:00) in a time zone."""

    year: int
    number: int
    zone: ZoneInfo

    @property
    def name(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.monday, time(0), self.zone)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.monday + timedelta(days=7), time(0), self.zone)

    def before(self, weeks: int = 1) -> Week:
        return week_of(self.start - timedelta(days=7 * weeks - 3), self.zone)


def week_of(moment: datetime, zone: ZoneInfo) -> Week:
    year, number, _day = moment.astimezone(zone).isocalendar()
    return Week(year, number, zone)


class WeekNames:
    """The ISO week names of instants in one time zone (`week_of(...).name`), each week's
    bounds kept once met: an instant in a week met before is placed by bisecting them,
    with no conversion to the zone (a view names the week of every event it follows).
    Safe across threads: a week is one tuple, added under a lock, and an instant is only
    ever named by a week that holds it (weeks do not overlap)."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._weeks: list[tuple[float, float, str]] = []  # (start, end) POSIX s, by start
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[type[WeekNames], tuple[ZoneInfo]]:
        return WeekNames, (self.zone,)  # another process starts with no week met

    def name(self, moment: datetime) -> str:
        at = moment.timestamp()
        weeks = self._weeks
        index = bisect_right(weeks, at, key=_START) - 1
        if index >= 0:
            start, end, name = weeks[index]
            if start <= at < end:
                return name
        week = week_of(moment, self.zone)
        found = (week.start.timestamp(), week.end.timestamp(), week.name)
        with self._lock:
            if found not in self._weeks:
                self._weeks.insert(bisect_right(self._weeks, found[0], key=_START), found)
        return week.name


_START = itemgetter(0)  # a week's start, what its tuple is ordered by


def parse_week(text: str, zone: ZoneInfo) -> Week:
    """`2026-W49` (or InvalidValue)."""
    found = _WEEK.match(text.strip())
    if found is None:
        raise InvalidValue("week", "must be an ISO week such as 2026-W49")
    year, number = int(found.group(1)), int(found.group(2))
    try:
        date.fromisocalendar(year, number, 1)
    except ValueError:
        raise InvalidValue("week", f"{year} has no week {number}") from None
    return Week(year, number, zone)


def counts_of(record: EventRecord, plans: Plans) -> tuple[str, ...]:
    """What one event adds to the week it occurred in, given the deal's plan before it."""
    kind, data = record.type, record.data
    if kind in LADDER_EVENT_TYPES:
        return (kind,)
    if kind == OPENED:
        return (OPENED_DEALS,)
    if kind == CLOSED_WON:
        return (WON,)
    if kind == CLOSED_LOST:
        return (LOST,)
    if kind == INTERACTION_PLANNED:
        return (PLANNED, PLANNED_WITH_OBJECTIVE) if data.get("commitment_objective") else (PLANNED,)
    if kind == INTERACTION_CANCELLED:
        return (CANCELLED,)
    interaction = plans.open.get(data.get("interaction_id", ""))
    if kind == INTERACTION_RESCHEDULED:
        slipped = interaction is not None and is_slip(record, interaction.planned_for)
        return (RESCHEDULED, SLIPPED) if slipped else (RESCHEDULED,)
    if kind == INTERACTION_COMPLETED:
        counted = [COMPLETED]
        gained = bool(data.get("commitment_gained"))
        if gained:
            counted.append(GAINED)
        if interaction is not None and interaction.commitment_objective:
            counted.append(COMPLETED_WITH_OBJECTIVE)
            if gained:
                counted.append(GAINED_WITH_OBJECTIVE)
        return tuple(counted)
    return ()


@dataclass(frozen=True, slots=True)
class Goals:
    """One GoalsSet: weekly targets by metric, and when they were set."""

    weekly: Mapping[str, int]
    set_at: datetime
    version: int


def in_force(history: Iterable[Goals], until: datetime) -> Goals | None:
    """The last goals set before `until` (by when they were set, then version)."""
    earlier = [g for g in history if g.set_at < until]
    return max(earlier, key=lambda g: (g.set_at, g.version), default=None)


def judged(goals: Goals | None, actual: Mapping[str, int]) -> list[dict[str, Any]]:
    """One row per metric in force, in GOAL_METRICS order: target, actual, met."""
    if goals is None:
        return []
    rows = []
    for metric in GOAL_METRICS:
        if metric in goals.weekly:
            count = actual.get(GOAL_COUNTS[metric], 0)
            target = goals.weekly[metric]
            rows.append({"metric": metric, "target": target, "actual": count, "met": count >= target})
    return rows


def streak(weeks_back: Sequence[list[dict[str, Any]]]) -> int:
    """How many of the weeks right before (nearest first) had goals and met them all."""
    count = 0
    for rows in weeks_back:
        if not rows or not all(row["met"] for row in rows):
            break
        count += 1
    return count
