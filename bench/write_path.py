"""Where one POST of an event spends its time, layer by layer: py-spy samples the API while
one client POSTs events one after another (as `bench.long_deals` does), and every sample is
given to the innermost layer on its stack.

    python -m bench.write_path [--backend sqlite] [--size 5000] [--seconds 20]
                               [--out docs/benchmarks.md]

The layers' milliseconds are samples / rate / requests answered while sampling: the time of
each thread (event loop, writer, in-process projections) spent per request in that layer,
so their sum may exceed the latency when threads overlap. Idle waits are left out."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID

from bench.logwork import run_worker
from bench.long_deals import Client, build, editor_token, writing_application
from bench.profile import frame_name
from bench.report import write_block
from bench.servers import API_FACTORY, serve
from bench.stores import temporary_store

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "profile"
BEGIN, END = "<!-- write-path:begin -->", "<!-- write-path:end -->"
RATE = 250  # samples per second
# (layer, what marks it on a stack), innermost first: a sample goes to the first layer
# any frame of its stack matches, trying the innermost frame first.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("personal data: names sealed (storage/personal.py)", ("(storage/personal.py)",)),
    ("store append: save, hash chain, insert, commit",
     ("save (eventsourcing/application.py)", "insert_events", "_take_snapshots")),
    ("domain: decide (Opportunity.record, the state's update)",
     ("Opportunity.record (domain/opportunity.py)", "GroupCommitWriter._decide")),
    ("writer: batching, copies, answering", ("(storage/writer.py)", "(storage/copies.py)")),
    ("render: the new state as JSON (describe, render_full, orjson)",
     ("present (api/services.py)", "_written (api/routers/opportunities.py)")),
    ("projections in the API process (SQLite)", ("(projections/",)),
    ("validation: the body (pydantic), the route's parameters",
     ("request_body_to_args", "_validate", "validate_python", "(api/schemas/")),
    ("route: record_event and api.deals", ("(api/deals.py)", "(api/routers/opportunities.py)")),
    ("FastAPI/Starlette: routing, dependencies, request parsing",
     ("(fastapi/", "(starlette/")),
    ("smallwins middlewares (Observe, RequestId, CleanUrl, Authenticate, BodyLimits, Idempotency)",
     ("(api/middleware/", "(api/observe.py)", "(api/fast_reads.py)", "(api/keys.py)",
      "(api/metrics.py)", "(api/asgi.py)")),
    ("uvicorn, the event loop, logging", ("(uvicorn/", "(asyncio/", "(uvloop", "(logging/")),
)  # fmt: skip
OTHER = "other"


def py_spy() -> str:
    """py-spy on the PATH, else the one installed next to this Python (the dev extras)."""
    beside = Path(sys.executable).parent / "py-spy"
    return shutil.which("py-spy") or str(beside)


def layer_of(frames: list[str]) -> str:
    names = [frame_name(f) for f in frames]
    for name in reversed(names):
        for layer, marks in LAYERS:
            if any(mark in name for mark in marks):
                return layer
    return OTHER


def summarise(raw: Path) -> Counter[str]:
    layers: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack:
            frames = [f for f in stack.split(";") if not f.startswith(("thread ", "process "))]
            layers[layer_of(frames)] += int(count)
    return layers


def post_for(seconds: float, client: Client, deals: list[UUID]) -> tuple[int, float]:
    """POSTs one after another for `seconds`: how many, and their mean latency."""
    done, started = 0, time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline and done < 1_000_000:
        answer = client.post(deals[done % len(deals)], done)
        answer.raise_for_status()
        done += 1
    return done, (time.perf_counter() - started) / max(done, 1)


def profile(backend: str, size: int, seconds: int) -> dict[str, Any]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    raw = RESULTS / f"write-path-{backend}-{size}.txt"
    with (
        tempfile.TemporaryDirectory(prefix="smallwins-write-path-") as work,
        temporary_store(backend, Path(work), f"write_path_{backend}") as store,
    ):
        with writing_application(store) as app:
            deals = build(app, (size,), requests=int(seconds * 100))[size]
        run_worker(store, "catch-up")  # the views at the head before the API starts
        token = editor_token(store)
        with serve(API_FACTORY, store.server_env(), Path(work), "write-path") as server:
            client = Client(server.base_url, token)
            try:
                post_for(2.0, client, deals)  # warm up
                counted: list[tuple[int, float]] = []
                load = threading.Thread(
                    target=lambda: counted.append(post_for(seconds, client, deals))
                )
                load.start()
                spy = [py_spy(), "record", "--pid", str(server.pid), "--duration", str(seconds),
                       "--rate", str(RATE), "--nonblocking", "--threads", "--format", "raw",
                       "-o", str(raw)]  # fmt: skip
                subprocess.run(spy, capture_output=True, timeout=seconds + 60, check=True)
                load.join(seconds + 60)
            finally:
                client.close()
    layers = summarise(raw)
    requests, mean = counted[0]
    return {"backend": backend, "size": size, "seconds": seconds, "layers": dict(layers),
            "requests": requests, "mean_ms": mean * 1000}  # fmt: skip


def markdown(found: list[dict[str, Any]], command: str) -> str:
    lines = [BEGIN, f"`{command}`", ""]
    for run in found:
        per_request = RATE * run["requests"] / 1000  # samples in one ms of one request
        total = sum(run["layers"].values())
        lines += [
            f"_{run['backend']}, deals of {run['size']:,} events: {run['requests']:,} POSTs"
            f" in {run['seconds']} s sampled, {run['mean_ms']:.2f} ms mean latency at the"
            f" client, {total:,} samples._",
            "",
            "| layer | ms per POST | share of samples |",
            "|---|---|---|",
        ]
        ordered = [layer for layer, _marks in LAYERS] + [OTHER]
        for layer in ordered:
            samples = run["layers"].get(layer, 0)
            lines.append(f"| {layer} | {samples / per_request:.2f} | {samples / total:.0%} |")
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.write_path", description=__doc__)
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgres"))
    parser.add_argument("--size", type=int, default=5_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    backends = args.backend or ["sqlite"]
    found = [profile(backend, args.size, args.seconds) for backend in backends]
    shown = " ".join(f"--backend {b}" for b in backends)
    command = f"python -m bench.write_path {shown} --size {args.size} --seconds {args.seconds}"
    write_block(args.out, markdown(found, command), (BEGIN, END), "The HTTP write path")
    print(f"[bench] wrote {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
