"""Reads of the accounts view: a page of accounts in the order asked, and each account's
figures summed from its opportunities' rows: how many deals in each status, the amounts
won per currency, the first win, the last small win, the departments bought in, the repeat
deals and the referrals it gave. An account is listed once it has an opportunity of its
own (an account that only referred others is not)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from domain.lifecycle import STATUSES, WON
from domain.names import name_key
from projections.render import rfc3339
from storage.gateway import Cursor, Database

# sort name -> the sort value of each account (the order is by it, descending, then by key)
_RANKED = {
    "-won": "SELECT account_key, SUM(CASE WHEN status = 'won' THEN 1 ELSE 0 END) AS sort_value"
    " FROM account_deals GROUP BY account_key",
    "-referrals_given": "SELECT a.account_key, COALESCE(r.n, 0) AS sort_value"
    " FROM (SELECT DISTINCT account_key FROM account_deals) a LEFT JOIN (SELECT referrer_key,"
    " COUNT(*) AS n FROM account_deals WHERE referrer_key IS NOT NULL GROUP BY referrer_key) r"
    " ON r.referrer_key = a.account_key",
    "-last_small_win_at": "SELECT account_key, COALESCE(MAX(last_win_ts), -1.0e18)"
    " AS sort_value FROM account_deals GROUP BY account_key",
}
ACCOUNT_SORTS = ("account", *_RANKED)

Position = tuple[float, str]  # the last account of a page: its sort value and key


def account_page(
    database: Database, sort: str, limit: int, after: Position | None
) -> tuple[list[dict[str, Any]], Position | None]:
    """One page of accounts with their figures, and the position after it (None: done).
    Keys are ordered by their characters' code points on both backends."""
    key = 'account_key COLLATE "C"' if database.is_postgres else "account_key"
    if sort == "account":
        sql = (
            f"SELECT account_key FROM account_deals WHERE {key} > ?"  # noqa: S608 (constants)
            f" GROUP BY account_key ORDER BY {key} LIMIT ?"
        )
        params: list[Any] = [after[1] if after else "", limit + 1]
    else:
        sql = f"SELECT account_key, sort_value FROM ({_RANKED[sort]}) s"  # noqa: S608
        params = []
        if after is not None:
            sql += f" WHERE sort_value < ? OR (sort_value = ? AND {key} > ?)"
            params = [after[0], after[0], after[1]]
        sql += f" ORDER BY sort_value DESC, {key} ASC LIMIT ?"
        params.append(limit + 1)
    with database.read() as cursor:
        cursor.execute(sql, params)
        found = [(str(row[0]), float(row[1]) if len(row) > 1 else 0.0) for row in cursor.fetchall()]
        page = found[:limit]
        figures = _figures(cursor, [key for key, _value in page])
    last = (page[-1][1], page[-1][0]) if len(found) > limit and page else None
    return [figures[key] for key, _value in page], last


def account_detail(database: Database, account: str) -> dict[str, Any] | None:
    """One account's figures and the opportunities it referred (None: it has no deal)."""
    key = name_key(account)
    with database.read() as cursor:
        figures = _figures(cursor, [key]).get(key)
        cursor.execute(
            "SELECT opportunity_id, title, account, status FROM account_deals"
            " WHERE referrer_key = ? ORDER BY opened_ts, opportunity_id",
            (key,),
        )
        referred = [
            {"id": str(r[0]), "title": r[1], "account": r[2], "status": r[3]}
            for r in cursor.fetchall()
        ]
    if figures is None:
        return None
    return {**figures, "referred": referred}


