"""Group commit: concurrent commands are coalesced into one transaction per batch.

One writer thread takes every command queued so far, runs each against the opportunity as
left by the commands before it in the batch (so the batch means the same as running them
one by one), and saves all changed opportunities in one transaction. A command that breaks
a rule fails alone; the others are saved. Nobody is answered before the transaction
commits; if it fails, everybody in the batch gets the failure and nothing was recorded.

Commands run against the writer's own copies (`storage.copies`), without reading the store
first. If another process wrote one of the opportunities meanwhile, the save fails on the
version clash: the writer reads what was written since from the log and runs the batch
again (after a few clashes, it runs the commands one by one on fresh state). A command
that failed on a copy is re-checked the same way before its failure is reported.

An opening's external_id is unique: the batch looks its openings' ids up in the store's
index (one query) and refuses one already taken, or claimed earlier in the batch, with
DuplicateExternalId (that command alone). Another process taking it between the look-up and
the commit makes the commit fail on the index's key, a clash like any other: the batch runs
again and its look-up then finds the id."""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import RecordConflictError

from domain.application import Opportunities, Written
from domain.errors import (
    DuplicateExternalId,
    InvalidValue,
    OpportunityNotFound,
    VersionConflict,
)
from domain.opportunity import EVENTS, OPENED, Opportunity, Stamp
from domain.records import EVENT_RETRACTED
from domain.seller import Seller, seller_id
from domain.state import DealState
from storage.copies import Copies

log = logging.getLogger("smallwins.writer")
ATTEMPTS = 3  # runs of a batch that may clash with other writers before going one by one
ALONE_ATTEMPTS = 50  # then runs of each unconditional command, each on freshly loaded state
Present = Callable[[UUID, DealState, datetime], Any]


@dataclass(slots=True)
class Command:
    recorded_by: str
    fields: Mapping[str, Any]
    occurred_at: datetime | None
    note: str | None
    opportunity_id: UUID | None = None  # None: open a new opportunity (or set goals)
    event_type: str | None = None
    expected_version: int | None = None
    seller: str | None = None  # set goals for this owner
    new_id: UUID | None = None  # the id to open with (default: one drawn when it runs)
    future: Future[Written] = field(default_factory=Future)


Outcome = tuple[UUID, int, Any, Any] | Exception  # (id, version, state, presented)


@dataclass(slots=True)
class Batch:
    """Commands run in memory: each one's outcome, and what has to be saved."""

    commands: list[Command]
    now: datetime
    outcomes: list[Outcome] = field(default_factory=list)
    touched: dict[UUID, Any] = field(default_factory=dict)  # changed by the batch
    loaded: dict[UUID, Any] = field(default_factory=dict)  # read from the store
    copied: dict[UUID, int] = field(default_factory=dict)  # taken from our copies, by version
    doubtful: set[UUID] = field(default_factory=set)  # a command failed on one of our copies
    taken: dict[str, str] = field(default_factory=dict)  # external ids in the store: owners


