"""One demo worker (`python -m demo.worker`, started by `parallel`): reads its
job from stdin, writes its deals' rows to stdout in pickled chunks, then None. A failure
leaves a traceback on stderr and a non-zero exit code, which the parent reports.

A writer thread sends the chunks, so the stories go on being told while the parent is
busy writing a batch and the pipe is full (up to QUEUED chunks ahead). Chunks are pickled
here and written whole: the writer needs the GIL only between writes."""

from __future__ import annotations

import gc
import pickle
import queue
import signal
import sys
import threading
from typing import BinaryIO

from demo.telling import Row, linked, stored
from storage.collector import collect_less

CHUNK = 2000
QUEUED = 16
_PUT_SECONDS = 1.0


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which stops us
    app_class, env, key, secret, story, (part, parts) = pickle.load(sys.stdin.buffer)  # noqa: S301 (from our parent)
    seed, count, end, checked, goals = story
    chunks: queue.Queue[bytes] = queue.Queue(maxsize=QUEUED)
    writer = threading.Thread(target=_send, args=(chunks, sys.stdout.buffer), daemon=True)
    writer.start()
    rows: list[Row] = []
    mapper = app_class(env).mapper
    # The modules live until the end, and the stories make no reference
    # cycles worth a collection every 700 allocations: leave the collector less to do.
    gc.freeze()
    collect_less()
    for row in linked(
        stored(
            seed,
            count,
            end,
            mapper,
            secret=secret,
            part=part,
            parts=parts,
            checked=checked,
            goals=goals,
        ),
        key,
    ):
        rows.append(row)
        if len(rows) >= CHUNK:
            _put(chunks, rows, writer)
            rows = []
    _put(chunks, rows, writer)
    _put(chunks, None, writer)
    _put(chunks, b"", writer)  # the writer's signal to stop
    writer.join()


def _put(
    chunks: queue.Queue[bytes], chunk: list[Row] | bytes | None, writer: threading.Thread
) -> None:
    data = chunk if isinstance(chunk, bytes) else pickle.dumps(chunk, pickle.HIGHEST_PROTOCOL)
    while True:
        try:
            chunks.put(data, timeout=_PUT_SECONDS)
        except queue.Full:
            if not writer.is_alive():  # the parent has gone: nobody reads the pipe
                raise SystemExit(1) from None
        else:
            return


def _send(chunks: queue.Queue[bytes], out: BinaryIO) -> None:
    """Write each pickled chunk until the empty one."""
    while data := chunks.get():
        out.write(data)
        out.flush()


if __name__ == "__main__":
    main()
