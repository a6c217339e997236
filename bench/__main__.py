"""python -m bench [--quick] [--only SECTION ...] [--backend sqlite|postgres] [--sizes N,M]
[--out DIR] [--render JSON]

Runs every figure of issue 7 in one run and writes benchmarks.json and benchmarks.md
(default: docs/ for a full run, bench/results/quick/ for --quick)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from bench.appends import measure_appends
from bench.datasets import measure_datasets
from bench.emmett import measure_emmett
from bench.load import measure_bare
from bench.measure import Results
from bench.plan import BACKENDS, FULL, QUICK, SECTIONS, Plan
from bench.report import write
from bench.stores import postgres_unavailable, temporary_store
from bench.wrk import ensure_wrk

ROOT = Path(__file__).resolve().parent.parent
HTTP_SECTIONS = ("http-writes", "reads")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, short runs (tests)")
    parser.add_argument("--only", action="append", choices=SECTIONS, default=[],
                        help="measure only this section (repeatable)")  # fmt: skip
    parser.add_argument("--backend", action="append", choices=BACKENDS, default=[],
                        help="measure only this backend (repeatable)")  # fmt: skip
    parser.add_argument("--sizes", help="dataset sizes in opportunities, e.g. 10000,100000")
    parser.add_argument("--out", type=Path, help="directory for benchmarks.json and .md")
    parser.add_argument("--render", type=Path, metavar="JSON",
                        help="measure nothing: judge and render a saved benchmarks.json again")  # fmt: skip
    return parser.parse_args(argv)


def facts(argv: list[str]) -> dict[str, object]:
    def run(*command: str) -> str:
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=10,
                                  check=False, cwd=ROOT).stdout.strip()  # fmt: skip
        except OSError:
            return "?"

    dirty = "+changes" if run("git", "status", "--porcelain") else ""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "command": " ".join(["python -m bench", *map(shlex.quote, argv)]),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "git": run("git", "rev-parse", "--short", "HEAD") + dirty,
        "machine": (
            f"{os.cpu_count()} cores, {memory:.0f} GiB, {platform.system()} {platform.release()},"
            f" Python {platform.python_version()}, SQLite {sqlite3.sqlite_version},"
            f" load average at start {load}"
        ),
    }


def measure(plan: Plan, results: Results, workdir: Path) -> None:
    backends = list(plan.backends)
    if "postgres" in backends and (why := postgres_unavailable()):
        results.skip(f"every PostgreSQL figure: {why}")
        backends.remove("postgres")
    http = [s for s in HTTP_SECTIONS if s in plan.sections]
    if http and (why := ensure_wrk()):
        results.skip(f"HTTP figures ({', '.join(http)}): {why}")
        http = []

    if "appends" in plan.sections:
        for backend in backends:
            with temporary_store(backend, workdir, f"appends_{backend}") as store:
                measure_appends(results, store, workdir, plan)
        if "postgres" in backends:
            measure_emmett(results, plan)
        elif "postgres" in plan.backends:
            results.skip("Emmett peer: needs PostgreSQL")

    if http:
        ids = workdir / "bare-ids.txt"
        ids.write_text("".join(f"{uuid.uuid4()}\n" for _ in range(1000)))
        measure_bare(results, workdir, plan, ids)

    data_sections = {"reads", "catch-up", "analysis", "http-writes"} & set(plan.sections)
    if not data_sections:
        return
    for backend in backends:
        with temporary_store(backend, workdir, f"data_{backend}") as store:
            measure_datasets(plan, results, workdir, store, http)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    plan = (QUICK if args.quick else FULL).only(tuple(args.only), tuple(args.backend))
    if args.sizes:
        plan = plan.with_sizes(tuple(int(s) for s in args.sizes.split(",")))
    out = args.out or (ROOT / "bench" / "results" / "quick" if plan.quick else ROOT / "docs")
    if args.render:
        saved = Results.from_json(json.loads(args.render.read_text()))
        json_path, md_path = write(saved, args.out or args.render.parent)
        print(f"[bench] wrote {json_path} and {md_path}", flush=True)
        return 0
    results = Results(facts=facts(argv))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="smallwins-bench-") as workdir:
        try:
            measure(plan, results, Path(workdir))
        finally:
            results.facts["seconds"] = round(time.monotonic() - started, 1)
            results.facts["load_at_end"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
            json_path, md_path = write(results, out)
            print(f"[bench] wrote {json_path} and {md_path}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
