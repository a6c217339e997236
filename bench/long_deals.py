"""Long deals: does a request cost the same on a deal with 5,000 events as on one with 10?

    python -m bench.long_deals [--backend sqlite|postgres ...] [--sizes 10,100,1000,5000]
                               [--requests 200] [--rebuild-deals 8] [--rebuild-runs 3]
                               [--out docs/benchmarks.md]

For each size, deals of that many events are written through the storage layer (the domain
decides every event, so each history is valid; saved in chunks, snapshots taken as the
application takes them), the views caught up, and a `smallwins` API (uvicorn, as
`bench.servers` starts it) answers a bounded number of sequential requests on one
connection: GET one deal, then POST one event (an interaction planned, then completed),
round robin over the size's deals. Enough deals are made of each size that the POSTs add at
most a tenth to any of them. Then a store of deals of the largest size alone is rebuilt
from zero and read and decoded raw (`bench.worker rebuild` / `raw`), the two taking turns
`--rebuild-runs` times, for the rebuild target (judged on the medians). The figures go
into docs/benchmarks.md between the long-deal markers."""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from api.keys import KeyStore
from bench.logwork import run_worker
from bench.report import write_block
from bench.servers import API_FACTORY, serve, shown_command
from bench.stores import (
    BENCH_INTEGRITY_KEY,
    Store,
    postgres_unavailable,
    temporary_store,
    with_people,
)
from bench.targets import long_deal_verdicts
from domain.application import Opportunities
from domain.opportunity import Opportunity, Stamp
from storage.gateway import Database

ROOT = Path(__file__).resolve().parent.parent
SIZES = (10, 100, 1_000, 5_000)
REQUESTS = 200  # sequential requests of each kind on each size
WARM_UP = 20  # requests before the measured ones (not counted)
GROWTH = 0.1  # the POSTs may add at most this share of a deal's events
MIN_DEALS = 4
REBUILD_RUNS = 3  # rebuilds and raw reads of the long-deal store, taking turns
SAVE_EVERY = 500  # events saved per transaction while building a deal
STEP = timedelta(hours=2)  # business time between two events of a built deal
REQUEST_TIMEOUT = 30.0
BEGIN, END = "<!-- long-deals:begin -->", "<!-- long-deals:end -->"

CONTACTS = (("Dana Reyes", "IT"), ("Sam Ortiz", "Finance"), ("Kofi Young", "Operations"),
            ("Mia Chen", "IT"), ("Lee Park", "Procurement"), ("Ana Silva", "Finance"))  # fmt: skip
ROLES = ("champion", "influencer", "technical_evaluator", "user", "decision_maker")
CHANNELS = ("email", "phone", "meeting", "video")


# --- the dataset --------------------------------------------------------------------------


def opening(index: int) -> dict[str, Any]:
    return {
        "title": f"Long deal {index}",
        "account": f"Account {index % 37}",
        "owner": "bench",
        "amount": 40_000 + 1_000 * (index % 50),
        "buying_departments": ["IT", "Finance", "Operations"],
    }


def deal_events(size: int, rng: random.Random) -> Iterator[tuple[str, dict[str, Any]]]:
    """The `size - 1` events after the opening, as (type, fields): interactions planned,
    sometimes moved, then completed (a commitment gained about half of the time) or now and
    then cancelled, with the ladder's small wins and a change of details in between. Each
    interaction ends before the next is planned, so the deal stays open with at most one
    open interaction. An InteractionRescheduled/Completed/Cancelled names the interaction by
    a placeholder, `"@last"`, the writer replaces with the id the domain assigned."""
    left = size - 1
    amount = 40_000
    while left > 0:
        contact, department = rng.choice(CONTACTS)
        roll = rng.random()
        if roll < 0.12 or left < 2:
            kind = rng.choice(("MeetingGained", "CustomerDataGathered", "StakeholderBoughtIn",
                               "DemoScheduled"))  # fmt: skip
            yield kind, _small_win(kind, contact, department, rng)
            left -= 1
            continue
        if roll < 0.15:
            amount += 500
            yield "DetailsChanged", {"amount": amount}
            left -= 1
            continue
        yield "InteractionPlanned", {
            "contact": contact, "department": department, "channel": rng.choice(CHANNELS),
            "purpose": "Walk through the pilot results",
            "commitment_objective": "Agree to a proposal meeting",
            "planned_for": "+1d",
        }  # fmt: skip
        left -= 1
        if left > 1 and rng.random() < 0.4:
            yield "InteractionRescheduled", {"interaction_id": "@last", "planned_for": "+3d",
                                             "reason": "They are away"}  # fmt: skip
            left -= 1
        if rng.random() < 0.1:
            yield "InteractionCancelled", {"interaction_id": "@last", "reason": "Declined"}
        else:
            yield "InteractionCompleted", {"interaction_id": "@last",
                                           "commitment_gained": rng.random() < 0.5,
                                           "outcome": "Next step agreed"}  # fmt: skip
        left -= 1


