"""Group commit: concurrent commands are coalesced into one transaction per batch.

One writer thread takes every command queued so far, runs each against the aggregate as
left by the commands before it in the batch (so the batch means the same as running them
one by one), and saves all touched aggregates in one transaction. A command that breaks a
rule fails alone; the others are saved. Nobody is answered before the transaction commits;
if it fails, everybody in the batch gets the failure and nothing was recorded. If another
process wrote one of the aggregates meanwhile, the batch's commands are re-run one by one
on the fresh state (conditional ones then fail with VersionConflict)."""

from __future__ import annotations

import logging
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import RecordConflictError

from domain.application import COMMANDS, Opportunities, Written
from domain.errors import InvalidValue, VersionConflict
from domain.opportunity import Opportunity, Stamp

log = logging.getLogger("smallwins.writer")


@dataclass(slots=True)
class Command:
    recorded_by: str
    fields: Mapping[str, Any]
    occurred_at: datetime | None
    note: str | None
    opportunity_id: UUID | None = None  # None: open a new opportunity
    event_type: str | None = None
    expected_version: int | None = None
    future: Future[Written] = field(default_factory=Future)


class GroupCommitWriter:
    def __init__(
        self,
        app: Opportunities,
        *,
        max_batch: int = 256,
        cache_size: int = 10_000,
        observe_batch: Callable[[int], None] | None = None,
    ) -> None:
        self.app = app
        self.max_batch = max_batch
        self.observe_batch = observe_batch
        self._queue: queue.SimpleQueue[Command | None] = queue.SimpleQueue()
        # The writer's own copies of recently used aggregates, brought up to date from the
        # store (only events newer than the copy) before every use.
        self._cache: OrderedDict[UUID, Opportunity] = OrderedDict()
        self.cache_size = cache_size
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # --- submitting ---------------------------------------------------------------------

    def open(
        self,
        *,
        recorded_by: str,
        fields: Mapping[str, Any],
        occurred_at: datetime | None = None,
        note: str | None = None,
    ) -> Future[Written]:
        return self._submit(Command(recorded_by, fields, occurred_at, note))

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
        if event_type not in COMMANDS:
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
        while True:
            first = self._queue.get()
            if first is None:
                return
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
            try:
                self.write_batch(batch)
            except BaseException as error:
                log.exception("write batch failed")
                for command in batch:
                    if not command.future.done():
                        command.future.set_exception(error)

    def write_batch(self, batch: list[Command]) -> None:
        """Run a batch and commit it in one transaction (public for tests and benchmarks)."""
        if self.observe_batch is not None:
            self.observe_batch(len(batch))
        now = self.app.clock()
        touched: dict[UUID, Opportunity] = {}
        done: list[tuple[Command, UUID, int, tuple[Any, ...]]] = []
        for command in batch:
            try:
                opportunity = self._run(command, now, touched)
            except Exception as error:  # noqa: BLE001 (the command's own outcome)
                command.future.set_exception(error)
                continue
            touched[opportunity.id] = opportunity
            done.append((command, opportunity.id, opportunity.version, tuple(opportunity.history)))
        if not done:
            return
        try:
            recordings = self.app.save(*touched.values())
        except RecordConflictError:
            self._forget(touched)
            self._one_by_one([command for command, *_ in done])
            return
        except BaseException:
            self._forget(touched)
            raise
        for opportunity_id, opportunity in touched.items():
            self._remember(opportunity_id, opportunity)
        positions = {
            (r.domain_event.originator_id, r.domain_event.originator_version): r.notification.id
            for r in recordings
        }
        for command, opportunity_id, version, history in done:
            position = positions[(opportunity_id, version)]
            command.future.set_result(Written(opportunity_id, version, position, history))

    def _run(
        self, command: Command, now: datetime, touched: dict[UUID, Opportunity]
    ) -> Opportunity:
        stamp = Stamp(command.recorded_by, now, command.occurred_at, command.note)
        if command.opportunity_id is None:
            return Opportunity.open(stamp, **command.fields)
        opportunity = touched.get(command.opportunity_id) or self._current(command.opportunity_id)
        if command.expected_version is not None and opportunity.version != command.expected_version:
            raise VersionConflict(command.expected_version, opportunity.version)
        assert command.event_type is not None  # noqa: S101 (record() always sets it)
        COMMANDS[command.event_type](opportunity, stamp, **command.fields)
        return opportunity

    def _current(self, opportunity_id: UUID) -> Opportunity:
        cached = self._cache.get(opportunity_id)
        if cached is None:
            return self.app.load(opportunity_id)
        for event in self.app.events.get(opportunity_id, gt=cached.version):
            event.mutate(cached)  # type: ignore[attr-defined]  # another process wrote it meanwhile
        self._cache.move_to_end(opportunity_id)
        return cached

    def _forget(self, touched: dict[UUID, Opportunity]) -> None:
        """Drop copies that hold events which were never saved."""
        for opportunity_id in touched:
            self._cache.pop(opportunity_id, None)

    def _remember(self, opportunity_id: UUID, opportunity: Opportunity) -> None:
        self._cache[opportunity_id] = opportunity
        self._cache.move_to_end(opportunity_id)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def _one_by_one(self, commands: list[Command]) -> None:
        for command in commands:
            try:
                if command.opportunity_id is None:
                    written = self.app.open(
                        recorded_by=command.recorded_by, fields=command.fields,
                        occurred_at=command.occurred_at, note=command.note,
                    )  # fmt: skip
                else:
                    assert command.event_type is not None  # noqa: S101
                    written = self.app.record(
                        command.opportunity_id, command.event_type,
                        recorded_by=command.recorded_by, fields=command.fields,
                        occurred_at=command.occurred_at, note=command.note,
                        expected_version=command.expected_version,
                    )  # fmt: skip
            except Exception as error:  # noqa: BLE001 (the command's own outcome)
                command.future.set_exception(error)
            else:
                command.future.set_result(written)