class GroupCommitWriter:
    def __init__(
        self,
        app: Opportunities,
        *,
        max_batch: int = 256,
        cache_size: int = 10_000,
        observe_batch: Callable[[int], None] | None = None,
        present: Present | None = None,
    ) -> None:
        self.app = app
        self.present = present
        self.max_batch = max_batch
        self.observe_batch = observe_batch
        self._queue: queue.SimpleQueue[Command | None] = queue.SimpleQueue()
        self._copies = Copies(app, cache_size)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._generation = -1  # of the people's erasures (see _follow_erasures)

    # --- submitting ---------------------------------------------------------------------

    def open(
        self,
        *,
        recorded_by: str,
        fields: Mapping[str, Any],
        occurred_at: datetime | None = None,
        note: str | None = None,
        opportunity_id: UUID | None = None,
    ) -> Future[Written]:
        """Open an opportunity, with this id if given (an importer that records its events
        right after, without waiting)."""
        return self._submit(Command(recorded_by, fields, occurred_at, note, new_id=opportunity_id))

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
    ) -> Future[Written]:
        if event_type not in EVENTS or event_type == OPENED:
            failed: Future[Written] = Future()
            failed.set_exception(
                InvalidValue("type", f"{event_type!r} cannot be recorded on an opportunity")
            )
            return failed
        return self._submit(
            Command(
                recorded_by, fields, occurred_at, note, opportunity_id, event_type, expected_version
            )
        )

    def set_goals(
        self,
        owner: str,
        *,
        recorded_by: str,
        fields: Mapping[str, Any],
        occurred_at: datetime | None = None,
    ) -> Future[Written]:
        """Record a GoalsSet on the owner's Seller aggregate (registered on first use)."""
        return self._submit(Command(recorded_by, fields, occurred_at, None, seller=owner))

    def _submit(self, command: Command) -> Future[Written]:
        if self._thread is None:
            self.start()
        self._queue.put(command)
        return command.future

    # --- the writer thread --------------------------------------------------------------

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="smallwins-writer", daemon=True
                )
                self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    def _loop(self) -> None:
        last_size = 1
        while True:
            first = self._queue.get()
            if first is None:
                return
            if last_size > 1:
                # Concurrent clients: give the threads answered by the last batch a moment
                # (time.sleep(0) lets them take the GIL) to submit their next commands, so
                # that those join this batch instead of alternating between half batches.
                time.sleep(0)
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(more)
            last_size = len(batch)
            try:
                self.write_batch(batch)
            except BaseException as error:
                log.exception("write batch failed")
                for command in batch:
                    if not command.future.done():
                        command.future.set_exception(error)

    # --- one batch ----------------------------------------------------------------------

    def write_batch(self, commands: list[Command]) -> None:
        """Run a batch and commit it in one transaction (public for tests and benchmarks)."""
        if self.observe_batch is not None:
            self.observe_batch(len(commands))
        for _attempt in range(ATTEMPTS):
            batch = self._run(commands)
            if batch.doubtful:
                # Some commands failed on our copies: are they still current?
                moved = self._copies.catch_up(known=batch.copied, force=True)
                if moved & (batch.doubtful | batch.touched.keys()):
                    self._copies.drop(batch.touched.keys() | moved)
                    continue
            positions: dict[tuple[UUID, int], int] = {}
            if batch.touched:
                try:
                    recordings = self.app.save(*batch.touched.values())
                except RecordConflictError:
                    # Another process wrote one of these opportunities: a copy was stale.
                    self._copies.drop(batch.touched)
                    self._copies.fell_behind()
                    continue
                except BaseException:
                    self._copies.drop(batch.touched)
                    raise
                self._copies.keep(batch.touched.items())
                for r in recordings:
                    event = r.domain_event
                    positions[event.originator_id, event.originator_version] = r.notification.id
                self._copies.saved(positions.values())
            self._answer(batch, positions)
            return
        self._one_by_one(commands)

    @staticmethod
    def _answer(batch: Batch, positions: dict[tuple[UUID, int], int]) -> None:
        for command, outcome in zip(batch.commands, batch.outcomes, strict=True):
            if isinstance(outcome, Exception):
                command.future.set_exception(outcome)
            else:
                opportunity_id, version, state, presented = outcome
                position = positions[opportunity_id, version]
                command.future.set_result(
                    Written(opportunity_id, version, position, state, presented)
                )

    def _run(self, commands: list[Command]) -> Batch:
        self._follow_erasures()
        self._copies.catch_up()
        batch = Batch(commands, self.app.clock())
        batch.taken = self.app.external_id_owners(_external_ids(commands))
        for command in commands:
            try:
                opportunity = self._decide(command, batch)
            except Exception as error:  # noqa: BLE001 (the command's own outcome)
                if command.opportunity_id in batch.copied:
                    batch.doubtful.add(command.opportunity_id)
                batch.outcomes.append(error)
                continue
            batch.touched[opportunity.id] = opportunity
            if isinstance(opportunity, Seller):
                goals = tuple(opportunity.goals)
                batch.outcomes.append((opportunity.id, opportunity.version, goals, None))
                continue
            state = opportunity.deal
            presented = self.present(opportunity.id, state, batch.now) if self.present else None
            batch.outcomes.append((opportunity.id, opportunity.version, state, presented))
        self._copies.keep((i, o) for i, o in batch.loaded.items() if i not in batch.touched)
        return batch

    def _follow_erasures(self) -> None:
        """After an erasure (anywhere), our copies may hold an erased name."""
        people = getattr(self.app, "people", None)
        if people is not None:
            generation = people.generation()
            if generation != self._generation:
                self._copies.forget_all()
                self._generation = generation

    def _decide(self, command: Command, batch: Batch) -> Any:
        stamp = Stamp(command.recorded_by, batch.now, command.occurred_at, command.note)
        if command.seller is not None:
            return self._goals(command.seller, stamp, command.fields, batch)
        if command.opportunity_id is None:
            opened = Opportunity.open(stamp, command.fields, opportunity_id=command.new_id)
            if opened.id in batch.touched:
                msg = f"opportunity {opened.id} is opened twice in one batch"
                raise RecordConflictError(msg)
            external_id = opened.deal.profile["external_id"]
            if external_id:
                owner = batch.taken.get(external_id)
                if owner is not None:
                    raise DuplicateExternalId(external_id, owner)
                batch.taken[external_id] = str(opened.id)  # later openings of the batch
            return opened
        opportunity = self._current(command.opportunity_id, batch)
        if command.expected_version is not None and opportunity.version != command.expected_version:
            raise VersionConflict(command.expected_version, opportunity.version)
        if command.event_type == EVENT_RETRACTED and opportunity.history is None:
            opportunity = self._whole(opportunity, batch)
        opportunity.record(command.event_type or "", stamp, command.fields)
        return opportunity

    def _whole(self, opportunity: Opportunity, batch: Batch) -> Opportunity:
        """The opportunity with its history (loaded from a snapshot, it has none, and a
        retraction needs it): replayed from the store up to what was saved, then the
        batch's own events so far applied again."""
        pending = list(opportunity._pending_events)
        whole = self.app.load_whole(opportunity.id, opportunity.version - len(pending))
        for event in pending:
            event.mutate(whole)
        whole._pending_events = pending
        if opportunity.id in batch.touched:
            batch.touched[opportunity.id] = whole
        else:
            batch.loaded[opportunity.id] = whole
        return whole

    def _goals(self, owner: str, stamp: Stamp, fields: Mapping[str, Any], batch: Batch) -> Seller:
        key = seller_id(owner)
        seller: Seller | None = batch.touched.get(key) or batch.loaded.get(key)
        if seller is None:
            copy = self._copies.get(key)
            if isinstance(copy, Seller):
                seller = copy
                batch.copied[key] = copy.version
        if seller is None:
            seller = self.app.seller(owner)
            if seller is not None:
                batch.loaded[key] = seller
        if seller is None:
            seller = Seller.register(stamp, owner)
        seller.set_goals(stamp, fields)
        return seller

    def _current(self, opportunity_id: UUID, batch: Batch) -> Opportunity:
        """As the batch left it so far, else our copy, else the stored opportunity."""
        seen = batch.touched.get(opportunity_id) or batch.loaded.get(opportunity_id)
        if seen is None:
            copy = self._copies.get(opportunity_id)
            if copy is None:
                seen = batch.loaded[opportunity_id] = self.app.load(opportunity_id)
                self._tell_protector(seen)
            else:
                batch.copied[opportunity_id] = copy.version
                seen = copy
        if not isinstance(seen, Opportunity):  # another aggregate's id (a seller's)
            raise OpportunityNotFound(str(opportunity_id))
        return seen

    def _tell_protector(self, loaded: Any) -> None:
        """The deal's account, for sealing its people's names (so the protector need not
        read the deal's opening from the store again)."""
        protector = getattr(self.app.mapper, "protector", None)
        if protector is not None and isinstance(loaded, Opportunity):
            protector.knows_account(loaded.id, loaded.deal.profile["account"])

    def _one_by_one(self, commands: list[Command]) -> None:
        """Each command on freshly loaded state, saved alone; an unconditional one up to
        ALONE_ATTEMPTS times (after a random pause of up to a few milliseconds, so writers
        that keep clashing fall out of step)."""
        for command in commands:
            for attempt in range(1, ALONE_ATTEMPTS + 1):
                try:
                    written = self._alone(command)
                except VersionConflict as error:
                    if command.expected_version is None and attempt < ALONE_ATTEMPTS:
                        time.sleep(random.uniform(0, 0.002 * min(attempt, 5)))  # noqa: S311
                        continue  # another writer won: decide again on what it left
                    command.future.set_exception(error)
                except Exception as error:  # noqa: BLE001 (the command's own outcome)
                    command.future.set_exception(error)
                else:
                    command.future.set_result(written)
                break

    def _alone(self, command: Command) -> Written:
        app = self.app
        if command.seller is not None:
            written = app.set_goals(
                command.seller, recorded_by=command.recorded_by, fields=command.fields,
                occurred_at=command.occurred_at,
            )  # fmt: skip
            self._copies.drop([written.opportunity_id])
            return written
        if command.opportunity_id is None:
            written = app.open(
                recorded_by=command.recorded_by, fields=command.fields,
                occurred_at=command.occurred_at, note=command.note,
                opportunity_id=command.new_id,
            )  # fmt: skip
        else:
            written = app.record(
                command.opportunity_id, command.event_type or "",
                recorded_by=command.recorded_by, fields=command.fields,
                occurred_at=command.occurred_at, note=command.note,
                expected_version=command.expected_version,
            )  # fmt: skip
        self._copies.drop([written.opportunity_id])
        if self.present is None:
            return written
        presented = self.present(written.opportunity_id, written.state, app.clock())
        return Written(
            written.opportunity_id, written.version, written.position, written.state, presented
        )


def _external_ids(commands: list[Command]) -> list[str]:
    """The external ids the batch's openings carry (trimmed, as the opening cleans them)."""
    wanted = []
    for command in commands:
        if command.opportunity_id is None and command.seller is None:
            value = command.fields.get("external_id")
            if isinstance(value, str) and value.strip():
                wanted.append(value.strip())
    return wanted