def _small_win(kind: str, contact: str, department: str, rng: random.Random) -> dict[str, Any]:
    if kind == "MeetingGained":
        return {"contact": contact, "department": department, "kind": "other"}
    if kind == "CustomerDataGathered":
        return {"summary": "Three plants, manual scheduling"}
    if kind == "StakeholderBoughtIn":
        return {"stakeholder": contact, "department": department, "role": rng.choice(ROLES)}
    return {"scheduled_for": "+2d", "attendees": [contact]}


def write_deal(app: Opportunities, index: int, size: int, end: datetime, seed: int) -> UUID:
    """One valid deal of exactly `size` events whose last event occurred before `end`,
    decided by the domain and saved `SAVE_EVERY` events at a time."""
    rng = random.Random(seed * 1_000_003 + index)  # noqa: S311 (a dataset, not a secret)
    when = end - STEP * size
    deal = Opportunity.open(Stamp("bench", when, when), opening(index))
    last = ""
    for kind, given in deal_events(size, rng):
        when += STEP
        fields = {name: _resolve(value, when, last) for name, value in given.items()}
        deal.record(kind, Stamp("bench", when, when), fields)
        if kind == "InteractionPlanned":
            last = deal.deal.plans.ordered()[-1].interaction_id
        if deal.version % SAVE_EVERY == 0:
            app.save(deal)
    app.save(deal)
    if deal.version != size:
        msg = f"built a deal of {deal.version} events, wanted {size}"
        raise AssertionError(msg)
    return deal.id


def _resolve(value: Any, when: datetime, last: str) -> Any:
    if value == "@last":
        return last
    if isinstance(value, str) and value.startswith("+") and value.endswith("d"):
        return when + timedelta(days=int(value[1:-1]))
    return value


def deals_for(size: int, requests: int) -> int:
    """How many deals of `size` events the POSTs are spread over."""
    return max(MIN_DEALS, math.ceil(requests / (GROWTH * size)))


@contextmanager
def writing_application(store: Store) -> Iterator[Opportunities]:
    """The application as the API writes with it: people's names sealed under their keys."""
    app = store.application()
    people = with_people(app, store.application_config(), BENCH_INTEGRITY_KEY)
    try:
        yield app
    finally:
        app.close()
        people.close()


def build(app: Opportunities, sizes: tuple[int, ...], requests: int,
          seed: int = 17) -> dict[int, list[UUID]]:  # fmt: skip
    end = datetime.now(UTC) - timedelta(days=1)
    built: dict[int, list[UUID]] = {}
    index = 0
    for size in sizes:
        ids = built.setdefault(size, [])
        for _deal in range(deals_for(size, requests)):
            ids.append(write_deal(app, index, size, end, seed))
            index += 1
    return built


# --- measuring ----------------------------------------------------------------------------


@dataclass(slots=True)
class Timings:
    seconds: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    failures: int = 0

    def as_json(self) -> dict[str, float]:
        ms = sorted(s * 1000 for s in self.seconds)
        return {
            "requests": len(ms),
            "median_ms": statistics.median(ms) if ms else 0.0,
            "p95_ms": ms[min(len(ms) - 1, math.ceil(0.95 * len(ms)) - 1)] if ms else 0.0,
            "rate": len(ms) / self.elapsed if self.elapsed else 0.0,
            "non_2xx": self.failures,
        }


class Client:
    """Sequential requests on one keep-alive connection."""

    def __init__(self, base_url: str, token: str) -> None:
        self.http = httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=REQUEST_TIMEOUT,
        )
        self.planned: dict[UUID, str] = {}  # the interaction each deal has open from us

    def close(self) -> None:
        self.http.close()

    def get(self, deal: UUID) -> httpx.Response:
        return self.http.get(f"/v1/opportunities/{deal}")

    def post(self, deal: UUID, step: int) -> httpx.Response:
        """Plan an interaction on the deal, or complete the one planned before."""
        open_one = self.planned.pop(deal, None)
        body: dict[str, object]
        if open_one is None:
            purpose = f"Bench step {step}"
            body = {"type": "InteractionPlanned", "contact": "Dana Reyes", "department": "IT",
                    "channel": "video", "purpose": purpose,
                    "commitment_objective": "Agree to a proposal meeting"}  # fmt: skip
        else:
            body = {"type": "InteractionCompleted", "interaction_id": open_one,
                    "commitment_gained": True, "outcome": "Proposal meeting booked"}  # fmt: skip
        answer = self.http.post(f"/v1/opportunities/{deal}/events", json=body)
        if open_one is None and answer.status_code == 201:
            for interaction in answer.json()["open_interactions"]:
                if interaction["purpose"] == purpose:
                    self.planned[deal] = interaction["interaction_id"]
        return answer


