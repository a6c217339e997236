"""Telling the stories in worker processes, to use every core: deal i is told by worker
(i // CIRCLE) mod W (`python -m demo.worker`; demo.order), which maps its events to stored events
with a mapper built like the application's own and links them into their chains (each
deal's chain is that worker's alone); the parent merges the workers' streams by recording
order, so the log is exactly the one a single process would write.

A worker is a fresh interpreter that imports only the domain and the stories (not the
caller's main module, as multiprocessing's spawn would). It reads its job from stdin and
writes pickled chunks of rows to stdout: pickles from our own child, over a pipe."""

from __future__ import annotations

import contextlib
import heapq
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from demo.people import RunSecret
from demo.telling import Row
from domain.application import Opportunities

# The environment a worker's mapper is built from: the application's, minus storage (the
# integrity key and the run's secret for the people's keys are handed over on their own, in
# the job on stdin: never on a command line).
_NOT_FOR_WORKERS = ("INTEGRITY_KEY", "POSTGRES_", "SQLITE_")
_STOP_SECONDS = 10.0


class WorkerFailed(RuntimeError):
    """A worker process raised, or died without finishing its stories."""


@dataclass(frozen=True, slots=True)
class _Worker:
    process: subprocess.Popen[bytes]
    errors: IO[bytes]  # its stderr: a file, so the worker never blocks on it


def rows_in_parallel(
    app: Opportunities,
    key: bytes,
    secret: RunSecret,
    story: tuple[int, int, float, bool, bool],
    workers: int,
) -> Iterator[Row]:
    """The rows of `telling.linked` for (seed, count, end, checked, goals), in recording
    order."""
    env = {k: v for k, v in app.env.items() if not k.startswith(_NOT_FOR_WORKERS)}
    env["PERSISTENCE_MODULE"] = "eventsourcing.popo"
    started: list[_Worker] = []
    try:
        for part in range(workers):
            errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed in _stop)
            process = subprocess.Popen(
                [sys.executable, "-m", "demo.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
            )
            started.append(_Worker(process, errors))
            job = (type(app), env, key, secret, story, (part, workers))
            assert process.stdin is not None  # noqa: S101 (PIPE above)
            with process.stdin:
                pickle.dump(job, process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        yield from heapq.merge(*(_rows(worker) for worker in started))
    finally:
        for worker in started:
            _stop(worker)


def _rows(worker: _Worker) -> Iterator[Row]:
    source = worker.process.stdout
    assert source is not None  # noqa: S101 (PIPE above)
    while True:
        try:
            chunk: Any = pickle.load(source)  # noqa: S301 (our own child, over a pipe)
        except EOFError:
            raise WorkerFailed(_failure(worker)) from None
        if chunk is None:
            return
        yield from chunk


def _failure(worker: _Worker) -> str:
    try:
        code = worker.process.wait(timeout=_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        code = None
    told = b""
    with contextlib.suppress(OSError, ValueError):
        worker.errors.seek(0)
        told = worker.errors.read()
    detail = told.decode(errors="replace").strip()
    return f"demo worker exited with code {code} before it finished" + (
        f":\n{detail}" if detail else ""
    )


def _stop(worker: _Worker) -> None:
    process = worker.process
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for stream in (process.stdin, process.stdout, worker.errors):
        if stream is not None:
            stream.close()
