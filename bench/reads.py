"""python -m bench.reads [--opportunities N] [--backend sqlite|postgres|both] [--requests K]
[--seconds S] [--out JSON]

Sequential latency of the read endpoints a team uses every day, each with a realistic query,
on a store of N demo opportunities (default 100,000): one request at a time over one
keep-alive connection to `smallwins serve`'s app (the harness' uvicorn settings) on a free
loopback port, K requests per URL (default 200) or S seconds per URL, whichever ends first.
Reports the median, p95 and p99 per URL; a URL that does not answer 200 (a route this
version does not have) is reported as "not present" and not measured.

The SQLite dataset is generated once per size and seed through the demo generator's bulk
path (`python -m bench.worker generate`) and kept under bench/results/datasets/ (the views
caught up), so later runs reuse it; a PostgreSQL dataset lives in a throwaway database for
one run. The figures go to
bench/results/reads.json (or --out) and to the terminal as a table."""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from rich.console import Console
from rich.table import Table

from bench.load import prepare_targets
from bench.logwork import run_worker
from bench.plan import BACKENDS
from bench.servers import API_FACTORY, serve, shown_command
from bench.stores import Store, postgres_unavailable, temporary_store
from demo import default_end

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATASETS = RESULTS / "datasets"
SEED = 7
BUILD_TIMEOUT = 5400.0  # generating (and then projecting) the dataset, each
CATCH_UP_TIMEOUT = 600.0  # the served app's views reaching the head
REQUEST_TIMEOUT = 30.0
NOT_PRESENT = "not present"
WORD = re.compile(r"[A-Za-z]{4,}")


@dataclass(slots=True)
class Read:
    """One URL measured: its latencies in ms, or why it was not measured."""

    name: str
    url: str
    status: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def present(self) -> bool:
        return self.status == 200

    def percentile(self, share: float) -> float | None:
        """The nearest-rank percentile of the latencies (None when nothing was measured)."""
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
        return ordered[rank - 1]

    def as_json(self) -> dict[str, Any]:
        if not self.present:
            return {"name": self.name, "url": self.url, "status": NOT_PRESENT,
                    "http_status": self.status}  # fmt: skip
        return {
            "name": self.name, "url": self.url, "status": "measured",
            "requests": len(self.latencies_ms),
            "median_ms": statistics.median(self.latencies_ms),
            "p95_ms": self.percentile(0.95), "p99_ms": self.percentile(0.99),
        }  # fmt: skip


def iso_week(day: datetime) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def _items(client: httpx.Client, path: str) -> list[dict[str, Any]]:
    answer = client.get(path)
    answer.raise_for_status()
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def common_word(titles: list[str]) -> str:
    """The most frequent word (4 letters or more) of these titles and accounts."""
    counts = Counter(w.lower() for t in titles for w in WORD.findall(t))
    if not counts:
        msg = "no word to search for in the opportunities' titles"
        raise RuntimeError(msg)
    word: str = counts.most_common(1)[0][0]
    return word


