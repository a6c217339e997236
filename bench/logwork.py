"""Sections d and e (and the catch-up's memory, f): work over the whole log, each run in a
fresh `python -m bench.worker` subprocess on the store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from typing import Any

from bench.measure import Results
from bench.stores import Store

WORKER_TIMEOUT = 3600
FROM_ZERO = (
    "python -m bench.worker rebuild  # runner.rebuild of every view, then runner.catch_up of all views together"
    " (the first run at the first size is `catch-up` on the freshly generated store)"
)
GROWTH = "python -m bench.worker catch-up  # runner.catch_up of all views together"


class WorkerFailed(RuntimeError):
    """A worker exited with an error, or ran past its time limit (and was stopped)."""


def run_worker(
    store: Store, mode: str, *args: str, timeout: float = WORKER_TIMEOUT
) -> dict[str, Any]:
    """Run `python -m bench.worker MODE ARGS` in its own process group; past `timeout` the
    whole group (the generator's own worker processes included) is killed."""
    worker = subprocess.Popen(
        [sys.executable, "-m", "bench.worker", mode, *args],
        env={**os.environ, "SMALLWINS_LOG_LEVEL": "WARNING", **store.server_env()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = worker.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.communicate()
        msg = f"bench.worker {mode} {' '.join(args)} on {store.backend} ran past {timeout:.0f} s"
        raise WorkerFailed(msg) from None
    if worker.returncode != 0:
        msg = f"bench.worker {mode} on {store.backend} failed: {err.strip()[-1500:]}"
        raise WorkerFailed(msg)
    answer: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return answer


def record_from_zero(results: Results, store: Store, size: int, answer: dict[str, Any]) -> None:
    """A catch-up of every view from an empty view to the head: rate and peak memory."""
    backend, events = store.backend, answer["events"]
    results.figure(
        f"log/{backend}/{size}/catch-up", "d",
        f"catch-up from zero, all {len(answer['views'])} views, {events:,} events",
        FROM_ZERO, backend,
    ).add("rate", "events/s", events / answer["seconds"])  # fmt: skip
    memory = results.figure(
        f"memory/rebuild/{backend}/{size}", "f",
        f"catch-up from zero (all views) peak RSS, {events:,} events",
        f"VmHWM of {FROM_ZERO}; ru_maxrss of its children (the sweep's helpers)", backend,
    )  # fmt: skip
    memory.add("peak_rss", "MB", answer["peak_rss_mb"])
    if answer.get("helper_peak_rss_mb"):
        memory.add("helper_peak_rss", "MB", answer["helper_peak_rss_mb"])


def record_growth(results: Results, store: Store, answer: dict[str, Any]) -> None:
    """A catch-up of the events the generator just added (views already hold the rest)."""
    backend = store.backend
    applied = max(answer["applied"].values(), default=0)
    if not applied:
        return
    figure = results.figure(
        f"log/{backend}/grow", "d",
        "catch-up of each chunk of newly generated events, views at the previous head",
        GROWTH, backend,
    )  # fmt: skip
    figure.add("rate", "events/s", applied / answer["seconds"])
    figure.add("peak_rss", "MB", answer["peak_rss_mb"])


def measure_raw(results: Results, store: Store, size: int, runs: int) -> None:
    backend = store.backend
    for _run in range(runs):
        raw = run_worker(store, "raw")
        results.figure(
            f"log/{backend}/{size}/raw", "d",
            f"read and decode the log (select_notifications + record_of), {raw['events']:,} events",
            "python -m bench.worker raw  # select_notifications in batches of 500, Opportunities.record_of", backend,
        ).add("rate", "events/s", raw["events"] / raw["seconds"])  # fmt: skip


def measure_rebuilds(
    results: Results, store: Store, size: int, runs: int, budget_seconds: float
) -> None:
    """Up to `runs` rebuilds from zero, each only if the last one (or the estimate from the
    smaller dataset) fits in `budget_seconds`."""
    key = f"log/{store.backend}/{size}/catch-up"
    for _run in range(runs):
        estimate = _estimate(results, store, size)
        if estimate is not None and estimate > budget_seconds:
            results.skip(
                f"{store.backend}, {size:,} opportunities: more catch-up runs from zero"
                f" (about {estimate:,.0f} s each at the measured rate; budget"
                f" {budget_seconds:,.0f} s); {len(_runs(results, key))} run(s) measured"
            )
            return
        record_from_zero(results, store, size, run_worker(store, "rebuild"))


def _runs(results: Results, key: str) -> list[float]:
    figure = results.figures.get(key)
    return figure.metrics["rate"].runs if figure else []


def _estimate(results: Results, store: Store, size: int) -> float | None:
    """Seconds a rebuild at `size` would take, from the slowest rate measured so far."""
    rates = [
        rate
        for key, figure in results.figures.items()
        if key.startswith(f"log/{store.backend}/") and key.endswith("/catch-up")
        for rate in figure.metrics["rate"].runs
    ]
    rows = results.facts.get("datasets", {}).get(store.backend, [])
    events = next((r["events"] for r in rows if r["opportunities"] == size), None)
    if not rates or not events:
        return None
    return float(events) / min(rates)


def measure_account_reads(results: Results, store: Store, size: int) -> None:
    """The accounts list's first page in each order, and one account, read in-process from
    the caught-up views (`python -m bench.worker accounts`): p50 and p99 of each."""
    answer = run_worker(store, "accounts")
    for read, latencies in answer["latencies_ms"].items():
        figure = results.figure(
            f"accounts/{store.backend}/{size}/{read}", "c",
            f"accounts: {read} (limit 50), in-process, {size:,} opportunities",
            "python -m bench.worker accounts  # bench.account_reads.time_account_reads", store.backend,
        )  # fmt: skip
        figure.add("p50", "ms", latencies["p50"])
        figure.add("p99", "ms", latencies["p99"])


def measure_analysis(results: Results, store: Store, size: int, runs: int) -> None:
    backend = store.backend
    for _run in range(runs):
        answer = run_worker(store, "analyze")
        figure = results.figure(
            f"analysis/{backend}/{size}", "e",
            f"win analysis over {answer['events']:,} events ({answer['closed']:,} closed deals)",
            "python -m bench.worker analyze  # projections.analysis.analyze(app)", backend,
        )  # fmt: skip
        figure.add("seconds", "s", answer["seconds"])
        figure.add("peak_rss", "MB", answer["peak_rss_mb"])
