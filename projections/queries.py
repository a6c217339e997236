"""Reads from the views: one opportunity, a filtered and sorted page, an account's
departments. Momentum is evaluated here, at the moment of reading."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import UUID

import orjson

from domain.active_time import SECONDS_PER_DAY
from domain.momentum import MomentumPolicy, evaluate
from domain.names import name_key, tidy
from domain.relationships import Department, merge_departments
from projections.codec import load_summary
from projections.pipeline import SORTS
from projections.render import finish, rfc3339
from storage.gateway import Database


@dataclass(frozen=True, slots=True)
class Filters:
    status: str | None = None
    owner: str | None = None
    account: str | None = None
    stage: str | None = None
    stalled: bool | None = None
    single_threaded: bool | None = None
    q: str | None = None  # a case-insensitive substring of title, account or owner
    closed_from: datetime | None = None  # closed at or after (a won or lost deal's close)
    closed_to: datetime | None = None  # closed before (exclusive)


def with_momentum(
    state_json: str | bytes, inputs_json: str | bytes, now: datetime, policy: MomentumPolicy
) -> dict[str, Any]:
    """A stored state finished at `now`: momentum evaluated from the stored summary (a
    closed deal's is in the state already), open interactions marked overdue."""
    state: dict[str, Any] = orjson.loads(state_json)
    momentum = evaluate(load_summary(inputs_json), now, policy) if inputs_json else None
    return finish(state, now, momentum)


def body_with_momentum(
    state_json: str | bytes, inputs_json: str | bytes, now: datetime, policy: MomentumPolicy
) -> bytes:
    """The JSON of `with_momentum`: a closed opportunity's stored state as it is."""
    if not inputs_json:
        return state_json.encode() if isinstance(state_json, str) else state_json
    return orjson.dumps(with_momentum(state_json, inputs_json, now, policy))


def get_one(database: Database, opportunity_id: str) -> tuple[int, str, str] | None:
    with database.read() as cursor:
        cursor.execute(
            "SELECT version, state, inputs FROM pipeline WHERE opportunity_id = ?",
            (opportunity_id,),
        )
        row = cursor.fetchone()
    return (int(row[0]), row[1], row[2]) if row else None


class CurrentRow(NamedTuple):
    """A view row that has every stored event of its opportunity."""

    version: int
    state: str
    inputs: str  # empty when the momentum is in the state (a closed opportunity)


@dataclass(frozen=True, slots=True)
class ViewRow:
    """The view's row for one opportunity (if any) and the store's latest version of it."""

    version: int | None
    state: str | None
    inputs: str | None
    store_version: int | None

    def up_to_date(self) -> CurrentRow | None:
        """The row when it has every stored event, else None."""
        if self.version is None or self.store_version is None or self.state is None:
            return None
        if self.inputs is None or self.version < self.store_version:
            return None
        return CurrentRow(self.version, self.state, self.inputs)


def one_with_head_query(
    is_postgres: bool, events_table: str, opportunity_id: UUID
) -> tuple[str, tuple[str, str]]:
    """The one statement (`?` placeholders) that reads the view row and how far the event
    store has got for that id; its row makes a `ViewRow`."""
    stored_id = str(opportunity_id) if is_postgres else opportunity_id.hex
    sql = (
        "SELECT p.version, p.state, p.inputs,"  # noqa: S608 (the table name is the recorder's)
        f" (SELECT MAX(e.originator_version) FROM {events_table} e WHERE e.originator_id = ?)"
        " FROM (SELECT 1 AS one) AS o LEFT JOIN pipeline p ON p.opportunity_id = ?"
    )
    return sql, (stored_id, str(opportunity_id))


def get_one_with_head(database: Database, events_table: str, opportunity_id: UUID) -> ViewRow:
    """One round trip: the view row and how far the event store has got for that id."""
    sql, params = one_with_head_query(database.is_postgres, events_table, opportunity_id)
    return ViewRow(*database.fetch_one(sql, params))


def list_page(
    database: Database,
    filters: Filters,
    sort: str,
    limit: int,
    after: list[Any] | None,
    at: datetime,
    policy: MomentumPolicy,
) -> tuple[list[tuple[str, str, str]], list[Any] | None]:
    """Rows of one page and the keyset position after its last row (None when done).
    `at` fixes the instant momentum is ordered and `stalled` judged at, for every page."""
    sql, params = list_page_query(filters, sort, limit, after, at, policy)
    with database.read() as cursor:
        cursor.execute(sql, params)
        return page_of(cursor.fetchall(), limit)


def list_page_query(
    filters: Filters,
    sort: str,
    limit: int,
    after: list[Any] | None,
    at: datetime,
    policy: MomentumPolicy,
) -> tuple[str, list[Any]]:
    """The statement of `list_page` (`?` placeholders) and its parameters: it reads one
    row more than `limit`, to know whether a page follows (`page_of`)."""
    expression, descending = SORTS[sort]
    params: list[Any] = []
    if expression == "momentum":
        expression = "(momentum_a + momentum_b * ?)"
        params.append(at.timestamp() / SECONDS_PER_DAY / policy.half_life_days)
    where, where_params = _where(filters, at)
    if after is not None:
        op = "<" if descending else ">"
        where.append(f"({expression} {op} ? OR ({expression} = ? AND opportunity_id {op} ?))")
        where_params += [*params, after[0], *params, after[0], after[1]]
    order = "DESC" if descending else "ASC"
    sql = (
        f"SELECT opportunity_id, state, inputs, {expression} AS sort_value FROM pipeline"  # noqa: S608
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + f" ORDER BY sort_value {order}, opportunity_id {order} LIMIT ?"
    )
    return sql, [*params, *where_params, limit + 1]


def page_of(
    rows: Sequence[Sequence[Any]], limit: int
) -> tuple[list[tuple[str, str, str]], list[Any] | None]:
    """The rows `list_page_query` read: the page's (id, state, inputs), and the keyset
    position after its last row (None when no row follows)."""
    more = len(rows) > limit
    rows = rows[:limit]
    next_after = [rows[-1][3], rows[-1][0]] if more and rows else None
    return [(r[0], r[1], r[2]) for r in rows], next_after


def _where(filters: Filters, at: datetime) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if filters.status:
        where.append("status = ?")
        params.append(filters.status)
    if filters.owner:
        where.append("owner_key = ?")
        params.append(name_key(filters.owner))
    if filters.account:
        where.append("account_key = ?")
        params.append(name_key(filters.account))
    if filters.stage:
        where.append("stage = ?")
        params.append(filters.stage)
    if filters.single_threaded is not None:
        where.append("single_threaded = ?")
        params.append(int(filters.single_threaded))
    if filters.q:
        where.append("search LIKE ? ESCAPE '\\'")
        params.append(f"%{_like(filters.q.strip().casefold())}%")
    if filters.closed_from is not None:
        where.append("closed_ts >= ?")
        params.append(filters.closed_from.timestamp())
    if filters.closed_to is not None:
        where.append("closed_ts < ?")
        params.append(filters.closed_to.timestamp())
    if filters.stalled is not None:
        stalled = "(status = 'open' AND stall_ts IS NOT NULL AND stall_ts < ?)"
        where.append(stalled if filters.stalled else f"NOT {stalled}")
        params.append(at.timestamp())
    return where, params


@dataclass(frozen=True, slots=True)
class StageTotal:
    """How many deals are at one stage, and their amounts summed per currency (deals
    without an amount are counted in `unpriced`)."""

    stage: str
    count: int = 0
    unpriced: int = 0
    amounts: dict[str, float] = field(default_factory=dict)


def totals(
    database: Database, filters: Filters, at: datetime, stages: Sequence[str]
) -> list[StageTotal]:
    """Per stage (every one of `stages`, in that order), the deals that match `filters`
    (`stalled` judged at `at`): one GROUP BY over the pipeline view."""
    where, params = _where(filters, at)
    sql = (
        "SELECT stage, currency, COUNT(*), COUNT(amount), SUM(amount) FROM pipeline"  # noqa: S608
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + " GROUP BY stage, currency ORDER BY stage, currency"
    )
    with database.read() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = {stage: StageTotal(stage) for stage in stages}
    for stage, currency, count, priced, amount in rows:
        total = found.setdefault(stage, StageTotal(stage))
        found[stage] = StageTotal(
            stage,
            total.count + int(count),
            total.unpriced + int(count) - int(priced),
            {**total.amounts, currency: float(amount)} if priced else total.amounts,
        )
    return list(found.values())


def _like(text: str) -> str:
    """`text` as a LIKE pattern that matches itself only."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True, slots=True)
class AccountRelationships:
    account: str
    departments: list[dict[str, Any]]


def account_relationships(database: Database, account: str) -> AccountRelationships | None:
    key = name_key(account)
    with database.read() as cursor:
        cursor.execute(
            "SELECT opportunity_id, account FROM account_opportunities"
            " WHERE account_key = ? ORDER BY opened_ts, opportunity_id",
            (key,),
        )
        opportunities = cursor.fetchall()
        cursor.execute(
            "SELECT opportunity_id, position, name, depth, stakeholders, first_contacted_at,"
            " first_bought_in_at FROM opportunity_departments WHERE account_key = ?",
            (key,),
        )
        rows = cursor.fetchall()
    if not opportunities:
        return None
    order = {row[0]: index for index, row in enumerate(opportunities)}
    rows.sort(key=lambda r: (order.get(r[0], len(order)), r[1]))
    reached = [
        (
            r[0],
            Department(
                r[2],
                r[3],
                tuple(orjson.loads(r[4])),
                _moment(r[5]),
                _moment(r[6]),
            ),
        )
        for r in rows
    ]
    departments = [
        {
            "name": d.name,
            "depth": d.depth,
            "stakeholders": list(d.stakeholders),
            "opportunities": list(d.opportunities),
            "first_contacted_at": rfc3339(d.first_contacted_at) if d.first_contacted_at else None,
            "first_bought_in_at": rfc3339(d.first_bought_in_at) if d.first_bought_in_at else None,
        }
        for d in merge_departments(reached)
    ]
    return AccountRelationships(tidy(opportunities[0][1]), departments)


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
