"""Reads that see the caller's own writes: the views are brought up to the head of the log
(bounded by settings.read_wait_seconds) before they are read; a single opportunity whose
view row is still behind is computed from its events instead."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

import anyio.to_thread

from api.services import Services
from domain.errors import OpportunityNotFound
from domain.state import describe
from projections.queries import (
    CurrentRow,
    ViewRow,
    body_with_momentum,
    get_one_with_head,
    one_with_head_query,
    with_momentum,
)
from projections.render import render_full
from projections.tracking import POSITIONS_AND_HEAD, reached, read_positions
from storage.async_reads import AsyncReads

_inline_lock = threading.Lock()
T = TypeVar("T")


def projects_inline(services: Services) -> bool:
    """Whether this process projects on demand: its views, with no background loop,
    are brought to the head by the read that needs them."""
    return services.in_process and not services.runner.is_running


def catch_up(services: Services, names: tuple[str, ...]) -> bool:
    """Bring the named views to the current head; True when they got there in time."""
    runner = services.runner
    head = runner.head()
    if projects_inline(services):
        with _inline_lock:
            runner.catch_up(list(names))
        return True
    return runner.wait_for(head, services.settings.read_wait_seconds, names)


def views_at_head(services: Services, names: tuple[str, ...]) -> bool:
    """Whether the named views already hold every stored event, so a read of them has
    nothing to wait for (False where this process projects inline, on demand)."""
    if projects_inline(services):
        return False
    head = services.runner.head()
    with services.database.read() as cursor:
        return reached(read_positions(cursor, names), names, head)


def open_async_reads(services: Services) -> AsyncReads | None:
    """PostgreSQL's async pool, when reads may be awaited on the event loop through it."""
    reads = services.async_reads
    return reads if reads is not None and reads.is_open else None


async def views_at_head_async(
    services: Services, reads: AsyncReads, names: tuple[str, ...]
) -> bool:
    """`views_at_head` in one statement awaited through `reads`."""
    if projects_inline(services):
        return False
    rows = await reads.fetch_all(
        POSITIONS_AND_HEAD.format(events=_events_table(services)), (list(names),)
    )
    positions = {str(name): int(position) for _head, name, position in rows if name is not None}
    return reached(positions, names, int(rows[0][0]))


async def read_without_waiting(
    services: Services, views: tuple[str, ...], read: Callable[..., T], *args: Any
) -> T:
    """`read(*args)` on the event loop when it blocks nothing: on SQLite (where a read
    waits for no writer, see Database.reads_never_wait) with the `views` it reads already
    at the head of the log. Otherwise in a worker thread. Many connections then no longer
    share the interpreter between worker threads, each read waiting its turn for the
    others' (a list page under 16 connections answered fewer requests a second than
    under one)."""
    if services.database.reads_never_wait and views_at_head(services, views):
        return read(*args)
    return await anyio.to_thread.run_sync(read, *args)


def view_state(services: Services, opportunity_id: UUID) -> dict[str, Any] | None:
    """The current state from the view in one statement, or None when the view's row is
    behind the store (then `current_state`). Raises OpportunityNotFound."""
    found = current_row(_view_row(services, opportunity_id), opportunity_id)
    if found is None:
        return None
    return with_momentum(found.state, found.inputs, services.clock(), services.policy)


def view_body(services: Services, opportunity_id: UUID) -> tuple[bytes, int] | None:
    """`view_state` as the JSON body it is answered with, and its version (a closed
    opportunity's stored state is answered as it is)."""
    return _body(services, current_row(_view_row(services, opportunity_id), opportunity_id))


async def view_body_async(
    services: Services, reads: AsyncReads, opportunity_id: UUID
) -> tuple[bytes, int] | None:
    """`view_body` awaited through the event loop's own PostgreSQL pool (`reads`)."""
    sql, params = one_with_head_query(True, _events_table(services), opportunity_id)
    row = ViewRow(*await reads.fetch_one(sql, params))
    return _body(services, current_row(row, opportunity_id))


def current_row(row: ViewRow, opportunity_id: UUID) -> CurrentRow | None:
    """The row when it has every stored event; OpportunityNotFound when the store has no
    event of this id."""
    if row.store_version is None:
        raise OpportunityNotFound(str(opportunity_id))
    return row.up_to_date()


def _view_row(services: Services, opportunity_id: UUID) -> ViewRow:
    return get_one_with_head(services.database, _events_table(services), opportunity_id)


def _events_table(services: Services) -> str:
    return services.opportunities.recorder.events_table_name  # type: ignore[attr-defined,no-any-return]


def _body(services: Services, found: CurrentRow | None) -> tuple[bytes, int] | None:
    if found is None:
        return None
    body = body_with_momentum(found.state, found.inputs, services.clock(), services.policy)
    return body, found.version


def current_state(services: Services, opportunity_id: UUID) -> dict[str, Any]:
    """From the view when its row has every stored event (after a bounded catch-up);
    otherwise computed from the events themselves."""
    state = view_state(services, opportunity_id)
    if state is not None:
        return state
    catch_up(services, ("pipeline",))
    state = view_state(services, opportunity_id)
    if state is not None:
        return state
    records = services.opportunities.history(opportunity_id)
    now = services.clock()
    return render_full(str(opportunity_id), describe(records, now, services.policy), now)
