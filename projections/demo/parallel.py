"""Telling the stories in worker processes, to use every core: deal i is told by worker
i mod W, which maps its events to stored events with a mapper built like the
application's own; the parent merges the workers' streams by recording order, so the log
is exactly the one a single process would write."""

from __future__ import annotations

import heapq
import multiprocessing
import queue as queues
import signal
import traceback
from collections.abc import Iterator, Mapping
from multiprocessing.process import BaseProcess
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain.application import Opportunities
from projections.demo.telling import told

CHUNK = 2000
# The environment a worker's mapper is built from: the application's, minus storage.
_NOT_FOR_WORKERS = ("INTEGRITY_KEY", "POSTGRES_", "SQLITE_")

Row = tuple[float, int, int, bytes, int, str, bytes, str | None]


class WorkerFailed(RuntimeError):
    """A worker process raised, or died without finishing its stories."""


def _work(
    app_class: type[Opportunities],
    env: Mapping[str, str],
    story: tuple[int, int, float],
    part: tuple[int, int],
    out: Any,
) -> None:
    seed, count, end = story
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which stops us
    try:
        mapper = app_class(env).mapper
        rows: list[Row] = []
        for item in told(seed, count, end, part=part[0], parts=part[1]):
            s = mapper.to_stored_event(item.event)
            rows.append((item.at, item.deal, item.number, cast(UUID, s.originator_id).bytes,
                         s.originator_version, s.topic, s.state, item.status))  # fmt: skip
            if len(rows) >= CHUNK:
                out.put(rows)
                rows = []
        out.put(rows)
        out.put(None)
    except Exception:  # noqa: BLE001 (the parent raises WorkerFailed with this traceback)
        out.put(traceback.format_exc())


def _rows(source: Any, process: BaseProcess) -> Iterator[Row]:
    while True:
        try:
            chunk = source.get(timeout=1.0)
        except queues.Empty:
            if not process.is_alive():
                msg = f"demo worker exited with code {process.exitcode} before it finished"
                raise WorkerFailed(msg) from None
            continue
        if chunk is None:
            return
        if isinstance(chunk, str):
            raise WorkerFailed(chunk)
        yield from chunk


def stored_in_parallel(
    app: Opportunities, seed: int, count: int, end: float, workers: int
) -> Iterator[tuple[StoredEvent, str | None]]:
    """Stored events in recording order, each with the deal's final status if it was the
    deal's last event. Workers are spawned (never forked): a script calling this must guard
    its entry point with `if __name__ == "__main__":`, as multiprocessing requires."""
    context = multiprocessing.get_context("spawn")  # never fork a process with threads
    env = {k: v for k, v in app.env.items() if not k.startswith(_NOT_FOR_WORKERS)}
    env["PERSISTENCE_MODULE"] = "eventsourcing.popo"
    outs = [context.Queue(maxsize=8) for _ in range(workers)]
    processes = [
        context.Process(
            target=_work,
            args=(type(app), env, (seed, count, end), (n, workers), outs[n]),
            name=f"smallwins-demo-{n}",
            daemon=True,
        )
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    try:
        streams = [_rows(out, process) for out, process in zip(outs, processes, strict=True)]
        for row in heapq.merge(*streams):
            yield StoredEvent(UUID(bytes=row[3]), row[4], row[5], row[6]), row[7]
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()
        for out in outs:
            out.close()
