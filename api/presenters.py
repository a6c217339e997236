"""Domain records -> response schemas (the opportunity state is rendered by
projections.render, the one rendering shared with the views)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from api.schemas.responses import FeedEntry, HistoryEntry
from domain.records import EventRecord
from projections.render import jsonable


def _event(record: EventRecord) -> dict[str, Any]:
    """What a history item and a feed item both say of an event."""
    return {
        "version": record.version,
        "type": record.type,
        "occurred_at": record.occurred_at,
        "recorded_at": record.recorded_at,
        "recorded_by": record.recorded_by,
        "data": jsonable(dict(record.data)),
    }


def history_item(record: EventRecord, retracted_by: int | None = None) -> HistoryEntry:
    return HistoryEntry(**_event(record), retracted_by=retracted_by)


def feed_item(position: int, opportunity_id: UUID, record: EventRecord) -> FeedEntry:
    return FeedEntry(position=position, opportunity_id=str(opportunity_id), **_event(record))
