"""The latency of a weekly pipeline review (`GET /v1/pipeline/changes`, the last seven days
up to now) on a demo store of many opportunities:

    python -m bench.review --opportunities 100000 [--backend sqlite|postgres] [--runs 20]

The store is throwaway (as the harness's): grown through the demo generator (two years of
history up to today), its views caught up from zero, then the review is
asked `--runs` times (after one more to warm up) through the app in this process (routing, key check, the view's reads,
momentum evaluated at both instants, JSON), first page of 50 and the whole answer's
summary. Prints one JSON line: the times (median, p95, max, in ms) and how many deals
changed."""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from api.services import build_services
from api.settings import Settings
from bench.datasets import Population, populate
from bench.stores import BENCH_INTEGRITY_KEY, temporary_store

WEEK = timedelta(days=7)


def catch_up(url: str) -> float:
    """Every view brought to the head of the log (from zero); the seconds it took."""
    settings = Settings(
        database_url=url, integrity_key=BENCH_INTEGRITY_KEY, projections_in_process=False
    )
    services = build_services(settings)
    try:
        started = time.perf_counter()
        services.runner.catch_up()
        return time.perf_counter() - started
    finally:
        services.close()


def measure(url: str, runs: int) -> dict[str, Any]:
    settings = Settings(database_url=url, integrity_key=BENCH_INTEGRITY_KEY)
    app = create_app(settings)
    with TestClient(app) as client:
        _key, token = app.state.services.keys.create("bench-review", "viewer")
        headers = {"Authorization": f"Bearer {token}"}
        since = (datetime.now(UTC) - WEEK).isoformat().replace("+00:00", "Z")
        client.get("/v1/pipeline/changes", params={"from": since}, headers=headers)  # warm
        times, body = [], {}
        for _run in range(runs):
            started = time.perf_counter()
            response = client.get("/v1/pipeline/changes", params={"from": since}, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                msg = f"the review answered {response.status_code}: {response.text[:200]}"
                raise SystemExit(msg)
            body = response.json()
    times.sort()
    return {
        "runs": runs,
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
        "max_ms": round(times[-1], 1),
        "summary": body["summary"],
        "first_page_items": len(body["items"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.review", description=__doc__)
    parser.add_argument("--opportunities", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="smallwins-review-") as workdir,
        temporary_store(args.backend, Path(workdir), f"review_{args.backend}") as store,
    ):
        population = populate(store, Population(), args.opportunities, seed=args.seed)
        caught_up = catch_up(store.url)
        answer = measure(store.url, args.runs)
        answer |= {
            "backend": args.backend,
            "opportunities": population.opportunities,
            "events": population.events,
            "catch_up_seconds": round(caught_up, 1),
        }
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
