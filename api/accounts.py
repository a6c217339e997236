"""The accounts as equity: a page of them in the order asked, one with its departments and
the deals it referred. Read-your-writes on the first page and on one account."""

from __future__ import annotations

import math
from typing import Any

from api.pagination import decode_cursor, encode_cursor, invalid_cursor
from api.problems import NOT_FOUND, Problem
from api.reads import catch_up
from api.services import Services
from projections.account_queries import Position, account_detail, account_page
from projections.queries import account_relationships

VIEWS = ("accounts",)


def list_accounts(services: Services, sort: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """One page; the cursor holds the sort and the last account's position in it."""
    position = decode_cursor(cursor)
    after: Position | None = None
    if position:
        try:
            after = _position(position, sort)
        except (KeyError, TypeError, ValueError):
            raise invalid_cursor() from None
    else:
        catch_up(services, VIEWS)
    items, last = account_page(services.database, sort, limit, after)
    next_cursor = encode_cursor(sort=sort, after=list(last)) if last is not None else None
    return {"items": items, "next_cursor": next_cursor}


def get_account(services: Services, account: str) -> dict[str, Any]:
    """The account's figures, its departments (as its relationships answer them) and the
    opportunities it referred; 404 when it has no opportunity."""
    catch_up(services, (*VIEWS, "relationships"))
    found = account_detail(services.database, account)
    if found is None:
        raise Problem(NOT_FOUND, "no opportunity has this account")
    relationships = account_relationships(services.database, account)
    found["relationships"] = relationships.departments if relationships else []
    found["referred"] = found.pop("referred")  # after the relationships, as documented
    return found


def _position(position: dict[str, object], sort: str) -> Position:
    """The position a cursor kept, if it is one this sort gave out."""
    after = position["after"]
    if position.get("sort") != sort or not isinstance(after, list) or len(after) != 2:
        raise ValueError
    value, key = after
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError
    if not isinstance(key, str) or "\x00" in key or not math.isfinite(value):
        raise TypeError
    return float(value), key
