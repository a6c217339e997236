"""Keeps the views caught up with the event log, exactly once: each batch of events and the
view's new tracking position are written in one transaction, after checking (under a lock)
that no other runner moved the position meanwhile. Polls the log after the tracked
position; on PostgreSQL the recorder's table lock commits positions in order, so polling
never skips an event that commits later with a lower position."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.application import Opportunities
from domain.errors import OpportunityNotFound
from domain.records import EventRecord
from domain.state import DealState
from projections.sweep import SWEEP_EVENTS, LogPages, Page
from projections.sweep_pool import SweepPool, job_for
from projections.tracking import (
    DEFINITIONS_DDL,
    SWEEPS_DDL,
    TRACKING_DDL,
    end_sweep,
    ensure_position,
    reached,
    read_definition,
    read_position,
    read_positions,
    read_sweep,
    write_definition,
    write_position,
    write_sweep,
)
from projections.view import Change, OpportunityView, changes_of, is_opportunity, others_of, play
from storage.gateway import Cursor, Database
from storage.personal import texts_opened_when_shown

log = logging.getLogger("smallwins.projections")
STATISTICS_AFTER = 10_000  # events applied before the views' statistics are refreshed


@dataclass(frozen=True, slots=True)
class Status:
    name: str
    position: int
    head: int
    lag: int


class UnknownProjection(KeyError):
    pass


class ProjectionRunner:
    def __init__(
        self,
        opportunities: Opportunities,
        database: Database,
        views: Sequence[OpportunityView],
        *,
        batch_size: int = 20_000,
        poll_seconds: float = 0.2,
        memory_size: int = 5_000,
        sweep_page: int = 1_000,
        sweep_events: int = SWEEP_EVENTS,
        sweep_processes: int = 0,
        statistics_after: int = STATISTICS_AFTER,
    ) -> None:
        self.app = opportunities
        self.database = database
        self.views = {view.name: view for view in views}
        self.batch_size = batch_size
        self.sweep_page = sweep_page  # opportunities per transaction when sweeping from zero
        self.sweep_events = sweep_events  # ...fewer where their events reach this many
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        # The states of recently projected opportunities, as committed (one per deal: views
        # that stand at another position load theirs from the store).
        self.memory_size = memory_size
        self._memory: OrderedDict[str, DealState] = OrderedDict()
        self._generation = -1  # of the people's erasures (see _follow_erasures)
        self.applied: dict[str, int] = dict.fromkeys(self.views, 0)
        # Events applied since the views' tables last had their statistics refreshed:
        # at the head after `statistics_after` of them and a tenth of the log, they are
        # (storage.statistics).
        self.statistics_after = statistics_after
        self._unanalyzed = 0
        self._table = getattr(opportunities.recorder, "events_table_name", "stored_events")
        self._pages = LogPages(self._table, postgres=database.is_postgres)
        self.sweep_processes = sweep_processes  # helpers reading and computing a sweep's pages
        self._pool: SweepPool | None = None
        with database.transaction() as cursor:
            cursor.execute(TRACKING_DDL)
            cursor.execute(DEFINITIONS_DDL)
            cursor.execute(SWEEPS_DDL)
            for view in views:
                ensure_position(cursor, view.name)
                self._check_definition(cursor, view)

    def _check_definition(self, cursor: Cursor, view: OpportunityView) -> None:
        """Make a view's tables; a view built as something else (another version of its
        rows, other momentum settings) is dropped and made again, so it is rebuilt from the
        log; remember what it is built as."""
        wanted = view.definition()
        stored = read_definition(cursor, view.name)
        if stored == wanted:
            for statement in view.ddl:
                cursor.execute(statement)
            return
        if stored is None and read_position(cursor, view.name) > 0:
            stored = f"{view.name} v1"  # built before definitions were kept: version 1
        if stored is not None and stored != wanted:
            log.warning(
                "view %s was built as %r, not %r: rebuilding it from the log",
                view.name, stored, wanted,
            )  # fmt: skip
            end_sweep(cursor, view.name, 0)
        view.reset(cursor)
        write_definition(cursor, view.name, wanted)

    # --- reading positions ----------------------------------------------------------

    def head(self) -> int:
        return int(self.app.recorder.max_notification_id() or 0)

    def position(self, name: str) -> int:
        self._view(name)
        with self.database.read() as cursor:
            return read_position(cursor, name)

    def statuses(self) -> list[Status]:
        head = self.head()
        with self.database.read() as cursor:
            positions = read_positions(cursor, self.views)
        return [Status(n, p, head, max(0, head - p)) for n, p in positions.items()]

    def wait_for(self, position: int, timeout: float, names: Sequence[str] | None = None) -> bool:
        """Block until every named view (default: all) reached `position`, or timeout."""
        self._wake.set()
        deadline = time.monotonic() + timeout
        wanted = list(names or self.views)
        delay = 0.002
        while True:
            with self.database.read() as cursor:
                if reached(read_positions(cursor, wanted), wanted, position):
                    return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    # --- processing -----------------------------------------------------------------

    def _follow_erasures(self) -> None:
        """After an erasure (anywhere), remembered states may hold an erased name."""
        people = getattr(self.app, "people", None)
        if people is not None:
            generation = people.generation()
            if generation != self._generation:
                self._memory.clear()
                self._generation = generation

    @property
    def events_table(self) -> str:
        return self._table

    def forget(self, opportunity_ids: Sequence[UUID]) -> None:
        """Drop what is remembered of these opportunities (their names changed)."""
        for oid in opportunity_ids:
            self._memory.pop(str(oid), None)

    def run_once(self, name: str) -> int:
        """Apply the next batch to one view; returns how many events it applied."""
        return self.step([name])

    def step(self, names: Sequence[str] | None = None) -> int:
        """Apply the next batch of the log to the named views (default: all) that are
        furthest behind, all of them at once: the batch is read and decoded once, and
        their rows and positions are written in one transaction. Returns how many events
        were applied (0: those views are at the head, or another runner got there first)."""
        wanted = [self._view(n).name for n in (names or list(self.views))]
        with texts_opened_when_shown():  # the views show few of them
            return self._step(wanted)

    def _step(self, wanted: list[str]) -> int:
        self._follow_erasures()
        with self.database.read() as cursor:
            positions = read_positions(cursor, wanted)
        start = min(positions.values())
        group = [n for n in wanted if positions[n] == start]
        if start == 0:
            swept = self._sweep(group)
            if swept is not None:
                return swept
        notifications = self.app.recorder.select_notifications(
            start=start, limit=self.batch_size, inclusive_of_start=False
        )
        if not notifications:
            return 0
        batch: dict[str, list[EventRecord]] = {}
        records = self.app.records_of(notifications)
        for notification, record in zip(notifications, records, strict=True):
            batch.setdefault(str(notification.originator_id), []).append(record)
        views = [self.views[n] for n in group]
        changes: dict[str, Change] = {}
        others: dict[str, list[EventRecord]] = {}
        for oid, new in batch.items():
            change = self._change(oid, new, views)
            if change is None:
                others[oid] = new
            else:
                changes[oid] = change
        applied: list[str] = []
        with self.database.transaction() as cursor:
            for name in group:
                if read_position(cursor, name, for_update=self.database.is_postgres) != start:
                    continue  # another runner applied this batch to this view first
                view = self.views[name]
                view.project(cursor, changes)
                if others:
                    view.project_others(cursor, others)
                write_position(cursor, name, notifications[-1].id)
                applied.append(name)
        self._remember(applied, {oid: c.state for oid, c in changes.items()}, len(notifications))
        return len(notifications) if applied else 0

    def _sweep(self, group: list[str]) -> int | None:
        """The next page of a sweep from zero (see `projections.sweep`) for the views of
        `group` at the same point of the same sweep, or the first page of a new one up to
        the present head. The page's rows and the sweep's progress (at its last page, the
        views' positions) are written in one transaction, under the views' tracking locks,
        so several runners share one sweep, each page applied once, and a sweep cut short
        resumes where it stopped. Returns the events applied; None when the log is not
        longer than a batch (no sweep under way): those are stepped as usual."""
        with self.database.read() as cursor:
            under_way = any(read_sweep(cursor, n) is not None for n in group)
        head = self.head()
        if not under_way and head <= self.batch_size:
            return None
        try:
            with self.database.transaction() as cursor:
                for name in group:
                    if read_position(cursor, name, for_update=self.database.is_postgres) != 0:
                        self._close_pool()
                        return 0  # another runner finished this sweep first
                sweeps = {n: read_sweep(cursor, n) for n in group}
                members = [n for n in group if sweeps[n] == sweeps[group[0]]]
                head, after = sweeps[group[0]] or (head, self._pages.start)
                page, histories, events = self._sweep_page(cursor, after, head, members)
                for name in members:
                    if page.last:
                        end_sweep(cursor, name, head)
                    else:
                        write_sweep(cursor, name, head, page.high)
        except BaseException:
            self._close_pool()  # a helper may be broken; the next page starts a new pool
            raise
        if page.last:
            self._close_pool()
        self._remember(members, histories, events)
        return events or self.step(group)

    def _sweep_page(
        self, cursor: Cursor, after: str, head: int, members: list[str]
    ) -> tuple[Page, dict[str, DealState], int]:
        """Write the rows of the sweep's page after `after`; returns the page, the states
        this process computed for it (none when helpers computed them) and its events."""
        if self._pool is None and self.sweep_processes > 0:
            job = job_for(self.app, self.database.config, self._table, list(self.views.values()))
            self._pool = SweepPool(job, self.sweep_processes, self.sweep_page, self.sweep_events)
        if self._pool is None:
            page = self._pages.pages(cursor, after, head, self.sweep_page, 1, self.sweep_events)[0]
            histories, events = self._pages.histories(cursor, page, head, self.app.records_of)
            views = [self.views[n] for n in members]
            changes = changes_of(histories, views)
            others = others_of(histories)
            for view in views:
                view.project(cursor, changes, fresh=True)
                if others:
                    view.project_others(cursor, others, fresh=True)
            return page, {oid: c.state for oid, c in changes.items()}, events
        try:
            computed = self._pool.next(cursor, after, head, members)
        except BrokenProcessPool:
            log.warning("sweep helper processes failed; this runner sweeps alone from now on")
            self._close_pool()
            self.sweep_processes = 0
            return self._sweep_page(cursor, after, head, members)
        for name in members:
            view = self.views[name]
            view.write_rows(cursor, computed.ids, computed.rows[name], fresh=True)
            if computed.others:
                view.project_others(cursor, computed.others, fresh=True)
        return computed.page, {}, computed.events

    def _close_pool(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def _remember(self, names: Sequence[str], states: dict[str, DealState], events: int) -> None:
        """After the commit, the states just projected become the memory."""
        if names:
            memory = self._memory
            for opportunity_id, state in states.items():
                memory[opportunity_id] = state
                memory.move_to_end(opportunity_id)
            while len(memory) > self.memory_size:
                memory.popitem(last=False)
        for name in names:
            self.applied[name] += events

    def _change(
        self, opportunity_id: str, new: list[EventRecord], views: Sequence[OpportunityView]
    ) -> Change | None:
        """What the batch's records do to the opportunity (None: not an opportunity), from
        its remembered state when that stands right before the batch, else from its state
        as the event store has it (first sight, or another runner applied the batches in
        between): loaded from its latest snapshot and the events after it, so a long
        deal's first event after a restart does not read and decode its whole history. The remembered state is taken out of the memory while it changes, so a
        batch that fails to commit leaves nothing half-applied there."""
        first = new[0].version
        state = self._memory.pop(opportunity_id, None)
        if state is None or state.version != first - 1:
            state = None
            if first > 1:
                try:  # from its latest snapshot and the events after it: O(1) in its length
                    state = self.app.load(UUID(opportunity_id), version=first - 1).deal
                except OpportunityNotFound:
                    return None  # another aggregate's events (a seller's goals)
            elif not is_opportunity(new):
                return None
        key = UUID(opportunity_id)
        return play(state, new, views, lambda version: self.app.history(key, version=version))

    def catch_up(
        self, names: Sequence[str] | None = None, progress: Callable[[str, int], Any] | None = None
    ) -> int:
        """Apply everything recorded so far to the named views (default: all), together;
        returns the number of log events read and applied."""
        wanted = list(names or self.views)
        total = 0
        while True:
            before = dict(self.applied)
            if not self._counted(self.step(wanted)):
                return total
            for name in wanted:
                moved = self.applied[name] - before[name]
                if moved and progress:
                    progress(name, moved)
            total += max(self.applied[n] - before[n] for n in wanted)

    def rebuild(self, name: str) -> None:
        """Empty one view and its tracking; the runner (or catch_up) refills it from zero."""
        view = self._view(name)
        with self.database.transaction() as cursor:
            read_position(cursor, name, for_update=self.database.is_postgres)
            view.clear(cursor)
            end_sweep(cursor, name, 0)
        self._memory.clear()
        self._wake.set()

    # --- the background loop ----------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._loop, name="smallwins-projections", daemon=True
            )
            self._thread.start()

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._close_pool()

    def run_forever(self) -> None:
        self._loop()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self._counted(self.step())
                self.last_error = None
            except Exception as error:
                self.last_error = f"{type(error).__name__}: {error}"
                log.exception("projection batch failed; retrying")
                busy = 0
                self._stop.wait(1.0)
            if not busy:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def _counted(self, applied: int) -> int:
        """`applied`, counted; at the head after many, the views' statistics refreshed."""
        self._unanalyzed += applied
        if (
            not applied
            and self._unanalyzed >= self.statistics_after
            and self._unanalyzed >= self.head() // 10  # as autovacuum's default: a tenth
        ):
            self._unanalyzed = 0
            try:  # statistics help the planner; projecting must go on without them
                self.database.refresh_statistics(
                    [table for view in self.views.values() for table in view.tables]
                )
            except Exception:
                log.warning("could not refresh the views' statistics", exc_info=True)
        return applied

    def _view(self, name: str) -> OpportunityView:
        try:
            return self.views[name]
        except KeyError:
            raise UnknownProjection(name) from None
