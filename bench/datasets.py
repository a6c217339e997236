"""The dataset-bound figures on one backend: grow the store through the demo generator to
each size, keep the views caught up, then measure catch-up, analysis, reads and (at the
largest size reached) HTTP writes.

Growing is bounded in time: past the first size the store grows in chunks, each written by
the generator and then projected, for as long as `plan.grow_budget_seconds` allows; the
largest dataset is the one reached, and the page says so when it falls short."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from bench.load import Targets, measure_reads, measure_writes, prepare_targets
from bench.logwork import (
    WorkerFailed,
    measure_account_reads,
    measure_analysis,
    measure_raw,
    measure_rebuilds,
    record_from_zero,
    record_growth,
    run_worker,
)
from bench.measure import Results
from bench.plan import Plan
from bench.stores import Store


@dataclass(slots=True)
class Population:
    """What the demo generator has written into a store so far."""

    opportunities: int = 0
    events: int = 0
    seconds: float = 0.0
    chunks: int = 0

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


CHUNK = 10_000  # opportunities per generator call; each call has its own seed
CHUNK_TIMEOUT = 300.0  # 10,000 opportunities take about a minute on PostgreSQL here


def populate(store: Store, population: Population, target: int, *, seed: int) -> Population:
    """Grow the store to `target` opportunities through the demo generator's bulk path, in
    chunks of at most CHUNK opportunities, each with its own seed, each in a bounded
    `bench.worker generate` subprocess."""
    while population.opportunities < target:
        count = min(CHUNK, target - population.opportunities)
        started = time.monotonic()
        stats = run_worker(
            store, "generate", str(count), str(seed + population.chunks), timeout=CHUNK_TIMEOUT
        )
        population.opportunities += int(stats["opportunities"])
        population.events += int(stats["events"])
        population.seconds += time.monotonic() - started
        population.chunks += 1
        print(
            f"[bench] {store.backend}: {population.opportunities:,} opportunities,"
            f" {population.events:,} events ({stats['events'] / stats['seconds']:,.0f} events/s)",
            flush=True,
        )
    return population


def measure_datasets(
    plan: Plan, results: Results, workdir: Path, store: Store, http: list[str]
) -> None:
    backend = store.backend
    population = Population()
    datasets = results.facts.setdefault("datasets", {}).setdefault(backend, [])
    targets: Targets | None = None
    for index, wanted in enumerate(plan.sizes):
        before = population.opportunities
        try:
            if index == 0:
                populate(store, population, wanted, seed=plan.seed)
                filled = run_worker(store, "catch-up")  # from empty views: from zero
            else:
                _grow(plan, results, store, population, wanted)
        except WorkerFailed as failure:
            results.skip(f"{backend}: no dataset past {before:,} opportunities: {failure}")
            break
        size = population.opportunities
        if size == before:
            break
        datasets.append({"wanted": wanted, "opportunities": size, "events": population.events,
                         "seconds": population.seconds, "rate": population.rate})  # fmt: skip
        if size < wanted:
            results.skip(
                f"{backend}: the {wanted:,}-opportunity dataset stopped at {size:,} opportunities"
                f" ({population.events:,} events): generating and projecting it took longer than"
                f" the budget of {plan.grow_budget_seconds:,.0f} s (generator"
                f" {population.rate:,.0f} events/s; catch-up rates in section d)"
            )
        print(f"[bench] {backend}: measuring at {size:,} opportunities", flush=True)
        if index == 0 and "catch-up" in plan.sections:
            record_from_zero(results, store, size, filled)
        targets = _measure_at(plan, results, workdir, store, size, index, http)
        if size < wanted:
            break
    if "http-writes" in http and targets is not None:
        measure_writes(results, store, population.opportunities, workdir, plan, targets)


def _measure_at(
    plan: Plan, results: Results, workdir: Path, store: Store, size: int, index: int,
    http: list[str],
) -> Targets | None:  # fmt: skip
    """Everything measured on one dataset; the wrk targets, when HTTP is measured."""
    runs = plan.repeats_at(index)
    if "catch-up" in plan.sections:
        measure_raw(results, store, size, runs)
        budget = plan.rebuild_budget_seconds
        measure_rebuilds(results, store, size, runs - (index == 0), budget)
    if "analysis" in plan.sections:
        measure_analysis(results, store, size, runs)
    if "reads" in plan.sections:
        measure_account_reads(results, store, size)
    if not http:
        return None
    targets = prepare_targets(store, workdir, f"{store.backend}-{size}")
    if "reads" in http:
        measure_reads(results, store, size, workdir, plan, targets)
    return targets


def _grow(plan: Plan, results: Results, store: Store, population: Population, wanted: int) -> None:
    """Chunk by chunk (generate, then project), while the next chunk fits in the budget."""
    deadline = time.monotonic() + plan.grow_budget_seconds
    last = 0.0
    while population.opportunities < wanted and time.monotonic() + last <= deadline:
        started = time.monotonic()
        populate(store, population, min(wanted, population.opportunities + plan.grow_chunk),
                 seed=plan.seed)  # fmt: skip
        answer = run_worker(store, "catch-up")
        if "catch-up" in plan.sections:
            record_growth(results, store, answer)
        last = time.monotonic() - started
