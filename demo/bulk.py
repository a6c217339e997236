"""The bulk path: the stories are told as events (in worker processes when that pays),
stored and linked into their chains there, merged in recording order here, and written in
large batches, one transaction each, through the recorder's `insert_linked`."""

from __future__ import annotations

import os
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from demo.parallel import rows_in_parallel
from demo.people import Made, RunSecret
from demo.telling import Row, linked, stored
from domain.application import Opportunities
from storage.chain import Linked
from storage.statistics import refresh_statistics

Progress = Callable[[int, int], Any]  # (opportunities finished, events written)
PARALLEL_FROM = 2000  # deals; below this, starting worker processes costs more than it saves
# On PostgreSQL a batch is one statement whose parameters are arrays of every event
# (projections/chained_postgres.py); keep them to a few megabytes.
POSTGRES_BATCH_LIMIT = 5000
# On SQLite, each batch rewrites the index pages it touches; with time-ordered ids those
# are mostly the last ones, and 50,000 measured no slower than 10,000 or 20,000.
SQLITE_BATCH = 50_000
TAIL_BATCH = 5000


@dataclass(frozen=True, slots=True)
class DemoStats:
    opportunities: int
    events: int
    seconds: float
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Events written per second, wall clock, everything included."""
        return self.events / self.seconds if self.seconds > 0 else 0.0


def default_end(now: datetime | None = None) -> datetime:
    """Today at 00:00 UTC: the same seed gives the same history all day long, and nothing
    is recorded in the future."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def default_workers(opportunities: int) -> int:
    if opportunities < PARALLEL_FROM:
        return 0
    return min(2, os.cpu_count() or 1)


def generate(
    app: Opportunities,
    *,
    opportunities: int = 200,
    seed: int = 1,
    batch_size: int | None = None,
    end: datetime | None = None,
    workers: int | None = None,
    checked: bool = False,
    progress: Progress | None = None,
) -> DemoStats:
    """Write `opportunities` deals recorded over the two years before `end` (default: today
    00:00 UTC), and the reps' goals when the store is empty, at most `batch_size` events per transaction (default SQLITE_BATCH on SQLite; at
    most POSTGRES_BATCH_LIMIT on PostgreSQL). Deterministic: the same seed and end give the
    same events, ids included, whatever the batch size or number of `workers` (0: tell the
    stories in this process; default: in parallel for large runs), `checked` or not (True:
    every story is played through the domain's commands, slower)."""
    started = time.perf_counter()
    end = default_end() if end is None else end
    if end.tzinfo is None or end > datetime.now(UTC):
        msg = "end must be an aware datetime that is not in the future"
        raise ValueError(msg)
    if opportunities < 0 or (batch_size is not None and batch_size < 1):
        msg = "opportunities must be at least 0 and batch_size at least 1"
        raise ValueError(msg)
    workers = default_workers(opportunities) if workers is None else workers
    batch_size = _batch_size(app, batch_size)
    key: bytes = app.recorder.integrity_key  # type: ignore[attr-defined]
    secret = _run_secret(app)
    # The reps' goals are part of a first history: a store that already has events (a
    # benchmark growing its store) may hold their sellers already.
    goals = not app.recorder.max_notification_id()
    story = (seed, opportunities, end.timestamp(), checked, goals)
    stream: Iterator[Row]
    if workers > 0:
        stream = rows_in_parallel(app, key, secret, story, workers)
    else:
        told = stored(
            seed,
            opportunities,
            end.timestamp(),
            app.mapper,
            secret=secret,
            checked=checked,
            goals=goals,
        )
        stream = linked(told, key)
    written = 0
    statuses: Counter[str] = Counter()
    batch: list[Linked] = []
    made: list[Made] = []
    limit = batch_size
    for row in stream:
        batch.append(row[3:8])  # (id, version, topic, state, link)
        if row[8] is not None:
            statuses[row[8]] += 1
        made.extend(row[9])
        if len(batch) >= limit:
            written += _write(app, batch, made)
            batch, made = [], []
            limit = next_batch(
                batch_size, opportunities - statuses.total(), written, statuses.total()
            )
            if progress is not None:
                progress(statuses.total(), written)
    written += _write(app, batch, made)
    refresh_statistics(app)
    if progress is not None:
        progress(statuses.total(), written)
    return DemoStats(opportunities, written, time.perf_counter() - started, dict(statuses))


def _run_secret(app: Opportunities) -> RunSecret:
    """A secret of this run only (the people's keys are made from it, and it is
    forgotten), and the people the store already finds by name: named again, not made."""
    people = getattr(app, "people", None)
    if people is None or people.secret is None:
        return RunSecret(secrets.token_bytes(32))
    return RunSecret(secrets.token_bytes(32), people.secret, people.named())


def next_batch(largest: int, unfinished: int, written: int, finished: int) -> int:
    """The size of the next batch: `largest`, until the events still to come (estimated
    from the deals not yet finished, at the events per finished deal so far) are fewer
    than two batches; then half of them, down to TAIL_BATCH. The last batch is written
    after every story has been told, with nothing left to overlap it: it should be small."""
    if finished == 0:
        return largest
    to_come = unfinished * written // finished
    return min(largest, max(TAIL_BATCH, to_come // 2))


def _batch_size(app: Opportunities, asked: int | None) -> int:
    # Imported here: the demo workers import this package and never need psycopg.
    from eventsourcing.postgres import PostgresApplicationRecorder  # noqa: PLC0415

    if isinstance(app.recorder, PostgresApplicationRecorder):
        return min(asked or POSTGRES_BATCH_LIMIT, POSTGRES_BATCH_LIMIT)
    return asked or SQLITE_BATCH


def _write(app: Opportunities, batch: list[Linked], made: list[Made]) -> int:
    """The people the batch names first (before the events that name them), then it."""
    people = getattr(app, "people", None)
    if made and people is not None:
        people.adopt(made)
    if batch:
        app.recorder.insert_linked(batch)  # type: ignore[attr-defined]
    return len(batch)
