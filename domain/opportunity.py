"""The Opportunity aggregate. Its events are explicit nested past-tense classes, and their
fields are declared there, once (`Annotated[type, Spec]`): the domain's rules, the API's
schemas, the OpenAPI examples and the docs all read these declarations. `open` and
`record` check the rules; `apply` only changes state (through `domain.state`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate
from eventsourcing.domain import Snapshot as AggregateSnapshot
from eventsourcing.utils import get_topic

from domain import lifecycle
from domain.corrections import check_retraction
from domain.errors import HistoryNeeded, InteractionNotOpen, InvalidValue
from domain.fields import (
    Amount,
    Choice,
    Count,
    Currency,
    Day,
    Flag,
    Instant,
    Names,
    Prose,
    Text,
    occurred_at,
)
from domain.ids import millis_of, time_ordered_id
from domain.profile import CHANGEABLE
from domain.records import EVENT_RETRACTED, EventRecord
from domain.rules import CHANNELS, LOSS_REASONS, MEETING_KINDS, ROLES, SOURCES
from domain.schema import clean, data_fields, recordable
from domain.snapshots import document, restore
from domain.state import DealState, advance

PERSON = "A person's name."


@dataclass(frozen=True, slots=True)
class Stamp:
    """Who records an event and when: set by the server, plus the client's business time."""

    recorded_by: str
    now: datetime
    occurred_at: datetime | None = None
    note: str | None = None


def record_from_state(event_class: type, version: int, state: Mapping[str, Any]) -> EventRecord:
    """The `EventRecord` of an event, from its class, version and attributes."""
    return EventRecord(
        type=event_class.__name__,
        version=version,
        occurred_at=state["occurred_at"],
        recorded_at=state["timestamp"],
        recorded_by=state["recorded_by"],
        data={name: state.get(name) for name in data_fields(event_class)},
    )


def to_record(event: Any) -> EventRecord:
    """An `EventRecord` from a stored event."""
    return record_from_state(type(event), event.originator_version, vars(event))


