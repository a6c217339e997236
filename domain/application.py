"""The application service: loads, decides and saves Opportunity aggregates on an
eventsourcing Application that is given its storage (the environment says which
persistence module and transcoder; the domain names none). One attempt per call: retrying
after another writer won is the one policy of the batching writer that calls it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    EventStore,
    JSONTranscoder,
    RecordConflictError,
    StoredEvent,
    Transcoding,
)
from eventsourcing.utils import Environment, resolve_topic

from domain.batches import runs
from domain.errors import (
    DuplicateExternalId,
    HistoryNeeded,
    OpportunityNotFound,
    VersionConflict,
)
from domain.ids import as_uuid
from domain.opportunity import EVENTS, Opportunity, Stamp, record_from_state, to_record
from domain.records import EventRecord
from domain.seller import Seller, seller_id

Clock = Callable[[], datetime]
SNAPSHOT_INTERVAL = 200  # events between an opportunity's snapshots
HISTORIES_BATCH = 500  # deals whose histories are read together (`Opportunities.histories`)
HISTORIES_EVENTS = 20_000  # and about how many of their events, at most
log = logging.getLogger("smallwins.domain")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Written:
    """What a successful write reports: which opportunity, its new version, the log
    position, its state (the aggregate's own: read it before the next write of it), and
    that state as presented by whoever asked."""

    opportunity_id: UUID  # (a seller's id, for goals)
    version: int
    position: int
    state: Any  # a DealState (for goals: the seller's goals, a tuple)
    presented: Any = None


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def fold(aggregate: Any, events: Iterable[Any]) -> Any:
    """Each event applied to what the one before it left: the library's
    `project_aggregate` without its check, for every event, that the event can mutate an
    aggregate. That check is a runtime protocol `isinstance`, about 13 µs an event on
    Python 3.11 (the protocol's members are gathered again on each call), which made a
    quarter of a cold deal's load; every event folded here is one the mapper decoded
    from the deal's own stored events."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def prepare_batch(mapper: Any, stored: Sequence[StoredEvent]) -> None:
    """Tell a mapper that can be told (`PersonalMapper.prepare`) a batch it will decode."""
    prepare = getattr(mapper, "prepare", None)
    if prepare is not None:
        prepare(stored)


class PreparingEventStore(EventStore[UUID]):
    """The library's event store, with the mapper told each aggregate's stored events
    before they are decoded (`records_of`'s one look-up of what a batch needs, e.g. the
    keys of the people it names): loading a deal asks once, not once per person."""

    def get(
        self,
        originator_id: UUID,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Iterator[Any]:
        stored = self.recorder.select_events(
            originator_id=originator_id, gt=gt, lte=lte, desc=desc, limit=limit
        )
        prepare_batch(self.mapper, stored)
        return map(self.mapper.to_domain_event, stored)


class Opportunities(Application[UUID]):
    """Loads, decides and saves Opportunity aggregates. Every SNAPSHOT_INTERVAL events an
    opportunity's state is kept as a snapshot, so loading a long history reads the latest
    snapshot and the events after it."""

    name = "smallwins"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Opportunity: SNAPSHOT_INTERVAL}

    def __init__(self, env: Mapping[str, str] | None = None, clock: Clock = utc_now) -> None:
        super().__init__(dict(env or {}))
        self.clock = clock

    def construct_env(self, name: str, env: Any = None) -> Environment:
        """Only the environment the application is given: the library would also read the
        process's, where SMALLWINS_* settings (named like this application) would win over
        what storage passed (the integrity key, the pool sizes, ...)."""
        given: dict[str, str] = dict(type(self).env)
        if type(self).snapshotting_intervals:
            given["IS_SNAPSHOTTING_ENABLED"] = "y"
        given.update(env or {})
        return Environment(name, given)

    def construct_event_store(self) -> EventStore[UUID]:
        return PreparingEventStore(mapper=self.mapper, recorder=self.recorder)

    def construct_snapshot_store(self) -> EventStore[UUID]:
        recorder = self.factory.aggregate_recorder(purpose="snapshots")
        return PreparingEventStore(mapper=self.mapper, recorder=recorder)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # --- deciding -------------------------------------------------------------------

    def open(
        self,
        *,
        recorded_by: str,
        fields: Mapping[str, Any],
        occurred_at: datetime | None = None,
        note: str | None = None,
        opportunity_id: UUID | None = None,
    ) -> Written:
        """Open one opportunity and save it (one attempt). An external_id another
        opportunity has is a DuplicateExternalId, before saving or (another process took
        it meanwhile) after the save's conflict."""
        stamp = Stamp(recorded_by, self.clock(), occurred_at, note)
        opened = Opportunity.open(stamp, fields, opportunity_id=opportunity_id)
        external_id = opened.deal.profile["external_id"]
        if external_id:
            self.refuse_taken([external_id])
        try:
            return self._save(opened)
        except RecordConflictError:
            if external_id:
                self.refuse_taken([external_id])
            raise

    def external_id_owners(self, external_ids: list[str]) -> dict[str, str]:
        """Which of these external ids other opportunities were opened with (by id), as
        the recorder's index of them says (a recorder without one knows none)."""
        lookup = getattr(self.recorder, "external_id_owners", None)
        if lookup is None or not external_ids:
            return {}
        found: dict[str, str] = lookup(external_ids)
        return found

    def refuse_taken(self, external_ids: list[str]) -> None:
        taken = self.external_id_owners(external_ids)
        if taken:
            external_id, owner = next(iter(taken.items()))
            raise DuplicateExternalId(external_id, owner)

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
        """Record one event on the stored opportunity (one attempt): a clash with another
        writer is a VersionConflict."""
        opportunity = self.load(opportunity_id)
        if expected_version is not None and opportunity.version != expected_version:
            raise VersionConflict(expected_version, opportunity.version)
        stamp = Stamp(recorded_by, self.clock(), occurred_at, note)
        try:
            opportunity.record(event_type, stamp, fields)
        except HistoryNeeded:
            opportunity = self.load_whole(opportunity_id)
            opportunity.record(event_type, stamp, fields)
        try:
            return self._save(opportunity)
        except RecordConflictError:
            raise VersionConflict(opportunity.version - 1, opportunity.version) from None

    def set_goals(
        self,
        owner: str,
        *,
        recorded_by: str,
        fields: Mapping[str, Any],
        occurred_at: datetime | None = None,
    ) -> Written:
        """Record a seller's weekly goals (one attempt), registering the seller first."""
        stamp = Stamp(recorded_by, self.clock(), occurred_at, None)
        seller = self.seller(owner) or Seller.register(stamp, owner)
        seller.set_goals(stamp, fields)
        try:
            recordings = self.save(seller)
        except RecordConflictError:
            raise VersionConflict(seller.version - 1, seller.version) from None
        position = max((r.notification.id for r in recordings), default=0)
        return Written(seller.id, seller.version, position, tuple(seller.goals))

    def seller(self, owner: str) -> Seller | None:
        """The owner's Seller aggregate, or None when no goals were ever set for them."""
        try:
            found: object = self.repository.get(seller_id(owner), projector_func=fold)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, Seller) else None

    def _save(self, opportunity: Opportunity) -> Written:
        recordings = self.save(opportunity)
        position = max((r.notification.id for r in recordings), default=0)
        return Written(opportunity.id, opportunity.version, position, opportunity.deal)

    # --- reading --------------------------------------------------------------------

    def load(self, opportunity_id: UUID, version: int | None = None) -> Opportunity:
        """The opportunity (from its latest snapshot and the events after it, or whole
        when a retraction among them needs the history)."""
        try:
            opportunity: object = self.repository.get(
                opportunity_id, version=version, projector_func=fold
            )
        except AggregateNotFoundError:
            raise OpportunityNotFound(str(opportunity_id)) from None
        except HistoryNeeded:
            opportunity = self.load_whole(opportunity_id, version)
        if not isinstance(opportunity, Opportunity):
            raise OpportunityNotFound(str(opportunity_id))
        return opportunity

    def load_whole(self, opportunity_id: UUID, version: int | None = None) -> Opportunity:
        """The opportunity replayed from every one of its events (its history kept)."""
        events = self.events.get(opportunity_id, lte=version)
        opportunity = fold(None, events)
        if not isinstance(opportunity, Opportunity):
            raise OpportunityNotFound(str(opportunity_id))
        return opportunity

    def take_snapshot(
        self, aggregate_id: UUID, version: int | None = None, projector_func: Any = None
    ) -> None:
        """A snapshot of the opportunity at `version` (loaded whole if it must be)."""
        del projector_func  # the opportunity knows how to load itself
        if self.snapshots is not None:
            self.snapshots.put([Opportunity.Snapshot.take(self.load(aggregate_id, version))])

    def _take_snapshots(self, processing_event: Any) -> None:
        """Snapshots are a cache: the events are already committed when they are taken, so
        failing to take one must not fail the write."""
        try:
            super()._take_snapshots(processing_event)
        except Exception:
            log.warning("could not take a snapshot", exc_info=True)

    def record_of(self, stored: StoredEvent) -> EventRecord:
        """The record of a stored event, decoded as the mapper decodes it (older versions
        of an event upcast) but without building the domain event object in between: for
        reading the log in bulk."""
        mapper = self.mapper
        if mapper.cipher or mapper.compressor:
            return to_record(mapper.to_domain_event(stored))
        event_class = resolve_topic(stored.topic)
        state = mapper.transcoder.decode(stored.state)
        upcast(event_class, state)
        return record_from_state(event_class, stored.originator_version, state)

    def records_of(self, stored: Sequence[StoredEvent]) -> list[EventRecord]:
        """`record_of` for a batch, the mapper first told the whole batch (one look-up of
        whatever it needs for all of them, e.g. the keys of the people they name)."""
        prepare_batch(self.mapper, stored)
        return [self.record_of(s) for s in stored]

    def history(
        self, opportunity_id: UUID, *, as_of: datetime | None = None, version: int | None = None
    ) -> list[EventRecord]:
        """The recorded events, optionally only those recorded by `as_of` or up to `version`."""
        stored = self.recorder.select_events(originator_id=opportunity_id, lte=version)
        records = self.records_of(stored)
        if as_of is not None:
            records = [r for r in records if r.recorded_at <= as_of]
        if not records or records[0].type not in EVENTS:
            raise OpportunityNotFound(str(opportunity_id))
        return records

    def histories(self, versions: Mapping[Any, int]) -> Iterator[tuple[Any, list[EventRecord]]]:
        """Several deals' records, each up to its version, keyed as `versions` is: by the
        ids as the log gives them (`select_log`). Read a few deals at a time (at most
        HISTORIES_BATCH, and about HISTORIES_EVENTS events by their versions), in one query
        each where the recorder can (`select_histories`), else deal by deal."""
        select = getattr(self.recorder, "select_histories", None)
        for chunk in runs(versions.items(), HISTORIES_BATCH, HISTORIES_EVENTS):
            if select is not None:
                stored = [
                    s for s in select(chunk) if s.originator_version <= versions[s.originator_id]
                ]
            else:
                stored = [
                    StoredEvent(key, s.originator_version, s.topic, s.state)
                    for key in chunk
                    for s in self.recorder.select_events(as_uuid(key), lte=versions[key])
                ]
            records = self.records_of(stored)
            start = 0
            for end in range(1, len(stored) + 1):
                if end == len(stored) or stored[end].originator_id != stored[start].originator_id:
                    yield stored[start].originator_id, records[start:end]
                    start = end


def upcast(event_class: type, state: dict[str, Any]) -> None:
    """Bring a stored event's state up to its class's version, as the library's mapper
    does (`upcast_vN_vN+1` static methods on the class)."""
    version = state.pop("class_version", 1)
    wanted = getattr(event_class, "class_version", 1)
    while version < wanted:
        getattr(event_class, f"upcast_v{version}_v{version + 1}")(state)
        version += 1
