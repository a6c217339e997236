"""The lifecycle of an opportunity: its status, pause and close, and which events each
status admits. The aggregate's rules, the replay that checks a retraction, and every read
model use this one definition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.errors import (
    NotClosed,
    NotOpen,
    NotPaused,
    OpportunityClosed,
    OpportunityPaused,
)
from domain.records import (
    CLOSED_LOST,
    CLOSED_WON,
    DETAILS_CHANGED,
    EVENT_RETRACTED,
    INTERACTION_CANCELLED,
    INTERACTION_PLANNED,
    INTERACTION_RESCHEDULED,
    OPENED,
    PAUSED,
    REOPENED,
    RESUMED,
    EventRecord,
)

OPEN, PAUSED_STATUS, WON, LOST = "open", "paused", "won", "lost"
STATUSES = (OPEN, PAUSED_STATUS, WON, LOST)
CLOSED_STATUSES = frozenset({WON, LOST})
ALLOWED_WHILE_PAUSED = frozenset(
    {
        RESUMED,
        CLOSED_WON,
        CLOSED_LOST,
        INTERACTION_PLANNED,
        INTERACTION_RESCHEDULED,
        INTERACTION_CANCELLED,
        DETAILS_CHANGED,
        EVENT_RETRACTED,
    }
)
ALLOWED_WHILE_CLOSED = frozenset({REOPENED, EVENT_RETRACTED})


@dataclass(frozen=True, slots=True)
class Pause:
    reason: str
    since: datetime
    resume_on: date | None
    version: int


class Lifecycle:
    """Status, opening, close and the pause under way, one event at a time."""

    __slots__ = ("closed_at", "opened_at", "paused", "status")

    def __init__(self) -> None:
        self.status = OPEN
        self.opened_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.paused: Pause | None = None

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    def add(self, record: EventRecord) -> None:
        kind, data = record.type, record.data
        if kind == OPENED:
            self.opened_at = record.occurred_at
        elif kind == PAUSED:
            self.status = PAUSED_STATUS
            resume_on = as_date(data.get("resume_on"))
            self.paused = Pause(data["reason"], record.occurred_at, resume_on, record.version)
        elif kind == RESUMED:
            self.status, self.paused = OPEN, None
        elif kind in (CLOSED_WON, CLOSED_LOST):
            self.status = WON if kind == CLOSED_WON else LOST
            self.closed_at, self.paused = record.occurred_at, None
        elif kind == REOPENED:
            self.status, self.closed_at = OPEN, None


def check_allowed(status: str, event_type: str) -> None:
    """Whether a deal in `status` may record `event_type` (its own rules aside)."""
    if status in CLOSED_STATUSES and event_type not in ALLOWED_WHILE_CLOSED:
        raise OpportunityClosed(f"the opportunity is {status}: nothing more can be recorded")
    if status == PAUSED_STATUS and event_type not in ALLOWED_WHILE_PAUSED:
        raise OpportunityPaused(
            f"the opportunity is paused: {event_type} cannot be recorded until it is resumed"
        )


def check_transition(status: str, event_type: str) -> None:
    """The status rules of the lifecycle events themselves."""
    if event_type == PAUSED and status != OPEN:
        raise NotOpen("the opportunity is already paused")
    if event_type == RESUMED and status != PAUSED_STATUS:
        raise NotPaused("only a paused opportunity can be resumed")
    if event_type == REOPENED and status not in CLOSED_STATUSES:
        raise NotClosed(f"only a won or lost opportunity can be reopened; this one is {status}")


def check(status: str, event_type: str) -> None:
    """Every status rule for recording `event_type` on a deal in `status`."""
    check_allowed(status, event_type)
    check_transition(status, event_type)


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))

