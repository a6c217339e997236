"""The lifecycle of an opportunity as a pure fold over its records: status, pause,
open interactions, close. The aggregate's rules and every read model use this one fold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from domain.records import (
    CLOSED_LOST,
    CLOSED_WON,
    INTERACTION_COMPLETED,
    INTERACTION_PLANNED,
    OPENED,
    PAUSED,
    RESUMED,
    VERBAL_COMMITMENT,
    EventRecord,
)

OPEN, PAUSED_STATUS, WON, LOST = "open", "paused", "won", "lost"
STATUSES = (OPEN, PAUSED_STATUS, WON, LOST)


@dataclass(frozen=True, slots=True)
class Pause:
    reason: str
    since: datetime
    resume_on: date | None
    version: int


@dataclass(frozen=True, slots=True)
class Lifecycle:
    status: str = OPEN
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    amount: float | None = None
    paused: Pause | None = None
    planned: frozenset[str] = frozenset()
    open_interactions: tuple[EventRecord, ...] = ()

    @property
    def is_closed(self) -> bool:
        return self.status in (WON, LOST)


_LIFECYCLE_FIELDS = tuple(f.name for f in fields(Lifecycle))


def replace(state: Lifecycle, **changes: Any) -> Lifecycle:
    """`dataclasses.replace` for Lifecycle, without its generic checks (a hot path)."""
    return Lifecycle(*[changes.get(n, getattr(state, n)) for n in _LIFECYCLE_FIELDS])


def evolve(state: Lifecycle, record: EventRecord) -> Lifecycle:
    """The lifecycle after one more record. Never reads a clock."""
    kind, data = record.type, record.data
    if kind == OPENED:
        return replace(state, opened_at=record.occurred_at, amount=data.get("amount"))
    if kind == PAUSED:
        pause = Pause(
            data["reason"], record.occurred_at, _date(data.get("resume_on")), record.version
        )
        return replace(state, status=PAUSED_STATUS, paused=pause)
    if kind == RESUMED:
        return replace(state, status=OPEN, paused=None)
    if kind == INTERACTION_PLANNED:
        return replace(
            state,
            planned=state.planned | {data["interaction_id"]},
            open_interactions=(*state.open_interactions, record),
        )
    if kind == INTERACTION_COMPLETED:
        still_open = tuple(
            r for r in state.open_interactions if r.data["interaction_id"] != data["interaction_id"]
        )
        return replace(state, open_interactions=still_open)
    if kind == VERBAL_COMMITMENT and data.get("amount") is not None:
        return replace(state, amount=data["amount"])
    if kind in (CLOSED_WON, CLOSED_LOST):
        amount = data.get("amount") if kind == CLOSED_WON else None
        return replace(
            state,
            status=WON if kind == CLOSED_WON else LOST,
            closed_at=record.occurred_at,
            paused=None,
            amount=amount if amount is not None else state.amount,
        )
    return state


def fold(records: Iterable[EventRecord]) -> Lifecycle:
    state = Lifecycle()
    for record in records:
        state = evolve(state, record)
    return state


def _date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
