"""The group-commit writer's own copies of recently used opportunities, and how far into
the event log they are known to be current.

A copy holds saved events only: it is kept after its batch commits (or after it was read
from the store) and dropped as soon as a save of it fails. It is used without reading the
store first. What other writers (other processes) record is learnt from the log:

- our commit's log positions follow the last one we know of: nobody else wrote meanwhile;
- otherwise, before the next batch, the log is read from there (one query) and the
  other writers' events are applied to our copies;
- a copy that another writer moved on after that read is caught when it is saved (its
  next version is taken already): the log is read again and the batch run again.

This relies on the recorders issuing log positions in commit order (both do: PostgreSQL
under the library's table lock, SQLite with its single writer)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.application import Opportunities
from domain.errors import HistoryNeeded

PAGE = 500  # log entries read at a time when catching up
MAX_PAGES = 20  # further behind than this: forget every copy rather than read on


class Copies:
    """At most `size` opportunities, least recently used dropped first (used by the writer
    thread only)."""

    def __init__(self, app: Opportunities, size: int) -> None:
        self.app = app
        self.size = size
        self._copies: OrderedDict[UUID, Aggregate] = OrderedDict()
        self._seen: int | None = None  # every event up to this log position is in the copies
        self._behind = False  # events after `_seen` may be missing

    def get(self, opportunity_id: UUID) -> Aggregate | None:
        copy = self._copies.get(opportunity_id)
        if copy is not None:
            self._copies.move_to_end(opportunity_id)
        return copy

    def keep(self, opportunities: Iterable[tuple[UUID, Aggregate]]) -> None:
        for opportunity_id, opportunity in opportunities:
            self._copies[opportunity_id] = opportunity
            self._copies.move_to_end(opportunity_id)
        while len(self._copies) > self.size:
            self._copies.popitem(last=False)

    def drop(self, opportunity_ids: Iterable[UUID]) -> None:
        for opportunity_id in opportunity_ids:
            self._copies.pop(opportunity_id, None)

    def forget_all(self) -> None:
        """Drop every copy (they are read again from the store when next used)."""
        self._copies.clear()

    def __len__(self) -> int:
        return len(self._copies)

    # --- following the log ------------------------------------------------------------

    def saved(self, positions: Iterable[int]) -> None:
        """Our batch was committed at these log positions."""
        ours = sorted(positions)
        if not ours:
            return
        if self._seen is not None and not self._behind and ours[0] == self._seen + 1:
            self._seen = ours[-1]  # nobody else wrote since
        else:
            self._behind = True

    def fell_behind(self) -> None:
        """Another writer recorded something we have not seen (a save clashed)."""
        self._behind = True

    def catch_up(
        self, *, known: Mapping[UUID, int] | None = None, force: bool = False
    ) -> set[UUID]:
        """Apply what other writers recorded since the last position we know of, if we
        may be behind (or `force`). Opportunities in `known` (id: the version we hold)
        are not changed, only reported. Returns the ids other writers moved on."""
        recorder = self.app.recorder
        if self._seen is None:  # the first batch: copies start from here
            self._seen = recorder.max_notification_id() or 0
            self._behind = False
            return set()
        if not (self._behind or force):
            return set()
        known = known or {}
        moved: set[UUID] = set()
        for _page in range(MAX_PAGES):
            entries = recorder.select_notifications(start=self._seen + 1, limit=PAGE)
            for entry in entries:
                self._follow(entry, known, moved)
            if entries:
                self._seen = entries[-1].id
            if len(entries) < PAGE:
                self._behind = False
                return moved
        self._copies.clear()  # too far behind to read on: start afresh
        self._seen = recorder.max_notification_id() or 0
        self._behind = False
        return moved | set(known)

    def _follow(self, entry: Any, known: Mapping[UUID, int], moved: set[UUID]) -> None:
        opportunity_id = entry.originator_id
        if not isinstance(opportunity_id, UUID):
            opportunity_id = UUID(str(opportunity_id))
        version = entry.originator_version
        if opportunity_id in known:
            if version > known[opportunity_id]:
                moved.add(opportunity_id)
            return
        copy = self._copies.get(opportunity_id)
        if copy is None or version <= copy.version:
            return  # not copied, or our own event
        moved.add(opportunity_id)
        if version == copy.version + 1:
            event: Any = self.app.mapper.to_domain_event(entry)  # an Opportunity's or a Seller's event
            try:
                event.mutate(copy)
            except HistoryNeeded:  # a copy from a snapshot cannot apply a retraction
                del self._copies[opportunity_id]
        else:
            del self._copies[opportunity_id]