class Opportunity(Aggregate):
    """A deal: an ordered history of events and the state folded from it."""

    class Event(Aggregate.Event):
        occurred_at: Annotated[
            datetime,
            Instant(
                required=False,
                description="Business time (RFC 3339 with offset): when it happened. Default"
                " now; at most 5 minutes ahead; not before the opportunity was opened.",
                example="2026-12-01T15:00:00Z",
            ),
        ]
        note: Annotated[
            str | None,
            Prose(required=False, free_text=True, description="Free text, optional."),
        ]
        recorded_by: Annotated[
            str, Text(assigned=True, description="The name of the API key that recorded it.")
        ]

        def apply(self, aggregate: Opportunity) -> None:
            aggregate.remember(to_record(self))

    class OpportunityOpened(Event, Aggregate.Created):
        """The first event of every opportunity; it creates it (`POST /v1/opportunities`).
        `external_id` is unique: a second opening with the same one is refused (`409`)."""

        class_version = 2
        title: Annotated[str, Text(description="What is sold.", example="Acme rollout")]
        account: Annotated[str, Text(description="The customer account.", example="Acme Corp")]
        owner: Annotated[
            str,
            Text(required=False, description="The seller; default: the caller.", example="jo"),
        ]
        amount: Annotated[float | None, Amount(required=False, example=48000)]
        currency: Annotated[
            str, Currency(required=False, default="USD", description="ISO 4217.", example="USD")
        ]
        source: Annotated[
            str, Choice(required=False, default="other", options=SOURCES, example="referral")
        ]
        referred_by: Annotated[
            str | None,
            Text(required=False, personal=True, person=True,
                 description="The person who referred it.",
                 example="Kofi Young"),
        ]  # fmt: skip
        referrer_account: Annotated[
            str | None,
            Text(required=False, description="The customer account that referred it.",
                 example="Globex"),
        ]  # fmt: skip
        buying_departments: Annotated[
            list[str],
            Names(required=False, default=(), description="Departments expected to decide.",
                  example=["Finance", "IT", "Operations"]),
        ]  # fmt: skip
        external_id: Annotated[
            str | None,
            Text(required=False, description="Its id in the system it came from; unique.",
                 example="salesforce:006Dn00000A1b2C"),
        ]  # fmt: skip
        expected_close: Annotated[
            date | None, Day(required=False, description="When it should close.",
                             example="2027-03-31")
        ]  # fmt: skip

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            for name in ("referrer_account", "external_id", "expected_close"):
                state.setdefault(name, None)

    class MeetingGained(Event):
        """A small win (rung 1, `meeting`; weight 1). Marks the department `contacted`."""

        contact: Annotated[str, Text(personal=True, person=True, description=PERSON, example="Dana Reyes")]
        department: Annotated[str, Text(description="Their department.", example="IT")]
        kind: Annotated[
            str, Choice(required=False, default="initial", options=MEETING_KINDS, example="initial")
        ]

    class CustomerDataGathered(Event):
        """A small win (rung 2, `customer_data`; weight 1): what was learnt."""

        summary: Annotated[
            str, Prose(free_text=True, example="Three plants, manual scheduling")
        ]

    class StakeholderBoughtIn(Event):
        """A small win (weight 2; 3 for `decision_maker` or `economic_buyer`). Two distinct
        stakeholders bought in reach rung 3, `decision_makers`. Marks the department
        `bought_in`, or `decision_maker` for those two roles. Stakeholders are distinct by
        name."""

        stakeholder: Annotated[str, Text(personal=True, person=True, description=PERSON, example="Sam Ortiz")]
        department: Annotated[str, Text(description="Their department.", example="Finance")]
        role: Annotated[str, Choice(options=ROLES, example="economic_buyer")]
        title: Annotated[
            str | None, Text(required=False, personal=True, description="Their job title.",
                             example="CFO")
        ]  # fmt: skip

    class DemoScheduled(Event):
        """A small win (rung 4, `demo`; weight 2). `scheduled_for` may be in the future."""

        scheduled_for: Annotated[
            datetime, Instant(description="When the demo is.", example="2026-12-10T15:00:00Z")
        ]
        attendees: Annotated[
            list[str],
            Names(required=False, default=(), personal=True, person=True,
                  example=["Dana Reyes", "Sam Ortiz"]),
        ]

    class VerbalCommitment(Event):
        """A small win (rung 5, `verbal_commitment`; weight 3). Its amount, when given,
        becomes the deal's amount."""

        stakeholder: Annotated[str, Text(personal=True, person=True, description=PERSON, example="Sam Ortiz")]
        amount: Annotated[float | None, Amount(required=False, example=50000)]

    class Paused(Event):
        """The customer asked to wait. Needs `open`; `resume_on` may not be before the pause
        itself (`422`). While paused the deal is not stalled and its momentum does not
        decay (paused time is not active time); its `resume_point` is kept."""

        reason: Annotated[str, Prose(free_text=True, example="Wants to wait until next quarter")]
        resume_on: Annotated[
            date | None, Day(required=False, description="When to come back.", example="2027-01-15")
        ]

    class Resumed(Event):
        """Needs `paused`. The deal continues at its `resume_point`, the furthest rung it
        reached, and names the `next_small_win`."""

    class InteractionPlanned(Event):
        """A planned call, meeting or message: who, why, how, what to ask for (the
        commitment objective) and when. Allowed while paused. The server assigns
        `interaction_id` (returned in `open_interactions`). `planned_for` may be in the future
        but not before the opening. Marks the department `contacted`. Events stored before
        `planned_for` existed read it as `null`."""

        class_version = 2
        interaction_id: Annotated[str, Text(assigned=True, description="Assigned by the server.")]
        contact: Annotated[str, Text(personal=True, person=True, description=PERSON, example="Dana Reyes")]
        department: Annotated[str, Text(description="Their department.", example="IT")]
        channel: Annotated[str, Choice(options=CHANNELS, example="video")]
        purpose: Annotated[
            str, Prose(free_text=True, description="Why.",
                      example="Walk through the pilot results")
        ]  # fmt: skip
        commitment_objective: Annotated[
            str | None,
            Prose(required=False, free_text=True,
                 description="What the customer should commit to.",
                 example="Agree to a proposal meeting"),
        ]  # fmt: skip
        planned_for: Annotated[
            datetime | None,
            Instant(required=False, description="When it should happen.",
                    example="2026-12-08T10:00:00Z"),
        ]  # fmt: skip

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("planned_for", None)

    class InteractionRescheduled(Event):
        """An open interaction (planned, neither completed nor cancelled; `409` otherwise)
        moves to another time, not before the opening. Allowed while paused. A reschedule
        recorded after the time it replaced had passed is a slip."""

        interaction_id: Annotated[str, Text(example="5b0c6a9e-1f3c-4a8e-9a53-2f4f1d0c7e21")]
        planned_for: Annotated[datetime, Instant(example="2026-12-11T10:00:00Z")]
        reason: Annotated[str | None, Prose(free_text=True, required=False, example="Dana is away")]

    class InteractionCancelled(Event):
        """An open interaction (`409` otherwise) will not happen. Allowed while paused."""

        interaction_id: Annotated[str, Text(example="5b0c6a9e-1f3c-4a8e-9a53-2f4f1d0c7e21")]
        reason: Annotated[str, Prose(free_text=True, example="The customer declined the call")]

    class InteractionCompleted(Event):
        """The outcome of an open interaction (`409` otherwise). A small win (weight 1) when
        the commitment was gained."""

        interaction_id: Annotated[str, Text(example="5b0c6a9e-1f3c-4a8e-9a53-2f4f1d0c7e21")]
        commitment_gained: Annotated[bool, Flag(example=True)]
        outcome: Annotated[
            str | None,
            Prose(required=False, free_text=True, example="Proposal meeting booked"),
        ]

    class ClosedWon(Event):
        """Closes the deal as won; afterwards only `Reopened` and `EventRetracted` can be
        recorded. Allowed while paused. Its amount, when given, becomes the deal's amount."""

        amount: Annotated[float | None, Amount(required=False, example=52000)]

    class ClosedLost(Event):
        """Closes the deal as lost; afterwards only `Reopened` and `EventRetracted` can be
        recorded. Allowed while paused. Qualifying out (`no_fit`) is a legitimate outcome."""

        reason: Annotated[str, Choice(options=LOSS_REASONS, example="competitor")]

    class DetailsChanged(Event):
        """Some of the deal's details change: at least one field, each different from its
        current value (`422` otherwise). Allowed while paused. Moving `expected_close` later
        counts in `close_date_pushes`."""

        title: Annotated[str | None, Text(required=False, example="Acme rollout, phase 1")]
        amount: Annotated[float | None, Amount(required=False, example=60000)]
        currency: Annotated[str | None, Currency(required=False, example="EUR")]
        owner: Annotated[str | None, Text(required=False, example="lee")]
        expected_close: Annotated[date | None, Day(required=False, example="2027-04-30")]
        buying_departments: Annotated[
            list[str] | None, Names(required=False, example=["Finance", "IT"])
        ]
        referrer_account: Annotated[str | None, Text(required=False, example="Globex")]

    class EventRetracted(Event):
        """An earlier event is taken back, with a reason: every derived value is computed as
        if it had never been recorded; the history still lists it, with `retracted_by`.
        Allowed whatever the status. Not the opening, not a retraction, not one already taken
        back (`422`/`409`), and not one a later event depends on (a `Paused` a later `Resumed`
        follows, a planned interaction a later event refers to, ...: `409`)."""

        version: Annotated[int, Count(minimum=1, description="The event taken back.", example=4)]
        reason: Annotated[str, Prose(free_text=True, example="Recorded on the wrong deal")]

    class Reopened(Event):
        """A won or lost deal is open again (`409` on any other status); `closed_at` becomes
        `null`. Closed again later, it counts in the analysis by its last close."""

        reason: Annotated[str, Prose(free_text=True, example="The customer came back")]

    class Snapshot(AggregateSnapshot):
        """The deal's state as a document (domain.snapshots), not its events: loaded from
        a snapshot, an opportunity has no `history` until something needs it whole."""

        @classmethod
        def take(cls, aggregate: Any) -> Opportunity.Snapshot:
            return cls(
                originator_id=aggregate.id,
                originator_version=aggregate.version,
                timestamp=cls.create_timestamp(),
                topic=get_topic(type(aggregate)),
                state={
                    "created_on": aggregate.created_on,
                    "modified_on": aggregate.modified_on,
                    "deal": document(aggregate.deal),
                },
            )

        def mutate(self, _: Any) -> Opportunity:
            deal = restore(self.state["deal"])
            if deal is None:  # a snapshot of another format: load the events instead
                raise HistoryNeeded
            opportunity = object.__new__(Opportunity)
            vars(opportunity).update(
                _id=self.originator_id,
                _version=self.originator_version,
                _created_on=self.state["created_on"],
                _modified_on=self.state["modified_on"],
                _pending_events=[],
                history=None,
                state=deal,
            )
            return opportunity

    def __init__(self) -> None:
        # OpportunityOpened.mutate calls this, then the event's apply() remembers it.
        self.history: list[EventRecord] | None = []  # None: loaded from a snapshot
        self.state: DealState | None = None

    def remember(self, record: EventRecord) -> None:
        if self.history is not None:
            self.history.append(record)
        if self.state is None:
            self.state = DealState(record)
        elif record.type == EVENT_RETRACTED:
            if self.history is None:
                raise HistoryNeeded
            self.state = advance(self.state, record, self.history)
        else:
            self.state.add(record)

    @property
    def deal(self) -> DealState:
        if self.state is None:
            msg = "the opportunity has no events"
            raise RuntimeError(msg)
        return self.state

    # --- commands --------------------------------------------------------------------

    @classmethod
    def open(
        cls, stamp: Stamp, fields: Mapping[str, Any], *, opportunity_id: UUID | None = None
    ) -> Opportunity:
        recorded_by = _who(stamp)
        data = clean(cls.OpportunityOpened, fields)
        if data["owner"] is None and fields.get("owner") is not None:
            raise InvalidValue("owner", "may not be empty (leave it out to own the deal)")
        data["owner"] = data["owner"] or recorded_by
        return cls._create(
            cls.OpportunityOpened,
            id=opportunity_id or time_ordered_id(millis_of(stamp.now)),
            timestamp=stamp.now,
            occurred_at=occurred_at(stamp.occurred_at, stamp.now, None),
            note=_note(stamp),
            recorded_by=recorded_by,
            **data,
        )

    def record(self, event_type: str, stamp: Stamp, fields: Mapping[str, Any]) -> None:
        """Record one event of `event_type` (not the opening) with these fields."""
        event_class = EVENTS.get(event_type)
        if event_class is None or event_type == OPENED:
            raise InvalidValue("type", f"{event_type!r} cannot be recorded on an opportunity")
        data = clean(event_class, fields)
        deal = self.deal
        lifecycle.check(deal.lifecycle.status, event_type)
        when = occurred_at(stamp.occurred_at, stamp.now, deal.lifecycle.opened_at)
        rule = _RULES.get(event_type)
        if rule is not None:
            rule(self, data, when, fields)
        self.trigger_event(
            event_class,
            timestamp=stamp.now,
            occurred_at=when,
            note=_note(stamp),
            recorded_by=_who(stamp),
            **data,
        )

    # --- the rules of single event types ----------------------------------------------

    def _paused(self, data: dict[str, Any], when: datetime, _given: Mapping[str, Any]) -> None:
        resume_on = data.get("resume_on")
        if resume_on is not None and resume_on < when.date():
            raise InvalidValue("resume_on", "may not be before the pause itself")

    def _planned(self, data: dict[str, Any], _when: datetime, given: Mapping[str, Any]) -> None:
        data["interaction_id"] = given.get("interaction_id") or str(uuid4())
        self._not_before_opening(data.get("planned_for"))

    def _follow_up(self, data: dict[str, Any], _when: datetime, _given: Mapping[str, Any]) -> None:
        wanted = data["interaction_id"]
        state = self.deal.plans.state_of(wanted)
        if state is None:
            raise InteractionNotOpen(f"no interaction {wanted} was planned on this opportunity")
        if state != "open":
            raise InteractionNotOpen(f"interaction {wanted} is already {state}")
        self._not_before_opening(data.get("planned_for"))

    def _details(self, data: dict[str, Any], _when: datetime, _given: Mapping[str, Any]) -> None:
        given = {name: data[name] for name in CHANGEABLE if data.get(name) is not None}
        if not given:
            raise InvalidValue("DetailsChanged", f"change at least one of {', '.join(CHANGEABLE)}")
        profile = self.deal.profile
        same = [name for name, value in given.items() if profile.unchanged(name, value)]
        if same:
            raise InvalidValue(same[0], "is already this value: a change must change something")

    def _retracted(self, data: dict[str, Any], _when: datetime, _given: Mapping[str, Any]) -> None:
        if self.history is None:
            raise HistoryNeeded
        check_retraction(self.history, data["version"])

    def _not_before_opening(self, moment: datetime | None) -> None:
        opened_at = self.deal.lifecycle.opened_at
        if moment is not None and opened_at is not None and moment < opened_at:
            raise InvalidValue("planned_for", "may not be before the opportunity was opened")


def _who(stamp: Stamp) -> str:
    return str(Text().clean(stamp.recorded_by, "recorded_by"))


def _note(stamp: Stamp) -> str | None:
    note: str | None = Prose(required=False).clean(stamp.note, "note")
    return note


OPENED = Opportunity.OpportunityOpened.__name__
EVENTS: dict[str, type[Opportunity.Event]] = recordable(Opportunity)
_RULES = {
    "Paused": Opportunity._paused,
    "InteractionPlanned": Opportunity._planned,
    "InteractionRescheduled": Opportunity._follow_up,
    "InteractionCancelled": Opportunity._follow_up,
    "InteractionCompleted": Opportunity._follow_up,
    "DetailsChanged": Opportunity._details,
    "EventRetracted": Opportunity._retracted,
}
