"""The ladder of small wins: meeting -> customer_data -> decision_makers -> demo ->
verbal_commitment. It records what was reached; it does not police the order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from domain.names import name_key
from domain.records import (
    CLOSING_TYPES,
    CUSTOMER_DATA_GATHERED,
    DEMO_SCHEDULED,
    MEETING_GAINED,
    REOPENED,
    STAKEHOLDER_BOUGHT_IN,
    VERBAL_COMMITMENT,
    EventRecord,
)

RUNGS: tuple[str, ...] = (
    "meeting",
    "customer_data",
    "decision_makers",
    "demo",
    "verbal_commitment",
)
NO_STAGE = "none"
STAGES: tuple[str, ...] = (NO_STAGE, *RUNGS)
DECISION_MAKERS_NEEDED = 2
_RUNG_OF_TYPE = {
    MEETING_GAINED: 1,
    CUSTOMER_DATA_GATHERED: 2,
    DEMO_SCHEDULED: 4,
    VERBAL_COMMITMENT: 5,
}


@dataclass(frozen=True, slots=True)
class RungReached:
    """A rung and the event that first reached it."""

    rung: int
    name: str
    version: int
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Ladder:
    reached: tuple[RungReached, ...]
    resume_point: RungReached | None
    next_small_win: str | None

    @property
    def stage(self) -> str:
        return stage_of(self.resume_point)

    @property
    def rung(self) -> int:
        return rung_of(self.resume_point)


def stage_of(resume_point: RungReached | None) -> str:
    """The stage a resume point names."""
    return resume_point.name if resume_point else NO_STAGE


def rung_of(resume_point: RungReached | None) -> int:
    """The stage as a number: 0 for none, 1 to 5 for the rungs."""
    return resume_point.rung if resume_point else 0


class LadderTally:
    """The rungs reached so far, in recording order, one event at a time."""

    __slots__ = ("reached", "stakeholders")

    def __init__(self) -> None:
        self.reached: dict[int, RungReached] = {}
        self.stakeholders: set[str] = set()

    def add(self, record: EventRecord) -> None:
        rung = _RUNG_OF_TYPE.get(record.type)
        if record.type == STAKEHOLDER_BOUGHT_IN:
            self.stakeholders.add(name_key(record.data["stakeholder"]))
            rung = 3 if len(self.stakeholders) >= DECISION_MAKERS_NEEDED else None
        if rung is not None and rung not in self.reached:
            self.reached[rung] = RungReached(
                rung, RUNGS[rung - 1], record.version, record.occurred_at
            )

    def resume_point(self) -> RungReached | None:
        """The highest rung reached."""
        reached = self.reached
        return reached[max(reached)] if reached else None

    def ladder(self, *, closed: bool) -> Ladder:
        """The highest rung reached is the resume point, which pausing and resuming never
        lower; the next small win is the lowest rung not yet reached (none once closed)."""
        reached = self.reached
        top = self.resume_point()
        missing = next((n for n in range(1, len(RUNGS) + 1) if n not in reached), None)
        upcoming = None if closed or missing is None else RUNGS[missing - 1]
        return Ladder(tuple(reached[n] for n in sorted(reached)), top, upcoming)


def ladder(records: Iterable[EventRecord]) -> Ladder:
    """The ladder of a sequence of records (those that still stand)."""
    tally = LadderTally()
    closed = False
    for record in records:
        tally.add(record)
        if record.type in CLOSING_TYPES or record.type == REOPENED:
            closed = record.type in CLOSING_TYPES
    return tally.ladder(closed=closed)
