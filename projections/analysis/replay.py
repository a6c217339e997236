"""Streaming replay of the event log in position order: one accumulator per open deal,
each closed deal yielded (and its accumulator dropped) as soon as its close is read."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime

from eventsourcing.persistence import StoredEvent

from domain.application import Opportunities
from domain.records import EVENT_RETRACTED, OPENED, REOPENED, EventRecord
from projections.analysis.deals import ClosedDeal, DealTally

BATCH_SIZE = 1000
CORRECTIONS = frozenset({EVENT_RETRACTED, REOPENED})
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


Histories = Callable[[Mapping[Hashable, int]], Iterable[tuple[Hashable, Sequence[EventRecord]]]]
"""Several deals' records, each up to its version (`Opportunities.histories`)."""


def closed_deals(
    log: Iterable[tuple[Hashable, EventRecord]],
    as_of: datetime | None = None,
    histories: Histories | None = None,
) -> Iterator[ClosedDeal]:
    """Each deal closed in `log` by its last close, counting only records with
    `recorded_at <= as_of` and the events that still stand. A deal corrected after its
    opening (a retraction, a reopening) or written to after its close is folded again
    from its standing records: once, after the log, from `histories` up to the last of
    its versions read, all such deals' histories read together."""
    open_deals: dict[Hashable, DealTally] = {}  # by opportunity id, as the store gives it
    closed: dict[Hashable, ClosedDeal] = {}
    refold: dict[Hashable, int] = {}  # corrected deals: the last version read of each
    for opportunity_id, record in log:
        if as_of is not None and record.recorded_at > as_of:
            continue
        if record.type == OPENED:
            open_deals[opportunity_id] = DealTally(record)
            continue
        if opportunity_id in refold:
            refold[opportunity_id] = record.version
            continue
        tally = open_deals.get(opportunity_id)
        if tally is None and opportunity_id not in closed:
            continue  # its opening was recorded after as_of, or not a deal's event
        if record.type in CORRECTIONS or tally is None:
            refold[opportunity_id] = record.version
            open_deals.pop(opportunity_id, None)
            closed.pop(opportunity_id, None)
            continue
        done = tally.add(record)
        if done is not None:
            del open_deals[opportunity_id]
            closed[opportunity_id] = done
    yield from closed.values()
    if not refold:
        return
    if histories is None:
        msg = "a corrected deal is folded again from its history: pass `histories`"
        raise ValueError(msg)
    for _opportunity_id, records in histories(refold):
        _tally, again = DealTally.of(records)
        if again is not None:
            yield again
