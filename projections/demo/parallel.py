"""Telling the stories in worker processes, to use every core: deal i is told by worker
i mod W (`python -m projections.demo.worker`), which maps its events to stored events
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
from collections.abc import Iterator
from typing import IO, Any

from domain.application import Opportunities
from projections.demo.telling import Row

# The environment a worker's mapper is built from: the application's, minus storage (the
# integrity key is handed over on its own, in the job on stdin: never on a command line).
_NOT_FOR_WORKERS = ("INTEGRITY_KEY", "POSTGRES_", "SQLITE_")
_STOP_SECONDS = 10.0


class WorkerFailed(RuntimeError):
    """A worker process raised, or died without finishing its stories."""


def rows_in_parallel(
    app: Opportunities,
    key: bytes,
    story: tuple[int, int, float, bool],
    workers: int,
) -> Iterator[Row]:
    """The rows of `telling.linked` for (seed, count, end, checked), in recording order."""
    env = {k: v for k, v in app.env.items() if not k.startswith(_NOT_FOR_WORKERS)}
    env["PERSISTENCE_MODULE"] = "eventsourcing.popo"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for part in range(workers):
            process = subprocess.Popen(
                [sys.executable, "-m", "projections.demo.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            processes.append(process)
            job = (type(app), env, key, story, (part, workers))
            assert process.stdin is not None  # noqa: S101 (PIPE above)
            with process.stdin:
                pickle.dump(job, process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        yield from heapq.merge(*(_rows(process) for process in processes))
    finally:
        for process in processes:
            _stop(process)


def _rows(process: subprocess.Popen[bytes]) -> Iterator[Row]:
    source: IO[bytes] | None = process.stdout
    assert source is not None  # noqa: S101 (PIPE above)
    while True:
        try:
            chunk: Any = pickle.load(source)  # noqa: S301 (our own child, over a pipe)
        except EOFError:
            raise WorkerFailed(_failure(process)) from None
        if chunk is None:
            return
        yield from chunk


def _failure(process: subprocess.Popen[bytes]) -> str:
    try:
        code = process.wait(timeout=_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        code = None
    told = b""
    if process.stderr is not None:
        with contextlib.suppress(OSError, ValueError):
            told = process.stderr.read()
    detail = told.decode(errors="replace").strip()
    return f"demo worker exited with code {code} before it finished" + (
        f":\n{detail}" if detail else ""
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()
