"""The application service: open, record, and read opportunities on an eventsourcing
Application. Writes return the log position so readers can wait for it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    JSONTranscoder,
    RecordConflictError,
    StoredEvent,
    Transcoding,
)
from eventsourcing.utils import resolve_topic

from domain.errors import InvalidValue, OpportunityNotFound, VersionConflict
from domain.opportunity import Opportunity, Stamp, record_from_state, to_record
from domain.records import EventRecord

Clock = Callable[[], datetime]
MAX_RETRIES = 50

COMMANDS: Mapping[str, Callable[..., Any]] = {
    "MeetingGained": Opportunity.gain_meeting,
    "CustomerDataGathered": Opportunity.gather_customer_data,
    "StakeholderBoughtIn": Opportunity.record_buy_in,
    "DemoScheduled": Opportunity.schedule_demo,
    "VerbalCommitment": Opportunity.commit_verbally,
    "Paused": Opportunity.pause,
    "Resumed": Opportunity.resume,
    "InteractionPlanned": Opportunity.plan_interaction,
    "InteractionCompleted": Opportunity.complete_interaction,
    "ClosedWon": Opportunity.close_won,
    "ClosedLost": Opportunity.close_lost,
}


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Written:
    """What a successful write reports: which opportunity, its new version, the log position."""

    opportunity_id: UUID
    version: int
    position: int
    history: tuple[EventRecord, ...]


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class Opportunities(Application[UUID]):
    """Loads, decides and saves Opportunity aggregates."""

    name = "smallwins"

    def __init__(self, env: Mapping[str, str] | None = None, clock: Clock = utc_now) -> None:
        super().__init__(dict(env or {}))
        self.clock = clock

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def open(
        self,
        *,
        recorded_by: str,
        fields: Mapping[str, Any],
        occurred_at: datetime | None = None,
        note: str | None = None,
    ) -> Written:
        stamp = Stamp(recorded_by, self.clock(), occurred_at, note)
        opportunity = Opportunity.open(stamp, **fields)
        return self._save(opportunity)

    def record(
        self,
        opportunity_id: UUID,
        event_type: str,
        *,
        recorded_by: str,
        fields: Mapping[str, Any],
        occurred_at: datetime | None = None,
        note: str | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Record one event. Conditional (with `expected_version`) writes fail on a
        conflict; unconditional ones are retried on the fresh state, rules re-checked."""
        command = COMMANDS.get(event_type)
        if command is None:
            raise InvalidValue("type", f"{event_type!r} cannot be recorded on an opportunity")
        for _attempt in range(MAX_RETRIES):
            opportunity = self.load(opportunity_id)
            if expected_version is not None and opportunity.version != expected_version:
                raise VersionConflict(expected_version, opportunity.version)
            command(opportunity, Stamp(recorded_by, self.clock(), occurred_at, note), **fields)
            try:
                return self._save(opportunity)
            except RecordConflictError:
                if expected_version is not None:
                    raise VersionConflict(expected_version, expected_version + 1) from None
        msg = f"gave up after {MAX_RETRIES} concurrent conflicts"
        raise VersionConflict(-1, -1) from RuntimeError(msg)

    def _save(self, opportunity: Opportunity) -> Written:
        recordings = self.save(opportunity)
        position = max((r.notification.id for r in recordings), default=0)
        return Written(opportunity.id, opportunity.version, position, tuple(opportunity.history))

    def load(self, opportunity_id: UUID, version: int | None = None) -> Opportunity:
        try:
            opportunity: Opportunity = self.repository.get(opportunity_id, version=version)
        except AggregateNotFoundError:
            raise OpportunityNotFound(str(opportunity_id)) from None
        return opportunity

    def record_of(self, stored: StoredEvent) -> EventRecord:
        """The record of a stored event, decoded as the mapper decodes it but without
        building the domain event object in between: for reading the log in bulk."""
        mapper = self.mapper
        event_class = resolve_topic(stored.topic)
        if mapper.cipher or mapper.compressor or getattr(event_class, "class_version", 1) != 1:
            return to_record(mapper.to_domain_event(stored))
        state = mapper.transcoder.decode(stored.state)
        return record_from_state(event_class, stored.originator_version, state)

    def history(
        self, opportunity_id: UUID, *, as_of: datetime | None = None, version: int | None = None
    ) -> list[EventRecord]:
        """The recorded events, optionally only those recorded by `as_of` or up to `version`."""
        stored = self.recorder.select_events(originator_id=opportunity_id, lte=version)
        records = [self.record_of(s) for s in stored]
        if as_of is not None:
            records = [r for r in records if r.recorded_at <= as_of]
        if not records:
            raise OpportunityNotFound(str(opportunity_id))
        return records