def _figures(cursor: Cursor, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The figures of the accounts `keys` that have deals, by key: a few grouped reads."""
    if not keys:
        return {}
    shown = _rows(
        cursor,
        "SELECT account_key, account FROM (SELECT account_key, account, ROW_NUMBER() OVER"
        " (PARTITION BY account_key ORDER BY opened_ts, opportunity_id) AS n"
        " FROM account_deals WHERE account_key IN (*)) s WHERE n = 1",
        keys,
    )
    found = {str(key): _empty(str(account)) for key, account in shown}
    for key, status, count, first_won, last_win in _rows(
        cursor,
        "SELECT account_key, status, COUNT(*), MIN(won_ts), MAX(last_win_ts) FROM account_deals"
        " WHERE account_key IN (*) GROUP BY account_key, status",
        keys,
    ):
        item = found[key]
        item["opportunities"][status] = int(count)
        item["first_won_at"] = _earliest(item["first_won_at"], first_won)
        item["last_small_win_at"] = _latest(item["last_small_win_at"], last_win)
    won: dict[str, dict[str, list[float]]] = {}
    for key, currency, amount in _rows(
        cursor,
        "SELECT account_key, currency, won_amount FROM account_deals"
        " WHERE account_key IN (*) AND won_amount IS NOT NULL",
        keys,
    ):
        won.setdefault(key, {}).setdefault(str(currency), []).append(float(amount))
    for key, count in _rows(
        cursor,
        "SELECT d.account_key, COUNT(*) FROM account_deals d JOIN (SELECT account_key,"
        " MIN(won_ts) AS first_won FROM account_deals WHERE account_key IN (*)"
        " AND won_ts IS NOT NULL GROUP BY account_key) w ON w.account_key = d.account_key"
        " WHERE d.opened_ts > w.first_won GROUP BY d.account_key",
        keys,
    ):
        found[key]["repeat_opportunities"] = int(count)
    for key, count in _rows(
        cursor,
        "SELECT account_key, COUNT(DISTINCT department_key) FROM account_departments"
        " WHERE account_key IN (*) GROUP BY account_key",
        keys,
    ):
        found[key]["departments_bought_in"] = int(count)
    referrals: dict[str, dict[str, list[float]]] = {}
    for key, status, currency, amount in _rows(
        cursor,
        "SELECT referrer_key, status, currency, won_amount FROM account_deals"
        " WHERE referrer_key IN (*)",
        keys,
    ):
        if key not in found:
            continue  # it referred deals but has none of its own
        given = found[key]["referrals_given"]
        given["opened"] += 1
        given["won"] += status == WON
        if amount is not None:
            referrals.setdefault(key, {}).setdefault(str(currency), []).append(float(amount))
    for key, item in found.items():
        item["won_amounts"] = _sums(won.get(key, {}))
        item["referrals_given"]["won_amounts"] = _sums(referrals.get(key, {}))
        for name in ("first_won_at", "last_small_win_at"):
            moment = item[name]
            item[name] = None if moment is None else rfc3339(datetime.fromtimestamp(moment, UTC))
    return found


def _rows(cursor: Cursor, sql: str, keys: Sequence[str]) -> list[Any]:
    """The rows of `sql` whose `IN (*)` stands for the keys."""
    cursor.execute(sql.replace("IN (*)", f"IN ({', '.join('?' * len(keys))})"), list(keys))
    return [(str(row[0]), *row[1:]) for row in cursor.fetchall()]


def _empty(account: str) -> dict[str, Any]:
    return {
        "account": account,
        "opportunities": dict.fromkeys(STATUSES, 0),
        "won_amounts": {},
        "first_won_at": None,
        "last_small_win_at": None,
        "departments_bought_in": 0,
        "repeat_opportunities": 0,
        "referrals_given": {"opened": 0, "won": 0, "won_amounts": {}},
    }


def _sums(amounts: dict[str, list[float]]) -> dict[str, float]:
    """Per currency (in order), the amounts summed exactly rounded."""
    return {currency: math.fsum(amounts[currency]) for currency in sorted(amounts)}


def _earliest(current: float | None, candidate: float | None) -> float | None:
    if candidate is None:
        return current
    return float(candidate) if current is None else min(current, float(candidate))


def _latest(current: float | None, candidate: float | None) -> float | None:
    if candidate is None:
        return current
    return float(candidate) if current is None else max(current, float(candidate))
