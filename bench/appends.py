"""Section a: single-event appends in-process, 1 and N concurrent writer threads.

- smallwins: `GroupCommitWriter.record(...)`, the path the API's write handlers take (load,
  decide, save; concurrent commands coalesced into one transaction per batch);
- baseline: the plain eventsourcing Application with a minimal aggregate that has the same
  one event, `repository.get` + command + `app.save` per command, on the library's own
  SQLite/PostgreSQL recorders.

Every writer thread works through its own opportunities (no conflicts), for a bounded time
and count; the figure is commands acknowledged per second."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, wait
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.measure import Results
from bench.plan import Plan
from bench.stores import BENCH_INTEGRITY_KEY, Store, with_people
from domain.application import Written
from storage.writer import GroupCommitWriter

SUMMARY = "Three plants, manual scheduling, 40 planners"
MAX_COMMANDS_PER_THREAD = 1_000_000
COMMAND_TIMEOUT = 30.0


class Deal(Aggregate):
    """The baseline: the smallest aggregate that records the same event."""

    @event("Opened")
    def __init__(self, title: str) -> None:
        self.title = title
        self.gathered = 0

    @event("CustomerDataGathered")
    def gather_customer_data(
        self,
        summary: str,  # noqa: ARG002 (@event records the arguments in the event)
        occurred_at: datetime,  # noqa: ARG002
        note: str | None,  # noqa: ARG002
        recorded_by: str,  # noqa: ARG002
    ) -> None:
        self.gathered += 1


class Deals(Application[UUID]):
    name = "baseline"


def baseline_env(store: Store, workdir: Path, pool_size: int) -> dict[str, str]:
    """The plain library's persistence on the same kind of store (its own file/database)."""
    if store.backend == "sqlite":
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(workdir / "baseline.db"),
        }
    config = store.application_config()
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": config.dbname,
        "POSTGRES_HOST": config.host,
        "POSTGRES_PORT": str(config.port),
        "POSTGRES_USER": config.user,
        "POSTGRES_PASSWORD": config.password,
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": str(pool_size),
    }


def run_threads(
    writers: int, seconds: float, ids: list[UUID], command: Callable[[UUID], Any]
) -> float:
    """Commands per second: `writers` threads, each over its own share of `ids`."""
    counts = [0] * writers
    failures: list[BaseException] = []
    barrier = threading.Barrier(writers + 1)
    deadline = 0.0

    def work(w: int) -> None:
        mine = ids[w::writers]
        barrier.wait()
        try:
            for k in range(MAX_COMMANDS_PER_THREAD):
                if time.monotonic() >= deadline:
                    return
                command(mine[k % len(mine)])
                counts[w] += 1
        except BaseException as error:  # noqa: BLE001 (re-raised below, once every thread stopped)
            failures.append(error)

    threads = [threading.Thread(target=work, args=(w,), daemon=True) for w in range(writers)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    deadline = started + seconds
    barrier.wait()
    for thread in threads:
        thread.join(seconds + COMMAND_TIMEOUT)
    elapsed = time.monotonic() - started
    if failures:
        raise failures[0]
    return sum(counts) / elapsed


def measure_appends(results: Results, store: Store, workdir: Path, plan: Plan) -> None:
    backend = store.backend
    pool = max(plan.append_writers) + 2
    command_line = f"python -m bench --only appends --backend {backend}"

    app = store.application(pool_size=pool)
    people = with_people(app, store.application_config(pool), BENCH_INTEGRITY_KEY)  # as the API
    writer = GroupCommitWriter(app)
    base = Deals(baseline_env(store, workdir, pool))
    try:
        opened: list[Future[Written]] = [
            writer.open(recorded_by="bench", fields={"title": f"Bench {i}", "account": "Acme"})
            for i in range(plan.append_opportunities)
        ]
        wait(opened, timeout=120)
        ours = [f.result().opportunity_id for f in opened]
        deals = [Deal(f"Bench {i}") for i in range(plan.append_opportunities)]
        base.save(*deals)
        theirs = [d.id for d in deals]

        def smallwins(opportunity_id: UUID) -> None:
            writer.record(
                opportunity_id,
                "CustomerDataGathered",
                recorded_by="bench",
                fields={"summary": SUMMARY},
            ).result(COMMAND_TIMEOUT)

        def baseline(deal_id: UUID) -> None:
            deal: Deal = base.repository.get(deal_id)
            deal.gather_customer_data(SUMMARY, datetime.now(UTC), None, "bench")
            base.save(deal)

        for _repeat in range(plan.repeats):
            for writers in plan.append_writers:
                for subject, ids, command in (
                    ("smallwins", ours, smallwins),
                    ("baseline", theirs, baseline),
                ):
                    rate = run_threads(writers, plan.append_seconds, ids, command)
                    label = (
                        "smallwins (GroupCommitWriter)"
                        if subject == "smallwins"
                        else "eventsourcing Application (baseline)"
                    )
                    results.figure(
                        f"appends/{backend}/{writers}/{subject}",
                        "a",
                        f"{label}, {writers} writer{'s' if writers > 1 else ''}",
                        command_line,
                        backend,
                    ).add("rate", "commands/s", rate)
    finally:
        writer.stop()
        app.close()
        people.close()
        base.close()
