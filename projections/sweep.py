"""Reading the log by opportunity, for a view that starts from zero.

Caught up in log order, a view recomputes an opportunity's rows once for every batch that
holds one of its events, each time from its whole history so far: a long log costs a
multiple of its events. From zero there is nothing to keep up with yet, so the runner
sweeps the log up to a fixed head by opportunity instead: a page of opportunities with
their whole histories up to the head, each computed once. The pages follow the events
table's primary key, (originator_id, originator_version)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain.batches import runs
from domain.records import EventRecord
from storage.gateway import Cursor

Histories = dict[str, list[EventRecord]]  # opportunity id -> its records up to the head
SWEEP_EVENTS = 10_000  # events a page of a sweep holds at most (unless one deal has more)


@dataclass(frozen=True, slots=True)
class Page:
    low: str  # the page holds the opportunities with ids after `low`...
    high: str  # ...up to and including `high` (the events table's id column, as text)
    last: bool  # no opportunity of the log up to the head comes after this page


class LogPages:
    """SQL for one backend's events table (rowid on SQLite, notification_id on PostgreSQL
    is the position). Pages follow the ids' order, the order of the events table's primary
    key: the ids of a page are read from that index alone, and a page's histories are one
    range of it."""

    def __init__(self, table: str, *, postgres: bool) -> None:
        self.postgres = postgres
        position = "notification_id" if postgres else "rowid"
        cast = "::uuid" if postgres else ""
        self.start = "00000000-0000-0000-0000-000000000000" if postgres else ""  # below any id
        # Each opening with its deal's latest version (one index lookup: the page's size in
        # events, counting any recorded after the head too; it only sizes pages).
        self._ids = (
            f"SELECT e.originator_id, (SELECT MAX(f.originator_version) FROM {table} f"  # noqa: S608 (constant names)
            f" WHERE f.originator_id = e.originator_id) FROM {table} e"
            f" WHERE e.originator_id > ?{cast} AND e.originator_version = 1 AND e.{position} <= ?"
            f" ORDER BY e.originator_id LIMIT ?"
        )
        self._events = (
            f"SELECT originator_id, originator_version, topic, state FROM {table}"  # noqa: S608
            f" WHERE originator_id > ?{cast} AND originator_id <= ?{cast} AND {position} <= ?"
        )

    def _use_indexes(self, cursor: Cursor) -> None:
        if self.postgres:
            # Through the primary key's index, stopping at the limit, whatever the planner's
            # statistics say (right after a bulk load it has none and may choose a bitmap
            # scan of the whole rest of the table for every page).
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("SET LOCAL enable_seqscan = off")

    def pages(
        self, cursor: Cursor, after: str, head: int, size: int, count: int, events: int
    ) -> list[Page]:
        """Up to `count` pages of opportunities with ids after `after` and first events up
        to `head`, in order: `size` opportunities a page, fewer where their events reach
        `events` first (a page of long deals is as much work as a page of short ones, and
        helpers share the long deals of a small store), at least one."""
        self._use_indexes(cursor)
        cursor.execute(self._ids, (after, head, size * count + 1))
        rows = cursor.fetchall()
        complete = len(rows) <= size * count  # every opening after `after` is here
        deals = [(str(key), int(latest)) for key, latest in rows[: size * count]]
        final = deals[-1][0] if deals else None
        found: list[Page] = []
        low = after
        for run in islice(runs(deals, size, events), count):
            found.append(Page(low, run[-1], last=complete and run[-1] == final))
            low = run[-1]
        return found or [Page(after, after, last=True)]

    def histories(
        self,
        cursor: Cursor,
        page: Page,
        head: int,
        records_of: Callable[[Sequence[StoredEvent]], list[EventRecord]],
    ) -> tuple[Histories, int]:
        """The page's opportunities' records up to `head`, and how many there are."""
        if page.high == page.low:
            return {}, 0
        self._use_indexes(cursor)
        cursor.execute(self._events, (page.low, page.high, head))
        rows = cursor.fetchall()
        lists: dict[Any, list[EventRecord]] = {}
        stored = [StoredEvent(key, version, topic, bytes(state)) for key, version, topic, state in rows]
        for event, record in zip(stored, records_of(stored), strict=True):
            records = lists.get(event.originator_id)
            if records is None:
                records = lists[event.originator_id] = []
            records.append(record)
        found = {_id(key): sorted(records, key=_version) for key, records in lists.items()}
        return found, len(rows)


def _id(key: UUID | str) -> str:
    """The opportunity id as the views keep it, from the events table's column (a uuid on
    PostgreSQL, its hex digits on SQLite)."""
    return str(key) if isinstance(key, UUID) else str(UUID(key))


def _version(record: EventRecord) -> int:
    return record.version
