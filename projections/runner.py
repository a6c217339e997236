"""Keeps the views caught up with the event log, exactly once: each batch of events and the
view's new tracking position are written in one transaction, after checking (under a lock)
that no other runner moved the position meanwhile. Polls the log after the tracked
position; on PostgreSQL the recorder's table lock commits positions in order, so polling
never skips an event that commits later with a lower position."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from domain.application import Opportunities
from domain.opportunity import to_record
from domain.records import EventRecord
from projections.codec import dump_records, load_records
from projections.database import Cursor, Database
from projections.tracking import TRACKING_DDL, read_position, write_position
from projections.view import OpportunityView

log = logging.getLogger("smallwins.projections")

RECORDS_DDL = (
    "CREATE TABLE IF NOT EXISTS projection_records ("
    " name TEXT NOT NULL, opportunity_id TEXT NOT NULL, records TEXT NOT NULL,"
    " PRIMARY KEY (name, opportunity_id))"
)


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
        batch_size: int = 500,
        poll_seconds: float = 0.2,
    ) -> None:
        self.app = opportunities
        self.database = database
        self.views = {view.name: view for view in views}
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        with database.transaction() as cursor:
            for statement in (TRACKING_DDL, RECORDS_DDL):
                cursor.execute(statement)
            for view in views:
                for statement in view.ddl:
                    cursor.execute(statement)

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
            positions = {name: read_position(cursor, name) for name in self.views}
        return [Status(n, p, head, max(0, head - p)) for n, p in positions.items()]

    def wait_for(self, position: int, timeout: float, names: Sequence[str] | None = None) -> bool:
        """Block until every named view (default: all) reached `position`, or timeout."""
        self._wake.set()
        deadline = time.monotonic() + timeout
        wanted = list(names or self.views)
        delay = 0.002
        while True:
            with self.database.read() as cursor:
                if all(read_position(cursor, n) >= position for n in wanted):
                    return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    # --- processing -----------------------------------------------------------------

    def run_once(self, name: str) -> int:
        """Apply the next batch to one view; returns how many events it applied."""
        view = self._view(name)
        with self.database.read() as cursor:
            start = read_position(cursor, name)
        notifications = self.app.recorder.select_notifications(
            start=start, limit=self.batch_size, inclusive_of_start=False
        )
        if not notifications:
            return 0
        batch: dict[str, list[EventRecord]] = {}
        for notification in notifications:
            event = self.app.mapper.to_domain_event(notification)
            batch.setdefault(str(notification.originator_id), []).append(to_record(event))
        with self.database.transaction() as cursor:
            if read_position(cursor, name, for_update=self.database.is_postgres) != start:
                return 0  # another runner applied this batch first
            for opportunity_id, new in batch.items():
                records = self._extend(cursor, name, opportunity_id, new)
                view.project(cursor, opportunity_id, records)
            write_position(cursor, name, notifications[-1].id)
        return len(notifications)

    def _extend(
        self, cursor: Cursor, name: str, opportunity_id: str, new: list[EventRecord]
    ) -> list[EventRecord]:
        cursor.execute(
            "SELECT records FROM projection_records WHERE name = ? AND opportunity_id = ?",
            (name, opportunity_id),
        )
        row = cursor.fetchone()
        records = load_records(row[0]) if row else []
        last = records[-1].version if records else 0
        records.extend(r for r in new if r.version > last)
        cursor.execute(
            "INSERT INTO projection_records (name, opportunity_id, records) VALUES (?, ?, ?)"
            " ON CONFLICT (name, opportunity_id) DO UPDATE SET records = excluded.records",
            (name, opportunity_id, dump_records(records)),
        )
        return records

    def catch_up(
        self, names: Sequence[str] | None = None, progress: Callable[[str, int], Any] | None = None
    ) -> int:
        """Apply everything recorded so far; returns the number of events applied."""
        total = 0
        for name in names or list(self.views):
            while applied := self.run_once(name):
                total += applied
                if progress:
                    progress(name, applied)
        return total

    def rebuild(self, name: str) -> None:
        """Empty one view and its tracking; the runner (or catch_up) refills it from zero."""
        view = self._view(name)
        with self.database.transaction() as cursor:
            read_position(cursor, name, for_update=self.database.is_postgres)
            view.clear(cursor)
            cursor.execute("DELETE FROM projection_records WHERE name = ?", (name,))
            write_position(cursor, name, 0)
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

    def run_forever(self) -> None:
        self._loop()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = sum(self.run_once(name) for name in self.views)
                self.last_error = None
            except Exception as error:
                self.last_error = f"{type(error).__name__}: {error}"
                log.exception("projection batch failed; retrying")
                busy = 0
                self._stop.wait(1.0)
            if not busy:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def _view(self, name: str) -> OpportunityView:
        try:
            return self.views[name]
        except KeyError:
            raise UnknownProjection(name) from None
