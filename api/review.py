"""The service layer of the pipeline review (`GET /v1/pipeline/changes`): what changed in
the deals between two instants, read from the changes view. The first page sees the
caller's own writes; its cursor keeps the `to` the first page was read at (now, when none
was given), so every page compares the same two instants."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.pagination import decode_cursor, encode_cursor, instant_of, invalid_cursor
from api.problems import VALIDATION, Problem, field_error
from api.reads import catch_up
from api.services import Services
from projections.render import rfc3339
from projections.review import ReviewFilters, SortKey, review, summary_of


def changes(
    services: Services,
    start: datetime,
    end: datetime | None,
    filters: ReviewFilters,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    position = decode_cursor(cursor)
    after: SortKey | None = None
    kept: datetime | None = None
    if position:
        try:
            kept = instant_of(position["t"])
            after = _keyset(position["after"])
        except (KeyError, TypeError, ValueError, OverflowError):
            raise invalid_cursor() from None
    now = services.clock()
    if end is None:
        end = kept or now
    elif kept is not None and kept != end:
        raise invalid_cursor() from None
    if end > now:
        _invalid("to", "is in the future")
    if start >= end:
        _invalid("from", "is not before `to`")
    if not position:
        catch_up(services, ("changes",))
    found = review(services.database, start, end, filters, services.policy)
    shown = [r for r in found if after is None or r.key > after]
    page = shown[:limit]
    more = len(shown) > limit
    return {
        "from": rfc3339(start),
        "to": rfc3339(end),
        "summary": summary_of(found),
        "items": [r.item for r in page],
        "next_cursor": encode_cursor(t=rfc3339(end), after=list(page[-1].key)) if more else None,
    }


def _invalid(name: str, message: str) -> None:
    raise Problem(VALIDATION, f"{name} {message}", errors=[field_error(["query", name], message)])


def _keyset(value: object) -> SortKey:
    """[owner, account, title (case-folded), opportunity id]."""
    if not isinstance(value, list) or len(value) != 4:
        raise ValueError
    if not all(isinstance(part, str) and "\x00" not in part for part in value):
        raise ValueError
    return value[0], value[1], value[2], value[3]
