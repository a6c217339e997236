"""The service layer for deals: the commands (open one, record an event) through the one
write path, and the queries (current state, as of an instant, a page of the pipeline, the
history, the verification). Routers parse and answer; everything they ask goes through
here, so no router reaches into the read side's internals."""

from __future__ import annotations

import asyncio
import math
from datetime import datetime
from typing import Any
from uuid import UUID

from api.pagination import decode_cursor, encode_cursor, instant_of, invalid_cursor
from api.reads import catch_up, current_state, views_at_head_async
from api.schemas.events import EventBody, EventFields
from api.services import Services
from domain.application import Written
from domain.ladder import STAGES
from domain.records import EventRecord
from domain.state import describe, standing
from projections.queries import Filters, list_page, list_page_query, page_of, with_momentum
from projections.queries import totals as stage_totals
from projections.render import render_full, rfc3339
from storage.async_reads import AsyncReads
from storage.audit import verify_opportunity
from storage.chain import Verification

# --- commands ---------------------------------------------------------------------------


async def open_deal(services: Services, recorded_by: str, body: EventFields) -> Written:
    pending = services.writer.open(
        recorded_by=recorded_by,
        fields=body.fields(),
        occurred_at=body.occurred_at,  # type: ignore[attr-defined]
        note=body.note,  # type: ignore[attr-defined]
    )
    return await _done(services, "OpportunityOpened", pending)


async def record_event(
    services: Services,
    opportunity_id: UUID,
    recorded_by: str,
    body: EventBody,
    expected_version: int | None,
) -> Written:
    event = body.event
    event_type = str(event.type)  # type: ignore[attr-defined]
    pending = services.writer.record(
        opportunity_id,
        event_type,
        recorded_by=recorded_by,
        fields=event.fields(),
        occurred_at=event.occurred_at,  # type: ignore[attr-defined]
        note=event.note,  # type: ignore[attr-defined]
        expected_version=expected_version,
    )
    return await _done(services, event_type, pending)


async def _done(services: Services, event_type: str, pending: Any) -> Written:
    written: Written = await asyncio.wrap_future(pending)
    services.runner.wake()
    services.metrics.count_event(event_type)
    return written


# --- queries ----------------------------------------------------------------------------


def state_now(services: Services, opportunity_id: UUID) -> dict[str, Any]:
    """The current state (blocking: the store)."""
    return current_state(services, opportunity_id)


def state_as_of(services: Services, opportunity_id: UUID, as_of: datetime) -> dict[str, Any]:
    """The state as recorded at `as_of`, derived values evaluated then (blocking)."""
    records = services.opportunities.history(opportunity_id, as_of=as_of)
    rendered = render_full(str(opportunity_id), describe(records, as_of, services.policy), as_of)
    rendered["as_of"] = rfc3339(as_of)
    return rendered


def page(
    services: Services, filters: Filters, sort: str, limit: int, cursor: str | None
) -> dict[str, Any]:
    """One page of the pipeline: read-your-writes on the first page; later pages keep the
    instant the first was read at, so momentum orders them all alike."""
    at, after = _page_position(services, sort, cursor)
    if after is None:
        catch_up(services, ("pipeline",))
    rows, next_after = list_page(
        services.database, filters, sort, limit, after, at, services.policy
    )
    return _page(services, rows, next_after, at, sort)


async def page_async(
    services: Services,
    reads: AsyncReads,
    filters: Filters,
    sort: str,
    limit: int,
    cursor: str | None,
) -> dict[str, Any] | None:
    """`page` awaited on the event loop through PostgreSQL's async pool (`reads`): no
    worker thread, no transaction around one statement. None when a first page would have
    to wait for the view to catch up: then `page`."""
    at, after = _page_position(services, sort, cursor)
    if after is None and not await views_at_head_async(services, reads, ("pipeline",)):
        return None
    sql, params = list_page_query(filters, sort, limit, after, at, services.policy)
    rows, next_after = page_of(await reads.fetch_all(sql, params), limit)
    return _page(services, rows, next_after, at, sort)


def _page_position(
    services: Services, sort: str, cursor: str | None
) -> tuple[datetime, list[Any] | None]:
    """The instant a page is read at, and the keyset position it starts after (None: the
    first page, read now)."""
    position = decode_cursor(cursor)
    if not position:
        return services.clock(), None
    try:
        at = instant_of(position["t"])
        after = _keyset(position["after"])
        if position.get("sort") != sort:
            raise ValueError
    except (KeyError, TypeError, ValueError, OverflowError):
        raise invalid_cursor() from None
    return at, after


def _page(
    services: Services,
    rows: list[tuple[str, str, str]],
    next_after: list[Any] | None,
    at: datetime,
    sort: str,
) -> dict[str, Any]:
    now = services.clock()
    items = [with_momentum(state, inputs, now, services.policy) for _id, state, inputs in rows]
    next_cursor = (
        encode_cursor(t=rfc3339(at), sort=sort, after=next_after)
        if next_after is not None
        else None
    )
    return {"items": items, "next_cursor": next_cursor}


def totals(services: Services, filters: Filters) -> dict[str, Any]:
    """Per stage of the ladder, how many deals match and their amounts per currency, and
    the same over all of them (read-your-writes, like the first page of the list)."""
    catch_up(services, ("pipeline",))
    found = stage_totals(services.database, filters, services.clock(), STAGES)
    overall: dict[str, float] = {}
    for total in found:
        for currency, amount in total.amounts.items():
            overall[currency] = overall.get(currency, 0.0) + amount
    return {
        "stages": [
            {"stage": t.stage, "count": t.count, "unpriced": t.unpriced, "amounts": t.amounts}
            for t in found
        ],
        "total": {
            "count": sum(t.count for t in found),
            "unpriced": sum(t.unpriced for t in found),
            "amounts": dict(sorted(overall.items())),
        },
    }


def history(services: Services, opportunity_id: UUID) -> tuple[list[EventRecord], dict[int, int]]:
    """Every recorded event, and which versions were taken back by which retraction."""
    records = services.opportunities.history(opportunity_id)
    _kept, retracted = standing(records)
    return records, retracted


def verify(services: Services, opportunity_id: UUID) -> Verification | None:
    return verify_opportunity(
        services.opportunities.recorder, services.database, services.integrity_key, opportunity_id
    )


def _keyset(value: object) -> list[Any]:
    """A cursor's position: [the sort value (always a finite number), an opportunity id]."""
    if not isinstance(value, list) or len(value) != 2 or not isinstance(value[1], str):
        raise ValueError
    first = value[0]
    if isinstance(first, bool) or not isinstance(first, int | float) or not math.isfinite(first):
        raise ValueError
    return [float(first), value[1]]
