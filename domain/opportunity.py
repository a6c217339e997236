"""The Opportunity aggregate: twelve explicit events, public commands that check the rules,
and `apply` methods that only change state (through the pure lifecycle fold)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain import rules
from domain.errors import (
    InteractionNotOpen,
    InvalidValue,
    NotOpen,
    NotPaused,
    OpportunityClosed,
    OpportunityPaused,
)
from domain.ids import millis_of, time_ordered_id
from domain.lifecycle import PAUSED_STATUS, Lifecycle, evolve
from domain.records import (
    CLOSED_LOST,
    CLOSED_WON,
    INTERACTION_PLANNED,
    RESUMED,
    EventRecord,
)

ALLOWED_WHILE_PAUSED = frozenset({RESUMED, CLOSED_WON, CLOSED_LOST, INTERACTION_PLANNED})
_NOT_DATA = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "occurred_at",
        "recorded_by",
    }
)


@dataclass(frozen=True, slots=True)
class Stamp:
    """Who records an event and when: set by the server, plus the client's business time."""

    recorded_by: str
    now: datetime
    occurred_at: datetime | None = None
    note: str | None = None


_DATA_FIELDS: dict[type, tuple[str, ...]] = {}


def _data_fields(event_class: type) -> tuple[str, ...]:
    found = _DATA_FIELDS.get(event_class)
    if found is None:
        found = tuple(f.name for f in fields(event_class) if f.name not in _NOT_DATA)
        _DATA_FIELDS[event_class] = found
    return found


def record_from_state(event_class: type, version: int, state: Mapping[str, Any]) -> EventRecord:
    """The `EventRecord` of an Opportunity event, from its class, version and attributes."""
    return EventRecord(
        type=event_class.__name__,
        version=version,
        occurred_at=state["occurred_at"],
        recorded_at=state["timestamp"],
        recorded_by=state["recorded_by"],
        data={name: state[name] for name in _data_fields(event_class)},
    )


def to_record(event: Any) -> EventRecord:
    """An `EventRecord` from a stored Opportunity event."""
    return record_from_state(type(event), event.originator_version, vars(event))


