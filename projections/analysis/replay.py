"""Streaming replay of the event log in position order: one accumulator per open deal,
each closed deal yielded (and its accumulator dropped) as soon as its close is read."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from datetime import datetime

from eventsourcing.persistence import StoredEvent

from domain.application import Opportunities
from domain.records import OPENED, EventRecord
from projections.analysis.deals import ClosedDeal, DealTally

BATCH_SIZE = 1000
Progress = Callable[[int], object]


def log_records(
    app: Opportunities, *, batch_size: int = BATCH_SIZE, progress: Progress | None = None
) -> Iterator[tuple[Hashable, EventRecord]]:
    """(opportunity id, record) for every event up to the head of the log as it is when
    reading starts, in position order, `batch_size` events at a time. The id is only a
    key: as the store gives it (our recorders' plain rows skip building notification
    objects and UUIDs, most of the cost of reading once decoding is fast)."""
    head = int(app.recorder.max_notification_id() or 0)
    select_log = getattr(app.recorder, "select_log", None)
    record_of = app.record_of
    start = 0
    while start < head:
        if select_log is not None:
            rows = select_log(start, head, batch_size)
        else:
            rows = [
                (n.id, n.originator_id, n.originator_version, n.topic, n.state)
                for n in app.recorder.select_notifications(
                    start=start, limit=batch_size, stop=head, inclusive_of_start=False
                )
            ]
        if not rows:
            return
        for _position, key, version, topic, state in rows:
            yield key, record_of(StoredEvent(key, version, topic, state))
        start = rows[-1][0]
        if progress is not None:
            progress(len(rows))


def closed_deals(
    log: Iterable[tuple[Hashable, EventRecord]], as_of: datetime | None = None
) -> Iterator[ClosedDeal]:
    """Each deal closed in `log`, counting only records with `recorded_at <= as_of`."""
    open_deals: dict[Hashable, DealTally] = {}  # by opportunity id, as the store gives it
    for opportunity_id, record in log:
        if as_of is not None and record.recorded_at > as_of:
            continue
        if record.type == OPENED:
            open_deals[opportunity_id] = DealTally(record)
            continue
        tally = open_deals.get(opportunity_id)
        if tally is None:  # its opening was recorded after as_of
            continue
        closed = tally.add(record)
        if closed is not None:
            del open_deals[opportunity_id]
            yield closed
