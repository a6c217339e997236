"""Work on the log, run in a subprocess so its peak memory is its own:

    python -m bench.worker raw|rebuild|catch-up|analyze|accounts
    python -m bench.worker generate COUNT SEED
    python -m bench.worker loads [COUNT]

on SMALLWINS_DATABASE_URL (with SMALLWINS_INTEGRITY_KEY). Prints one JSON line: events
(the log's length), seconds, per view seconds and events applied (rebuild, catch-up),
peak_rss_mb (VmHWM at the end), helper_peak_rss_mb (the largest child's, e.g. a
sweep's helper processes). `generate` writes COUNT more opportunities through the
demo generator's bulk path. `accounts` reads the first page (limit 50) of the accounts list
in every order, and one account, from the caught-up views, and prints each read's latencies
(`latencies_ms`: p50 and p99 per read). `loads` loads the first COUNT opportunities of the
log (default 1,000) one by one, as the writer and the projection runner load a deal they
hold no copy of, and prints `us_per_deal`."""

from __future__ import annotations

import json
import resource
import sys
import time
from typing import Any

from api.services import build_runner
from api.settings import Settings
from bench.account_reads import time_account_reads
from bench.measure import peak_rss_mb
from bench.stores import with_people
from demo import generate
from domain.application import Opportunities
from domain.records import OPENED
from projections.analysis import analyze
from storage.collector import collect_less
from storage.config import eventsourcing_env
from storage.gateway import Database
from storage.personal import texts_opened_when_shown

BATCH = 500  # the projection runner's batch size


def read_and_decode(app: Opportunities) -> int:
    """The raw rate's work: select the log in batches and decode every event into the
    record every derived value is computed from (`Opportunities.records_of`, the fastest
    decoding smallwins has: the bar catch-up is held to), as the projections decode it:
    names opened, text about people left unopened (`texts_opened_when_shown`)."""
    with texts_opened_when_shown():
        return _read_and_decode(app)


def _read_and_decode(app: Opportunities) -> int:
    start, count = 0, 0
    while True:
        batch = app.recorder.select_notifications(
            start=start, limit=BATCH, inclusive_of_start=False
        )
        if not batch:
            return count
        app.records_of(batch)
        count += len(batch)
        start = batch[-1].id


def cold_loads(app: Opportunities, count: int) -> tuple[int, int]:
    """Load the first `count` opportunities of the log one by one (nothing held before):
    how many were loaded, and the microseconds a load took on average."""
    seen: dict[Any, None] = {}
    start = 0
    while len(seen) < count:
        batch = app.recorder.select_notifications(
            start=start, limit=BATCH, inclusive_of_start=False
        )
        if not batch:
            break
        for notification in batch:
            if notification.topic.endswith(f".{OPENED}") and len(seen) < count:
                seen[notification.originator_id] = None
        start = batch[-1].id
    started = time.perf_counter()
    for deal in seen:
        app.load(deal)
    return len(seen), round((time.perf_counter() - started) * 1e6 / max(1, len(seen)))


def main(mode: str, *args: str) -> dict[str, Any]:
    collect_less()  # as smallwins' commands that work through the log and end do
    settings = Settings()
    storage = settings.storage()
    key = settings.chain_key()
    app = Opportunities(eventsourcing_env(storage, key))
    people = with_people(app, storage, key)  # names are stored sealed: read them back
    database = Database(storage)
    answer: dict[str, Any] = {"mode": mode}
    try:
        started = time.perf_counter()
        if mode == "raw":
            answer["events"] = read_and_decode(app)
        elif mode in ("rebuild", "catch-up"):
            runner = build_runner(settings, app, database)
            answer["events"] = runner.head()
            answer["views"] = list(runner.views)
            if mode == "rebuild":
                for name in runner.views:
                    runner.rebuild(name)
            # All views together, as the service's runner projects them: one read and
            # decode of each batch, one transaction for every view's rows and positions.
            answer["applied"] = {"all": runner.catch_up()}
        elif mode == "generate":
            stats = generate(app, opportunities=int(args[0]), seed=int(args[1]))
            answer["opportunities"], answer["events"] = stats.opportunities, stats.events
        elif mode == "accounts":
            answer["events"] = int(app.recorder.max_notification_id() or 0)
            answer["latencies_ms"] = time_account_reads(database)
        elif mode == "loads":
            count = int(args[0]) if args else 1000
            answer["deals"], answer["us_per_deal"] = cold_loads(app, count)
        elif mode == "analyze":
            answer["events"] = int(app.recorder.max_notification_id() or 0)
            answer["closed"] = analyze(app)["closed"]
        else:
            msg = f"unknown mode {mode!r}"
            raise SystemExit(msg)
        answer["seconds"] = time.perf_counter() - started
    finally:
        database.close()
        app.close()
        people.close()
    answer["peak_rss_mb"] = peak_rss_mb()
    # The sweep's helper processes (SMALLWINS_SWEEP_PROCESSES), waited for when it ended.
    answer["helper_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return answer


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], *sys.argv[2:])), flush=True)