def timed(count: int, deals: list[UUID], call: Any) -> Timings:
    timings = Timings()
    started = time.perf_counter()
    for step in range(count):
        before = time.perf_counter()
        answer = call(deals[step % len(deals)], step)
        timings.seconds.append(time.perf_counter() - before)
        timings.failures += not 200 <= answer.status_code < 300
    timings.elapsed = time.perf_counter() - started
    return timings


def warm_up(deals: list[UUID]) -> int:
    """Requests not counted: every deal once (each measured request then finds its deal
    as the one before on the same deal left it), and at least WARM_UP."""
    return max(WARM_UP, len(deals))


def interleaved(count: int, built: dict[int, list[UUID]], call: Any) -> dict[int, Timings]:
    """`count` requests on each size, the sizes taking turns request by request, so a
    change in the host's load meanwhile falls on every size alike. A size's rate is then
    1 / its mean latency (its requests' own time)."""
    found = {size: Timings() for size in built}
    for step in range(count):
        for size, deals in built.items():
            before = time.perf_counter()
            answer = call(deals[step % len(deals)], step)
            spent = time.perf_counter() - before
            found[size].seconds.append(spent)
            found[size].elapsed += spent
            found[size].failures += not 200 <= answer.status_code < 300
    return found


def measure_http(store: Store, workdir: Path, built: dict[int, list[UUID]],
                 requests: int) -> dict[str, Any]:  # fmt: skip
    """GETs on every size (the views current), then POSTs, the sizes taking turns."""
    token = editor_token(store)
    found: dict[str, Any] = {}
    with serve(API_FACTORY, store.server_env(), workdir, f"long-{store.backend}") as server:
        client = Client(server.base_url, token)
        try:
            for kind, call in (("get", lambda deal, _step: client.get(deal)),
                               ("post", client.post)):  # fmt: skip
                for deals in built.values():
                    timed(warm_up(deals), deals, call)
                for size, timings in interleaved(requests, built, call).items():
                    found[f"{kind}/{size}"] = timings.as_json()
        finally:
            client.close()
    return found


def editor_token(store: Store) -> str:
    database = Database(store.application_config())
    try:
        _key, token = KeyStore(database).create("bench", "editor")
    finally:
        database.close()
    return token


def measure_rebuild(
    store: Store, deals: int, size: int, seed: int, runs: int = REBUILD_RUNS
) -> dict[str, Any]:
    """A store of `deals` deals of `size` events alone: rebuilt from zero and read raw,
    `runs` times each, taking turns (a change of the host's speed falls on both)."""
    with writing_application(store) as app:
        end = datetime.now(UTC) - timedelta(days=1)
        for index in range(deals):
            write_deal(app, index, size, end, seed)
    pairs = [(run_worker(store, "rebuild"), run_worker(store, "raw")) for _ in range(runs)]
    return {"deals": deals, "size": size, **rebuild_figures(pairs)}


