"""The service layer of the agenda (DESIGN section 6): a page of the open interactions across
deals, read from the agenda view. The first page sees the caller's own writes; its cursor
keeps the instant the first page was read at, so every page judges `overdue` alike."""

from __future__ import annotations

from typing import Any

from api.pagination import decode_cursor, encode_cursor, instant_of, invalid_cursor
from api.reads import catch_up
from api.services import Services
from projections.agenda import UNSCHEDULED, AgendaFilters, Keyset, agenda_page
from projections.render import rfc3339


def page(
    services: Services, filters: AgendaFilters, limit: int, cursor: str | None
) -> dict[str, Any]:
    position = decode_cursor(cursor)
    at = services.clock()
    after: Keyset | None = None
    if position:
        try:
            at = instant_of(position["t"])
            after = _keyset(position["after"])
        except (KeyError, TypeError, ValueError, OverflowError):
            raise invalid_cursor() from None
    else:
        catch_up(services, ("agenda",))
    items, last = agenda_page(services.database, filters, limit, after, at)
    next_cursor = encode_cursor(t=rfc3339(at), after=list(last)) if last is not None else None
    return {"items": items, "next_cursor": next_cursor}


def _keyset(value: object) -> Keyset:
    """[sort value (whole microseconds), opportunity id, interaction id]."""
    if not isinstance(value, list) or len(value) != 3:
        raise ValueError
    sort, oid, iid = value
    if (
        isinstance(sort, bool)
        or not isinstance(sort, int)
        or not -UNSCHEDULED <= sort <= UNSCHEDULED
    ):
        raise ValueError
    if not isinstance(oid, str) or not isinstance(iid, str) or "\x00" in oid + iid:
        raise ValueError
    return sort, oid, iid
