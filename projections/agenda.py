"""The agenda view (DESIGN section 6): one row per open interaction of an open or paused
deal, computed from the deal's state (its open interactions, O(those) per event), with the
item as answered and columns for the agenda's order and filters. Whether an item is overdue
depends on the moment of reading: the row keeps when it is planned for, and a reading
compares that with its own instant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from domain.lifecycle import OPEN, PAUSED_STATUS
from domain.names import name_key
from domain.state import DealState
from projections.render import rfc3339
from projections.view import OpportunityView, Rows
from storage.gateway import Database
from storage.personal import opened

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
UNSCHEDULED = 2**62  # the sort value of an interaction without a time: after every instant
AGENDA_STATUSES = frozenset({OPEN, PAUSED_STATUS})
ORDER = "sort_us, opportunity_id, interaction_id"


def micros(moment: datetime) -> int:
    """An instant as whole microseconds since 1970 (UTC): exact, and ordered as instants."""
    return (moment - EPOCH) // timedelta(microseconds=1)


class AgendaView(OpportunityView):
    name = "agenda"
    tables = ("agenda",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS agenda ("
        " opportunity_id TEXT NOT NULL, interaction_id TEXT NOT NULL,"
        " sort_us BIGINT NOT NULL, planned_us BIGINT, owner_key TEXT NOT NULL,"
        " account_key TEXT NOT NULL, status TEXT NOT NULL, item TEXT NOT NULL,"
        " PRIMARY KEY (opportunity_id, interaction_id))",
        f"CREATE INDEX IF NOT EXISTS agenda_order ON agenda ({ORDER})",
        f"CREATE INDEX IF NOT EXISTS agenda_owner ON agenda (owner_key, {ORDER})",
        f"CREATE INDEX IF NOT EXISTS agenda_account ON agenda (account_key, {ORDER})",
    )

    def rows(self, opportunity_id: str, state: DealState) -> Rows:
        status = state.lifecycle.status
        if status not in AGENDA_STATUSES or not state.plans.open:
            return {"agenda": []}
        profile = state.profile
        ladder = state.ladder()
        deal = {
            "opportunity_id": opportunity_id,
            "title": profile["title"],
            "account": profile["account"],
            "owner": profile["owner"],
            "status": status,
            "stage": ladder.stage,
            "next_small_win": ladder.next_small_win,
        }
        owner_key, account_key = name_key(profile["owner"]), name_key(profile["account"])
        found = []
        for interaction in state.plans.open.values():
            planned = interaction.planned_for
            planned_us = micros(planned) if planned is not None else None
            item = {
                "interaction_id": interaction.interaction_id,
                "contact": interaction.contact,
                "department": interaction.department,
                "channel": interaction.channel,
                "purpose": opened(interaction.purpose),
                "commitment_objective": opened(interaction.commitment_objective),
                "planned_for": rfc3339(planned) if planned is not None else None,
                "overdue": False,  # set when read
                "slips": interaction.slips,
                **deal,
            }
            found.append(
                (
                    opportunity_id,
                    interaction.interaction_id,
                    UNSCHEDULED if planned_us is None else planned_us,
                    planned_us,
                    owner_key,
                    account_key,
                    status,
                    orjson.dumps(item).decode(),
                )
            )
        return {"agenda": found}


@dataclass(frozen=True, slots=True)
class AgendaFilters:
    owner: str | None = None  # matched like names
    account: str | None = None  # matched like names
    due_before: datetime | None = None  # planned_for earlier than this (unscheduled left out)
    overdue: bool | None = None  # True: overdue only; False: not overdue


Keyset = tuple[int, str, str]  # (sort_us, opportunity_id, interaction_id) of the last item


def agenda_page(
    database: Database, filters: AgendaFilters, limit: int, after: Keyset | None, at: datetime
) -> tuple[list[dict[str, Any]], Keyset | None]:
    """One page of the agenda in its order, overdue judged at `at`; and the keyset after
    its last item (None when there is no more)."""
    now_us = micros(at)
    where: list[str] = []
    params: list[Any] = []
    if filters.owner is not None:
        where.append("owner_key = ?")
        params.append(name_key(filters.owner))
    if filters.account is not None:
        where.append("account_key = ?")
        params.append(name_key(filters.account))
    # sort_us is planned_us, or UNSCHEDULED (later than any instant) when there is none: the
    # comparisons below leave unscheduled items out of "before" and in "not overdue", and
    # can use the indexes.
    if filters.due_before is not None:
        where.append("sort_us < ?")
        params.append(micros(filters.due_before))
    if filters.overdue is True:
        where.append("sort_us < ?")
        params.append(now_us)
    elif filters.overdue is False:
        where.append("sort_us >= ?")
        params.append(now_us)
    if after is not None:
        where.append(f"({ORDER}) > (?, ?, ?)")
        params.extend(after)
    sql = (
        f"SELECT {ORDER}, planned_us, item FROM agenda"  # noqa: S608 (constant names)
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + f" ORDER BY {ORDER} LIMIT ?"
    )
    with database.read() as cursor:
        cursor.execute(sql, [*params, limit + 1])
        rows = cursor.fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    items = []
    for _sort, _oid, _iid, planned_us, item in rows:
        shown: dict[str, Any] = orjson.loads(item)
        shown["overdue"] = planned_us is not None and planned_us < now_us
        items.append(shown)
    last = rows[-1] if more and rows else None
    return items, (int(last[0]), str(last[1]), str(last[2])) if last is not None else None


def overdue_counts(database: Database, owner_keys: list[str], at: datetime) -> dict[str, int]:
    """How many overdue open interactions each owner has at `at`."""
    if not owner_keys:
        return {}
    marks = ", ".join("?" * len(owner_keys))
    with database.read() as cursor:
        cursor.execute(
            "SELECT owner_key, COUNT(*) FROM agenda"  # noqa: S608 (placeholders only)
            f" WHERE owner_key IN ({marks}) AND sort_us < ? GROUP BY owner_key",
            [*owner_keys, micros(at)],
        )
        return {str(key): int(count) for key, count in cursor.fetchall()}
