"""Sweeping with helper processes: the pages of a sweep (`projections.sweep`) are read,
decoded and turned into view rows by a pool of processes, a few pages ahead, while the
runner writes each page's rows and the sweep's progress in order, in its own transactions.
Reading and computing is nearly all of a sweep's work and a page's rows depend on nothing
but its histories, so the processes share it out over the machine's cores.

The helpers only read: every write, lock and check stays with the runner. They are started
with `spawn` (safe from a process running threads) and stopped when the sweep ends. They
run this module's functions only, so they start without the program's main module: a
spawned process imports it again otherwise (the command line's, with everything it
imports), which cost each helper more than half a second, as much as its share of a
small store's sweep, and failed for a program read from stdin."""

from __future__ import annotations

import multiprocessing
import sys
import threading
import types
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from domain.application import Opportunities
from projections.sweep import LogPages, Page
from projections.view import OpportunityView, Others, Rows, changes_of, others_of
from storage.collector import collect_less
from storage.config import StorageConfig
from storage.gateway import Cursor, Database
from storage.people import People
from storage.personal import install_people, texts_opened_when_shown

# Environment the helpers must not inherit: they decode with the app's mapper only and read
# through their own Database; nothing of theirs opens the library's recorders.
_NOT_FOR_HELPERS = ("INTEGRITY_KEY", "POSTGRES_", "SQLITE_")


_STARTING = threading.Lock()  # one helper start at a time in this process (see below)


@contextmanager
def _without_main() -> Iterator[None]:
    """While helpers are started: the main module out of sight (`multiprocessing`'s spawn
    tells a new process to import the main module it finds by name or file; this one has
    neither). Nothing a helper is handed comes from the main module. Under a lock, so two
    runners starting helpers at once (threads of one process) put back the real one."""
    with _STARTING:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            if main is None:
                del sys.modules["__main__"]
            else:
                sys.modules["__main__"] = main


@dataclass(frozen=True, slots=True)
class Job:
    app_class: type[Opportunities]
    env: dict[str, str]
    storage: StorageConfig
    table: str
    views: tuple[OpportunityView, ...]


def job_for(
    app: Opportunities, storage: StorageConfig, table: str, views: Sequence[OpportunityView]
) -> Job:
    env = {k: v for k, v in app.env.items() if not k.startswith(_NOT_FOR_HELPERS)}
    env["PERSISTENCE_MODULE"] = "eventsourcing.popo"
    return Job(type(app), env, storage, table, tuple(views))


@dataclass(frozen=True, slots=True)
class Computed:
    page: Page
    rows: dict[str, Rows]  # view name -> its rows for the page's opportunities
    ids: list[str]
    events: int
    others: Others  # the page's histories of other aggregates (the sellers' goals)


@dataclass(frozen=True, slots=True)
class _Queued:
    head: int
    names: tuple[str, ...]
    page: Page
    future: Future[tuple[dict[str, Rows], list[str], int, Others]]


class SweepPool:
    def __init__(self, job: Job, processes: int, page_size: int, page_events: int) -> None:
        self._log = LogPages(job.table, postgres=job.storage.backend == "postgres")
        self._size = page_size
        self._events = page_events
        self._ahead = 2 * processes
        self._queue: deque[_Queued] = deque()
        self._executor = ProcessPoolExecutor(
            processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(job,),
        )

    def next(self, cursor: Cursor, after: str, head: int, names: Sequence[str]) -> Computed:
        """The rows of the page that starts after `after`, for the views `names`; pages
        further on are handed out meanwhile. `cursor` reads the page boundaries."""
        wanted = tuple(names)
        queued = self._queue[0] if self._queue else None
        if queued and (queued.page.low, queued.head, queued.names) != (after, head, wanted):
            self._drop()  # another runner moved the sweep, or other views: start again here
        self._fill(cursor, after, head, wanted)
        queued = self._queue.popleft()
        rows, ids, events, others = queued.future.result()
        self._fill(cursor, queued.page.high, head, wanted)
        return Computed(queued.page, rows, ids, events, others)

    def _fill(self, cursor: Cursor, after: str, head: int, names: tuple[str, ...]) -> None:
        if self._queue:
            if self._queue[-1].page.last:
                return
            after = self._queue[-1].page.high
        missing = self._ahead - len(self._queue)
        if missing <= 0:
            return
        for page in self._log.pages(cursor, after, head, self._size, missing, self._events):
            with _without_main():  # a submit may start a helper
                future = self._executor.submit(_compute, page, head, names)
            self._queue.append(_Queued(head, names, page, future))

    def _drop(self) -> None:
        for queued in self._queue:
            queued.future.cancel()
        self._queue.clear()

    def close(self) -> None:
        self._drop()
        self._executor.shutdown(wait=True, cancel_futures=True)


# --- in the helper processes ------------------------------------------------------------

_helper: dict[str, Any] = {}


def _start(job: Job) -> None:
    collect_less()
    app = job.app_class(job.env)
    install_people(app, People.open(job.storage, None), writes=False)  # names read back
    _helper.update(
        records_of=app.records_of,
        database=Database(job.storage),
        log=LogPages(job.table, postgres=job.storage.backend == "postgres"),
        views={view.name: view for view in job.views},
    )


def _compute(
    page: Page, head: int, names: Sequence[str]
) -> tuple[dict[str, Rows], list[str], int, Others]:
    database: Database = _helper["database"]
    log: LogPages = _helper["log"]
    with database.read() as cursor, texts_opened_when_shown():  # as the runner reads
        histories, events = log.histories(cursor, page, head, _helper["records_of"])
    views: dict[str, OpportunityView] = _helper["views"]
    changes = changes_of(histories, [views[n] for n in names])
    rows = {name: views[name].rows_of_changes(changes) for name in names}
    return rows, list(changes), events, others_of(histories)