class Opportunity(Aggregate):
    """A deal: an ordered history of events and the lifecycle folded from it."""

    class Event(Aggregate.Event):
        occurred_at: datetime
        note: str | None
        recorded_by: str

        def apply(self, aggregate: Opportunity) -> None:
            aggregate.remember(to_record(self))

    class OpportunityOpened(Event, Aggregate.Created):
        title: str
        account: str
        owner: str
        amount: float | None
        currency: str
        source: str
        referred_by: str | None
        buying_departments: list[str]

    class MeetingGained(Event):
        contact: str
        department: str
        kind: str

    class CustomerDataGathered(Event):
        summary: str

    class StakeholderBoughtIn(Event):
        stakeholder: str
        department: str
        role: str
        title: str | None

    class DemoScheduled(Event):
        scheduled_for: datetime
        attendees: list[str]

    class VerbalCommitment(Event):
        stakeholder: str
        amount: float | None

    class Paused(Event):
        reason: str
        resume_on: date | None

    class Resumed(Event):
        pass

    class InteractionPlanned(Event):
        interaction_id: str
        contact: str
        department: str
        channel: str
        purpose: str
        commitment_objective: str | None

    class InteractionCompleted(Event):
        interaction_id: str
        commitment_gained: bool
        outcome: str | None

    class ClosedWon(Event):
        amount: float | None

    class ClosedLost(Event):
        reason: str

    def __init__(self) -> None:
        # OpportunityOpened.mutate calls this, then the event's apply() remembers it.
        self.history: list[EventRecord] = []
        self.lifecycle = Lifecycle()

    def remember(self, record: EventRecord) -> None:
        self.history.append(record)
        self.lifecycle = evolve(self.lifecycle, record)

    # --- commands --------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        stamp: Stamp,
        *,
        title: str,
        account: str,
        owner: str | None = None,
        amount: float | None = None,
        currency: str | None = None,
        source: str | None = None,
        referred_by: str | None = None,
        buying_departments: list[str] | None = None,
        opportunity_id: UUID | None = None,
    ) -> Opportunity:
        recorded_by = rules.required_text(stamp.recorded_by, "recorded_by")
        return cls._create(
            cls.OpportunityOpened,
            id=opportunity_id or time_ordered_id(millis_of(stamp.now)),
            timestamp=stamp.now,
            title=rules.required_text(title, "title"),
            account=rules.required_text(account, "account"),
            owner=rules.required_text(owner if owner is not None else recorded_by, "owner"),
            amount=rules.amount(amount),
            currency=rules.currency(currency),
            source=rules.choice(source, "source", rules.SOURCES, "other"),
            referred_by=rules.optional_text(referred_by, "referred_by", rules.NAME_MAX),
            buying_departments=rules.names(buying_departments, "buying_departments"),
            occurred_at=rules.occurred_at(stamp.occurred_at, stamp.now, None),
            note=rules.optional_text(stamp.note, "note", rules.NOTE_MAX),
            recorded_by=recorded_by,
        )

    def gain_meeting(
        self, stamp: Stamp, *, contact: str, department: str, kind: str | None = None
    ) -> None:
        self._trigger(
            self.MeetingGained,
            stamp,
            contact=rules.required_text(contact, "contact"),
            department=rules.required_text(department, "department"),
            kind=rules.choice(kind, "kind", rules.MEETING_KINDS, "initial"),
        )

    def gather_customer_data(self, stamp: Stamp, *, summary: str) -> None:
        self._trigger(
            self.CustomerDataGathered,
            stamp,
            summary=rules.required_text(summary, "summary", rules.TEXT_MAX),
        )

    def record_buy_in(
        self,
        stamp: Stamp,
        *,
        stakeholder: str,
        department: str,
        role: str,
        title: str | None = None,
    ) -> None:
        self._trigger(
            self.StakeholderBoughtIn,
            stamp,
            stakeholder=rules.required_text(stakeholder, "stakeholder"),
            department=rules.required_text(department, "department"),
            role=rules.choice(role, "role", rules.ROLES),
            title=rules.optional_text(title, "title", rules.NAME_MAX),
        )

    def schedule_demo(
        self, stamp: Stamp, *, scheduled_for: datetime, attendees: list[str] | None = None
    ) -> None:
        self._trigger(
            self.DemoScheduled,
            stamp,
            scheduled_for=rules.aware(scheduled_for, "scheduled_for"),
            attendees=rules.names(attendees, "attendees"),
        )

    def commit_verbally(
        self, stamp: Stamp, *, stakeholder: str, amount: float | None = None
    ) -> None:
        self._trigger(
            self.VerbalCommitment,
            stamp,
            stakeholder=rules.required_text(stakeholder, "stakeholder"),
            amount=rules.amount(amount),
        )

    def pause(self, stamp: Stamp, *, reason: str, resume_on: date | None = None) -> None:
        if self.lifecycle.status == PAUSED_STATUS:
            raise NotOpen("the opportunity is already paused")
        self._trigger(
            self.Paused,
            stamp,
            reason=rules.required_text(reason, "reason", rules.TEXT_MAX),
            resume_on=resume_on,
        )

    def resume(self, stamp: Stamp) -> None:
        if self.lifecycle.status != PAUSED_STATUS and not self.lifecycle.is_closed:
            raise NotPaused("only a paused opportunity can be resumed")
        self._trigger(self.Resumed, stamp)

    def plan_interaction(
        self,
        stamp: Stamp,
        *,
        contact: str,
        department: str,
        channel: str,
        purpose: str,
        commitment_objective: str | None = None,
        interaction_id: str | None = None,
    ) -> str:
        new_id = interaction_id or str(uuid4())
        self._trigger(
            self.InteractionPlanned,
            stamp,
            interaction_id=new_id,
            contact=rules.required_text(contact, "contact"),
            department=rules.required_text(department, "department"),
            channel=rules.choice(channel, "channel", rules.CHANNELS),
            purpose=rules.required_text(purpose, "purpose", rules.TEXT_MAX),
            commitment_objective=rules.optional_text(commitment_objective, "commitment_objective"),
        )
        return new_id

    def complete_interaction(
        self,
        stamp: Stamp,
        *,
        interaction_id: str,
        commitment_gained: bool,
        outcome: str | None = None,
    ) -> None:
        wanted = rules.required_text(interaction_id, "interaction_id")
        if not isinstance(commitment_gained, bool):
            raise InvalidValue("commitment_gained", "must be true or false")
        self._guard(type(self).InteractionCompleted.__name__)
        if all(r.data["interaction_id"] != wanted for r in self.lifecycle.open_interactions):
            known = wanted in self.lifecycle.planned
            raise InteractionNotOpen(
                f"interaction {wanted} is already completed"
                if known
                else f"no interaction {wanted} was planned on this opportunity"
            )
        self._trigger(
            self.InteractionCompleted,
            stamp,
            interaction_id=wanted,
            commitment_gained=commitment_gained,
            outcome=rules.optional_text(outcome, "outcome"),
        )

    def close_won(self, stamp: Stamp, *, amount: float | None = None) -> None:
        self._trigger(self.ClosedWon, stamp, amount=rules.amount(amount))

    def close_lost(self, stamp: Stamp, *, reason: str) -> None:
        self._trigger(
            self.ClosedLost, stamp, reason=rules.choice(reason, "reason", rules.LOSS_REASONS)
        )

    # --- the one path every non-creating event takes --------------------------------

    def _guard(self, event_type: str) -> None:
        status = self.lifecycle.status
        if self.lifecycle.is_closed:
            raise OpportunityClosed(f"the opportunity is {status}: nothing more can be recorded")
        if status == PAUSED_STATUS and event_type not in ALLOWED_WHILE_PAUSED:
            raise OpportunityPaused(
                f"the opportunity is paused: {event_type} cannot be recorded until it is resumed"
            )

    def _trigger(self, event_class: type[Event], stamp: Stamp, **data: Any) -> None:
        self._guard(event_class.__name__)
        self.trigger_event(
            event_class,
            timestamp=stamp.now,
            occurred_at=rules.occurred_at(stamp.occurred_at, stamp.now, self.lifecycle.opened_at),
            note=rules.optional_text(stamp.note, "note", rules.NOTE_MAX),
            recorded_by=rules.required_text(stamp.recorded_by, "recorded_by"),
            **data,
        )
