"""The seller's plan on a deal: interactions planned (who, why, how, what and when), moved,
cancelled and completed. Open interactions are those planned and neither completed nor
cancelled; a slip is a reschedule recorded after the time it replaced had passed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from domain.records import (
    INTERACTION_CANCELLED,
    INTERACTION_COMPLETED,
    INTERACTION_PLANNED,
    INTERACTION_RESCHEDULED,
    EventRecord,
)

COMPLETED, CANCELLED = "completed", "cancelled"
_NEVER = datetime.max.replace(tzinfo=UTC)


@dataclass(slots=True)
class Interaction:
    """One open interaction."""

    interaction_id: str
    contact: str
    department: str
    channel: str
    purpose: str
    commitment_objective: str | None
    planned_for: datetime | None
    planned_at: datetime  # when the planning occurred
    version: int  # the InteractionPlanned's
    slips: int = 0

    def is_overdue(self, now: datetime) -> bool:
        """Its time has passed (whether the deal is open or paused is the caller's part)."""
        return self.planned_for is not None and self.planned_for < now


def is_slip(record: EventRecord, replaced: datetime | None) -> bool:
    """A reschedule whose occurred_at is later than the planned_for it replaced."""
    return (
        record.type == INTERACTION_RESCHEDULED
        and replaced is not None
        and record.occurred_at > replaced
    )


class Plans:
    """Every interaction of a deal so far: the open ones, and how each other one ended."""

    __slots__ = ("ended", "open")

    def __init__(self) -> None:
        self.open: dict[str, Interaction] = {}
        self.ended: dict[str, str] = {}  # interaction id -> completed | cancelled

    def add(self, record: EventRecord) -> bool:
        """Fold one record; True when it was a slip."""
        kind, data = record.type, record.data
        if kind == INTERACTION_PLANNED:
            self.open[data["interaction_id"]] = Interaction(
                data["interaction_id"],
                data["contact"],
                data["department"],
                data["channel"],
                data["purpose"],
                data.get("commitment_objective"),
                data.get("planned_for"),
                record.occurred_at,
                record.version,
            )
        elif kind == INTERACTION_RESCHEDULED:
            interaction = self.open.get(data["interaction_id"])
            if interaction is not None:
                slipped = is_slip(record, interaction.planned_for)
                interaction.planned_for = data["planned_for"]
                interaction.slips += slipped
                return slipped
        elif (
            kind in (INTERACTION_COMPLETED, INTERACTION_CANCELLED)
            and self.open.pop(data["interaction_id"], None) is not None
        ):
            self.ended[data["interaction_id"]] = (
                COMPLETED if kind == INTERACTION_COMPLETED else CANCELLED
            )
        return False

    def state_of(self, interaction_id: str) -> str | None:
        """open, completed, cancelled, or None when never planned."""
        if interaction_id in self.open:
            return "open"
        return self.ended.get(interaction_id)

    def ordered(self) -> list[Interaction]:
        """Open interactions by planned_for (unscheduled last), then interaction_id."""
        return sorted(
            self.open.values(), key=lambda i: (i.planned_for or _NEVER, i.interaction_id)
        )

    def next_step(self) -> Interaction | None:
        """The first open interaction that has a time, or None."""
        return next((i for i in self.ordered() if i.planned_for is not None), None)


def plans(records: Iterable[EventRecord]) -> Plans:
    """The plan of a sequence of records (those that still stand)."""
    tally = Plans()
    for record in records:
        tally.add(record)
    return tally
