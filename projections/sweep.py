"""Reading the log by opportunity, for a view that starts from zero.

Caught up in log order, a view recomputes an opportunity's rows once for every batch that
holds one of its events, each time from its whole history so far: a long log costs a
multiple of its events. From zero there is nothing to keep up with yet, so the runner
sweeps the log up to a fixed head by opportunity instead: a page of opportunities (in the
order of their first events) with their whole histories up to the head, each computed
once. The page reads go through the index on (originator_id, originator_version)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain.records import EventRecord
from projections.database import Cursor


@dataclass(frozen=True, slots=True)
class Page:
    histories: dict[str, list[EventRecord]]  # opportunity id -> its records up to the head
    after: int  # the position of the last opportunity's first event
    last: bool  # no opportunity of the log up to the head comes after this page
    events: int


class LogPages:
    """SQL for one backend's events table: rowid on SQLite, notification_id on PostgreSQL."""

    def __init__(self, table: str, *, postgres: bool) -> None:
        self.postgres = postgres
        position = "notification_id" if postgres else "rowid"
        self._firsts = (
            f"SELECT {position}, originator_id FROM {table}"  # noqa: S608 (constant names)
            f" WHERE {position} > ? AND {position} <= ? AND originator_version = 1"
            f" ORDER BY {position} LIMIT ?"
        )
        self._events = (
            f"SELECT originator_id, originator_version, topic, state FROM {table}"  # noqa: S608
            f" WHERE originator_id {'= ANY(?)' if postgres else 'IN ({marks})'}"
            f" AND {position} <= ? ORDER BY originator_id, originator_version"
        )

    def page(
        self,
        cursor: Cursor,
        after: int,
        head: int,
        size: int,
        record_of: Callable[[StoredEvent], EventRecord],
    ) -> Page:
        """The next `size` opportunities whose first event lies in (after, head], with
        their records up to `head`."""
        cursor.execute(self._firsts, (after, head, size + 1))
        firsts = cursor.fetchall()
        last = len(firsts) <= size
        firsts = firsts[:size]
        if not firsts:
            return Page({}, after, last=True, events=0)
        keys = [row[1] for row in firsts]
        if self.postgres:
            cursor.execute(self._events, (keys, head))
        else:
            marks = ", ".join("?" * len(keys))
            cursor.execute(self._events.format(marks=marks), (*keys, head))
        lists: dict[UUID | str, list[EventRecord]] = {key: [] for key in keys}
        rows = cursor.fetchall()
        for key, version, topic, state in rows:
            lists[key].append(record_of(StoredEvent(key, version, topic, bytes(state))))
        histories = {_id(key): records for key, records in lists.items()}
        return Page(histories, int(firsts[-1][0]), last=last, events=len(rows))


def _id(key: UUID | str) -> str:
    """The opportunity id as the views keep it, from the events table's column (a uuid on
    PostgreSQL, its hex digits on SQLite)."""
    return str(key) if isinstance(key, UUID) else str(UUID(key))