def queries(client: httpx.Client, end: datetime) -> list[tuple[str, str]]:
    """(name, path) of every read, with a word, owner and account taken from the data."""
    deals = _items(client, "/v1/opportunities?limit=50")
    sellers = _items(client, "/v1/sellers?limit=50")
    if not deals or not sellers:
        msg = "the store has no opportunities or no sellers"
        raise RuntimeError(msg)
    word = common_word([d["title"] for d in deals] + [d["account"] for d in deals])
    owner = quote(sellers[0]["owner"], safe="")
    account = quote(deals[0]["account"], safe="")
    now = datetime.now(UTC)
    since = (end - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [
        ("search", f"/v1/opportunities?{urlencode({'q': word, 'limit': 50})}"),
        ("search by expected close",
         f"/v1/opportunities?{urlencode({'q': word, 'sort': 'expected_close', 'limit': 50})}"),
        ("agenda", "/v1/agenda?limit=50"),
        ("agenda, one owner, overdue", f"/v1/agenda?owner={owner}&overdue=true"),
        ("scorecard, this week", f"/v1/sellers/{owner}/scorecard?week={iso_week(now)}"),
        ("scorecard, a past week",
         f"/v1/sellers/{owner}/scorecard?week={iso_week(end - timedelta(weeks=8))}"),
        ("sellers", "/v1/sellers"),
        ("accounts by won", "/v1/accounts?sort=-won&limit=50"),
        ("one account", f"/v1/accounts/{account}"),
        ("pipeline changes, last 7 days", f"/v1/pipeline/changes?from={since}&limit=50"),
    ]  # fmt: skip


def time_reads(client: httpx.Client, name: str, path: str, requests: int, seconds: float) -> Read:
    """One request to see whether the URL answers 200; then up to `requests` timed ones,
    one after the other, for at most `seconds`."""
    read = Read(name, path, client.get(path).status_code)
    if not read.present:
        return read
    deadline = time.monotonic() + seconds
    for _request in range(requests):
        started = time.perf_counter()
        answer = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if answer.status_code != 200:
            msg = f"{path} answered {answer.status_code} after answering 200"
            raise RuntimeError(msg)
        read.latencies_ms.append(elapsed)
        if time.monotonic() >= deadline:
            break
    return read


def wait_for_views(client: httpx.Client, timeout: float = CATCH_UP_TIMEOUT) -> None:
    """Until every projection of the served app has reached the log's head."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = _items(client, "/v1/projections")
        if items and all(item["lag"] == 0 for item in items):
            return
        time.sleep(0.5)
    msg = f"the views did not catch up within {timeout:.0f} s"
    raise RuntimeError(msg)


def measure_store(
    store: Store, end: datetime, workdir: Path, requests: int, seconds: float,
    extra: tuple[tuple[str, str], ...] = (),
) -> list[Read]:  # fmt: skip
    """Serve the store on loopback, wait for the views, time every read (and `extra`'s
    (name, path) reads)."""
    token = prepare_targets(store, workdir, f"reads-{store.backend}").token
    with serve(API_FACTORY, store.server_env(), workdir, f"reads-{store.backend}") as server:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.base_url, headers=headers,
                          timeout=REQUEST_TIMEOUT) as client:  # fmt: skip
            wait_for_views(client)
            return [
                time_reads(client, name, path, requests, seconds)
                for name, path in [*queries(client, end), *extra]
            ]


def _build(store: Store, opportunities: int) -> dict[str, Any]:
    """The demo generator's bulk path in one `bench.worker generate` call: one call makes one
    set of people's keys, so the store's people stay one per name (the harness' chunks of
    10,000, each its own call, would name the same people again under other keys)."""
    started = time.monotonic()
    end = default_end()
    made = run_worker(store, "generate", str(opportunities), str(SEED), timeout=BUILD_TIMEOUT)
    print(f"[bench] {store.backend}: {made['opportunities']:,} opportunities,"
          f" {made['events']:,} events generated; catching the views up", flush=True)  # fmt: skip
    run_worker(store, "catch-up", timeout=BUILD_TIMEOUT)
    return {"opportunities": made["opportunities"], "events": made["events"],
            "end": end.isoformat(), "seconds": round(time.monotonic() - started, 1)}  # fmt: skip


@contextmanager
def dataset(
    backend: str, opportunities: int, workdir: Path, cache: Path
) -> Iterator[tuple[Store, dict[str, Any]]]:
    """A store of `opportunities` demo deals with caught-up views, and what it holds. SQLite
    stores are kept (and reused) in `cache`; a description file is written only once the
    store is complete."""
    if backend == "postgres":
        with temporary_store(backend, workdir, f"reads_{opportunities}") as store:
            yield store, _build(store, opportunities)
        return
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"sqlite-{opportunities}-seed{SEED}.db"
    described = Path(f"{path}.json")
    store = Store("sqlite", f"sqlite:///{path}")
    if described.exists():
        about: dict[str, Any] = json.loads(described.read_text())
        about.setdefault("end", default_end().isoformat())
        print(f"[bench] sqlite: reusing {path.name} ({about['events']:,} events)", flush=True)
    else:
        for leftover in cache.glob(f"{path.name}*"):  # an unfinished earlier build
            leftover.unlink()
        about = _build(store, opportunities)
        described.write_text(json.dumps(about) + "\n")
    yield store, about


def measure(
    backend: str, opportunities: int, requests: int, seconds: float, workdir: Path,
    *, cache: Path = DATASETS, extra: tuple[tuple[str, str], ...] = (),
) -> dict[str, Any]:  # fmt: skip
    """Every read on one backend: the dataset's description, the load average and the reads."""
    with dataset(backend, opportunities, workdir, cache) as (store, about):
        end = datetime.fromisoformat(about["end"])
        load_before = os.getloadavg()
        reads = measure_store(store, end, workdir, requests, seconds, extra)
        load_after = os.getloadavg()
    return {
        "backend": backend,
        "dataset": about,
        "load_average": {
            "before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in load_after],
        },
        "reads": [r.as_json() for r in reads],
    }


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def table(run: dict[str, Any]) -> Table:
    about, load = run["dataset"], run["load_average"]
    title = (
        f"Sequential reads, {run['backend']}, {about['opportunities']:,} opportunities"
        f" ({about['events']:,} events); load average {load['before'][0]:.2f}"
        f" -> {load['after'][0]:.2f}"
    )
    grid = Table(title=title)
    for column in ("read", "URL", "n", "median ms", "p95 ms", "p99 ms"):
        grid.add_column(column, justify="right" if "ms" in column or column == "n" else "left")
    for read in run["reads"]:
        if read["status"] == NOT_PRESENT:
            grid.add_row(read["name"], read["url"], "-", NOT_PRESENT, "", "")
            continue
        grid.add_row(read["name"], read["url"], str(read["requests"]), _ms(read["median_ms"]),
                     _ms(read["p95_ms"]), _ms(read["p99_ms"]))  # fmt: skip
    return grid


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.reads", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--opportunities", type=int, default=100_000)
    parser.add_argument("--backend", choices=(*BACKENDS, "both"), default="sqlite")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per URL")
    parser.add_argument("--seconds", type=float, default=60.0, help="time limit per URL")
    parser.add_argument("--out", type=Path, default=RESULTS / "reads.json")
    args = parser.parse_args(argv)
    if args.opportunities < 1 or args.requests < 1 or args.seconds <= 0:
        parser.error("--opportunities and --requests must be at least 1, --seconds positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    backends = list(BACKENDS) if args.backend == "both" else [args.backend]
    # Wide enough for the URLs when the output is a file rather than a terminal.
    console = Console() if sys.stdout.isatty() else Console(width=200)
    report: dict[str, Any] = {
        "command": "python -m bench.reads " + " ".join(argv or []),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "server": shown_command(API_FACTORY),
        "requests_per_url": args.requests,
        "seconds_per_url": args.seconds,
        "runs": [],
        "skipped": [],
    }
    with tempfile.TemporaryDirectory(prefix="smallwins-reads-") as workdir:
        for backend in backends:
            if backend == "postgres" and (why := postgres_unavailable()):
                console.print(f"[bench] skipped postgres: {why}")
                report["skipped"].append(why)
                continue
            run = measure(backend, args.opportunities, args.requests, args.seconds,
                          Path(workdir))  # fmt: skip
            report["runs"].append(run)
            console.print(table(run))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    console.print(f"[bench] wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
