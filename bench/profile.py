"""Where the time goes: py-spy samples the API process while wrk loads one path, and the
hottest frames are written into docs/benchmarks.md (between the profile markers).

    python -m bench.profile [--backend sqlite] [--opportunities 10000] [--seconds 15]

Each path is loaded with 16 connections; py-spy (`--nonblocking`, 100 Hz, every thread,
idle frames left out) records raw collapsed stacks, kept in bench/results/profile/."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.datasets import Population, populate
from bench.load import Targets, prepare_targets
from bench.logwork import run_worker
from bench.servers import API_FACTORY, serve
from bench.stores import Store, temporary_store
from bench.wrk import wrk_args

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "profile"
BEGIN, END = "<!-- profile:begin -->", "<!-- profile:end -->"
PATHS = {
    "post": "HTTP write (POST an event)",
    "one": "GET one opportunity",
    "list": "GET a list page (limit 50)",
    "rebuild": "projection rebuild (python -m bench.worker rebuild)",
    "analyze": "win analysis (python -m bench.worker analyze)",
}
OURS = ("domain/", "projections/", "api/")
TOP = 15


def frame_name(frame: str) -> str:
    """'function (path/file.py:123)' -> 'function (path/file.py)'."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rsplit(':', 1)[0]})" if where else name


def summarise(raw: Path) -> tuple[int, Counter[str], Counter[str], Counter[str]]:
    """Samples, and per frame: self samples, inclusive samples, samples per thread."""
    total = 0
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        thread = frames[0] if frames[0].startswith(("thread ", "process ")) else ""
        threads[thread or "(threads not recorded)"] += count
        names = [frame_name(f) for f in frames[1 if thread else 0 :]]
        if names:
            own[names[-1]] += count
        for name in set(names):
            inclusive[name] += count
    return total, own, inclusive, threads


def _table(title: str, rows: list[tuple[str, int]], total: int) -> list[str]:
    lines = [f"| {title} | samples | share |", "|---|---|---|"]
    lines += [f"| `{name}` | {count:,} | {count / total:.1%} |" for name, count in rows]
    return lines


def report(backend: str, mode: str, raw: Path, command: str) -> list[str]:
    total, own, inclusive, threads = summarise(raw)
    if total == 0:
        return [f"#### {PATHS[mode]}, {backend}", "", "No samples.", ""]
    ours = [(n, c) for n, c in inclusive.most_common() if n.split(" (")[-1].startswith(OURS)]
    return [
        f"#### {PATHS[mode]}, {backend}: {total:,} samples",
        "",
        f"`{command}`",
        "",
        *_table("thread", threads.most_common(8), total),
        "",
        *_table("hottest frames (self)", own.most_common(TOP), total),
        "",
        *_table("smallwins frames (inclusive)", ours[:TOP], total),
        "",
    ]


def profile_path(
    store: Store, targets: Targets, workdir: Path, mode: str, seconds: int
) -> tuple[Path, str]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    raw = RESULTS / f"{store.backend}-{mode}.txt"
    ids = targets.writable if mode == "post" else targets.every
    with serve(API_FACTORY, store.server_env(), workdir, f"profile-{mode}") as server:
        load = subprocess.Popen(
            wrk_args(16, seconds + 4, mode, server.base_url, ids, targets.token),
            stdout=subprocess.DEVNULL,
        )
        try:
            time.sleep(2)  # warm up before sampling
            spy = ["py-spy", "record", "--pid", str(server.pid), "--duration", str(seconds),
                   "--rate", "100", "--nonblocking", "--threads", "--format", "raw",
                   "-o", str(raw)]  # fmt: skip
            subprocess.run(spy, capture_output=True, timeout=seconds + 60, check=True)
        finally:
            load.wait(seconds + 60)
    command = (
        f"py-spy record --pid <API pid> --duration {seconds} --rate 100 --nonblocking --threads"
        f" --format raw, under wrk -t1 -c16 ... -- {mode} (python -m bench.profile"
        f" --backend {store.backend})"
    )
    return raw, command


def profile_worker(store: Store, mode: str, seconds: int) -> tuple[Path, str]:
    """Sample a `python -m bench.worker` run for at most `seconds`, then stop it."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    raw = RESULTS / f"{store.backend}-{mode}.txt"
    worker = subprocess.Popen(
        [sys.executable, "-m", "bench.worker", mode],
        env={**os.environ, "SMALLWINS_LOG_LEVEL": "WARNING", **store.server_env()},
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(1)  # past the imports
        spy = ["py-spy", "record", "--pid", str(worker.pid), "--duration", str(seconds),
               "--rate", "100", "--nonblocking", "--format", "raw", "-o", str(raw)]  # fmt: skip
        subprocess.run(spy, capture_output=True, timeout=seconds + 60, check=False)
    finally:
        if worker.poll() is None:
            worker.terminate()
        worker.wait(30)
    command = (
        f"py-spy record --pid <worker pid> --duration {seconds} --rate 100 --nonblocking"
        f" --format raw, on python -m bench.worker {mode} (python -m bench.profile"
        f" --backend {store.backend})"
    )
    return raw, command


def backend_parts(block: str) -> dict[str, list[str]]:
    """The generated block's lines, per backend (each part starts with its dataset line)."""
    parts: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in block.splitlines():
        if line.startswith("_") and line.endswith("._") and " events on " in line:
            current = parts.setdefault(line.rsplit(" on ", 1)[1].rstrip("._"), [])
        if current is not None:
            current.append(line)
    return parts


def write_section(parts: dict[str, list[str]], page: Path) -> None:
    """Replace the profiled backends' parts of the block; keep the others."""
    old = page.read_text() if page.exists() else "# Benchmarks\n"
    if BEGIN in old and END in old:
        before, rest = old.split(BEGIN, 1)
        block, after = rest.split(END, 1)
        parts = {**backend_parts(block), **parts}
    else:
        before, after = old.rstrip("\n") + "\n\n## Profile\n\n", "\n"
    lines = [line for backend in ("sqlite", "postgres") for line in parts.get(backend, [])]
    page.write_text(before + "\n".join([BEGIN, *lines, END]) + after)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgres"))
    parser.add_argument("--opportunities", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    parts: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="smallwins-profile-") as work:
        workdir = Path(work)
        for backend in args.backend or ["sqlite"]:
            with temporary_store(backend, workdir, f"profile_{backend}") as store:
                population = populate(store, Population(), args.opportunities, seed=7)
                run_worker(store, "catch-up")
                targets = prepare_targets(store, workdir, backend)
                lines = parts.setdefault(backend, [])
                lines.append(
                    f"_{population.opportunities:,} opportunities, {population.events:,}"
                    f" events on {backend}._"
                )
                lines.append("")
                for mode in ("one", "list", "post"):  # reads first: POSTs leave views behind
                    raw, command = profile_path(store, targets, workdir, mode, args.seconds)
                    lines += report(backend, mode, raw, command)
                for mode in ("rebuild", "analyze"):
                    raw, command = profile_worker(store, mode, args.seconds)
                    lines += report(backend, mode, raw, command)
    write_section(parts, args.out)
    print(f"[bench] wrote the profile into {args.out}", flush=True)


if __name__ == "__main__":
    main()
