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
        return self.resume_point.name if self.resume_point else NO_STAGE


def ladder(records: Iterable[EventRecord]) -> Ladder:
    """Rungs reached in recording order; the highest is the resume point, which pausing
    and resuming never lower; the next small win is the lowest rung not yet reached."""
    reached: dict[int, RungReached] = {}
    stakeholders: set[str] = set()
    closed = False
    for record in records:
        closed = closed or record.type in CLOSING_TYPES
        rung = _RUNG_OF_TYPE.get(record.type)
        if record.type == STAKEHOLDER_BOUGHT_IN:
            stakeholders.add(name_key(record.data["stakeholder"]))
            rung = 3 if len(stakeholders) >= DECISION_MAKERS_NEEDED else None
        if rung is not None and rung not in reached:
            reached[rung] = RungReached(rung, RUNGS[rung - 1], record.version, record.occurred_at)
    top = reached[max(reached)] if reached else None
    missing = [n for n in range(1, len(RUNGS) + 1) if n not in reached]
    upcoming = None if closed or not missing else RUNGS[missing[0] - 1]
    ordered = tuple(reached[n] for n in sorted(reached))
    return Ladder(reached=ordered, resume_point=top, next_small_win=upcoming)