def rebuild_figures(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    """Rates (events/s) of `bench.worker rebuild` and `raw` answers taken in turns: the
    median of each, each run's, and each pair's share (rebuild over raw)."""
    rebuilds = [rebuild["events"] / rebuild["seconds"] for rebuild, _raw in pairs]
    raws = [raw["events"] / raw["seconds"] for _rebuild, raw in pairs]
    return {
        "events": pairs[0][1]["events"],
        "rebuild_rate": statistics.median(rebuilds),
        "raw_rate": statistics.median(raws),
        "rebuild_rates": rebuilds,
        "raw_rates": raws,
        "shares": [r / w for r, w in zip(rebuilds, raws, strict=True)],
    }


def run_backend(backend: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    sizes = tuple(sorted(args.sizes))
    answer: dict[str, Any] = {}
    with temporary_store(backend, workdir, f"long_{backend}") as store:
        started = time.perf_counter()
        with writing_application(store) as app:
            built = build(app, sizes, args.requests)
        events = sum(size * len(ids) for size, ids in built.items())
        answer["dataset"] = {str(size): len(ids) for size, ids in built.items()}
        answer["build_seconds"] = time.perf_counter() - started
        print(f"[bench] {backend}: {events:,} events in long deals"
              f" ({answer['build_seconds']:.0f} s)", flush=True)  # fmt: skip
        run_worker(store, "catch-up")
        answer["http"] = measure_http(store, workdir, built, args.requests)
    with temporary_store(backend, workdir, f"long_rebuild_{backend}") as store:
        answer["rebuild"] = measure_rebuild(
            store, args.rebuild_deals, sizes[-1], 23, args.rebuild_runs
        )
    return answer


# --- the page -----------------------------------------------------------------------------


def markdown(run: dict[str, Any]) -> str:
    facts = run["facts"]
    lines = [
        BEGIN,
        f"_Generated by `{facts['command']}` on {facts['date']} (git {facts['git']});"
        f" {facts['machine']}._",
        "",
        f"Sequential requests on one keep-alive connection (httpx), {run['requests']} of each"
        f" kind per size, the sizes taking turns request by request, round robin over each"
        f" size's deals, after one not counted on each deal (at least {WARM_UP});"
        f" the API is `{shown_command(API_FACTORY)}` on a free loopback port. GET one deal;"
        " POST an InteractionPlanned, then an InteractionCompleted of it, on each deal in turn."
        " Rate: 1 / mean latency (one client).",
        "",
        "| target | backend | measured | goal | status |",
        "|---|---|---|---|---|",
    ]
    for target, backend, measured, goal, met in long_deal_verdicts(run):
        lines.append(f"| {target} | {backend} | {measured} | {goal} |"
                     f" {'**met**' if met else '**not met**'} |")  # fmt: skip
    lines += ["", "| backend | events on the deal | deals | request | median | p95 | rate |"
              " non-2xx |", "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for backend, found in run["backends"].items():
        for kind in ("get", "post"):
            for size, deals in found["dataset"].items():
                t = found["http"][f"{kind}/{size}"]
                lines.append(
                    f"| {backend} | {int(size):,} | {deals} | {kind.upper()} |"
                    f" {t['median_ms']:.2f} ms | {t['p95_ms']:.2f} ms | {t['rate']:,.0f}/s |"
                    f" {t['non_2xx']} |"
                )
    lines += ["", "Rebuild and raw read taken in turns on one store; medians, (min - max), n runs"
              " of each; the share is the medians' ratio, and each pair's in brackets.",
              "", "| backend | rebuilt | rebuild (all views, from zero) | raw read and decode |"
              " share | n |", "|---|---|---|---|---|---|"]  # fmt: skip
    for backend, found in run["backends"].items():
        r = found["rebuild"]
        shares = ", ".join(f"{share:.0%}" for share in r.get("shares", []))
        lines.append(
            f"| {backend} | {r['deals']} deals x {r['size']:,} events ({r['events']:,}) |"
            f" {r['rebuild_rate']:,.0f} events/s{_spread(r.get('rebuild_rates'))} |"
            f" {r['raw_rate']:,.0f} events/s{_spread(r.get('raw_rates'))} |"
            f" {r['rebuild_rate'] / r['raw_rate']:.0%}{f' [{shares}]' if shares else ''} |"
            f" {len(r.get('shares', [])) or 1} |"
        )
    lines += ["", END]
    return "\n".join(lines)


def _at_least_one(text: str) -> int:
    count = int(text)
    if count < 1:
        msg = f"at least 1, not {count}"
        raise argparse.ArgumentTypeError(msg)
    return count


def _spread(rates: list[float] | None) -> str:
    return f" ({min(rates):,.0f} - {max(rates):,.0f})" if rates and len(rates) > 1 else ""


def main(argv: list[str] | None = None) -> int:
    from bench.__main__ import facts  # noqa: PLC0415 (the harness's own header facts)

    parser = argparse.ArgumentParser(prog="python -m bench.long_deals", description=__doc__)
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgres"))
    parser.add_argument("--sizes", type=lambda s: [int(n) for n in s.split(",")],
                        default=list(SIZES))  # fmt: skip
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--rebuild-deals", type=int, default=8)
    parser.add_argument("--rebuild-runs", type=_at_least_one, default=REBUILD_RUNS)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    command = ["bench.long_deals", *(sys.argv[1:] if argv is None else argv)]
    run: dict[str, Any] = {"facts": facts(command[1:]), "requests": args.requests, "backends": {}}
    run["facts"]["command"] = "python -m " + " ".join(command)
    backends = args.backend or ["sqlite", "postgres"]
    with tempfile.TemporaryDirectory(prefix="smallwins-long-") as work:
        for backend in backends:
            if backend == "postgres" and (why := postgres_unavailable()):
                print(f"[bench] skipped PostgreSQL: {why}", flush=True)
                continue
            run["backends"][backend] = run_backend(backend, Path(work), args)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "long_deals.json").write_text(json.dumps(run, indent=2, default=str) + "\n")
    write_block(args.out, markdown(run), (BEGIN, END), "Long deals")
    print(f"[bench] wrote {args.out} and {results / 'long_deals.json'}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
