"""The sellers view (DESIGN section 6): what each deal's events count for, per ISO week of
the team's time zone, added up event by event (what `domain.goals.counts_of` says each
event adds, kept by the deal's state as `last_counts`); the amounts of its wins; its current
owner (the counts follow the deal to a new owner: a scorecard reads them through it); and
the sellers' goals, from the Seller aggregates' events.

It adds events up: after a retraction it gets RESET, then the captures of the events that
still stand, and counts that deal again. The weeks are in the team's time zone, so the zone
is part of its definition: another zone rebuilds it."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import orjson

from domain.goals import WeekNames
from domain.momentum import MomentumPolicy
from domain.names import name_key
from domain.records import CLOSED_WON, DETAILS_CHANGED, GOALS_SET, OPENED, EventRecord
from domain.state import DealState
from projections.agenda import micros
from projections.view import CHUNK, RESET, Change, OpportunityView, Others, Rows
from storage.gateway import Cursor, insert_rows

log = logging.getLogger("smallwins.projections")
REGISTERED = "SellerRegistered"
DEAL_TABLES = ("seller_counts", "seller_wins", "seller_deals")


class Counted(NamedTuple):
    """What the sellers view keeps of one event."""

    week: str
    counts: tuple[str, ...]
    won: tuple[str, float] | None  # a win's (currency, amount), when it has an amount
    owner: tuple[str, int] | None  # (owner, recorded_us) when the event set the owner
    version: int


class SellersView(OpportunityView):
    name = "sellers"
    tables = (*DEAL_TABLES, "sellers", "seller_goals")
    captures = True
    adds_up = True
    ddl = (
        # The counts and wins carry the deal's current owner: a change of owner moves them.
        "CREATE TABLE IF NOT EXISTS seller_counts ("
        " opportunity_id TEXT NOT NULL, week TEXT NOT NULL, metric TEXT NOT NULL,"
        " owner_key TEXT NOT NULL, n INTEGER NOT NULL,"
        " PRIMARY KEY (opportunity_id, week, metric))",
        "CREATE INDEX IF NOT EXISTS seller_counts_owner ON seller_counts (owner_key, week)",
        "CREATE TABLE IF NOT EXISTS seller_wins ("
        " opportunity_id TEXT NOT NULL, version INTEGER NOT NULL, week TEXT NOT NULL,"
        " owner_key TEXT NOT NULL, currency TEXT NOT NULL, amount DOUBLE PRECISION NOT NULL,"
        " PRIMARY KEY (opportunity_id, version))",
        "CREATE INDEX IF NOT EXISTS seller_wins_owner ON seller_wins (owner_key, week)",
        # Each deal's owner as spelled, since when (recorded): the first spelling is shown.
        "CREATE TABLE IF NOT EXISTS seller_deals ("
        " opportunity_id TEXT PRIMARY KEY, owner_key TEXT NOT NULL, owner TEXT NOT NULL,"
        " since_us BIGINT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS seller_deals_owner"
        " ON seller_deals (owner_key, since_us, owner)",
        "CREATE TABLE IF NOT EXISTS sellers ("
        " seller_id TEXT PRIMARY KEY, owner_key TEXT NOT NULL, owner TEXT NOT NULL,"
        " since_us BIGINT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS sellers_owner ON sellers (owner_key, since_us, owner)",
        "CREATE TABLE IF NOT EXISTS seller_goals ("
        " seller_id TEXT NOT NULL, version INTEGER NOT NULL, owner_key TEXT NOT NULL,"
        " set_us BIGINT NOT NULL, weekly TEXT NOT NULL, PRIMARY KEY (seller_id, version))",
        "CREATE INDEX IF NOT EXISTS seller_goals_owner ON seller_goals (owner_key, set_us)",
    )

    def __init__(self, policy: MomentumPolicy, zone: ZoneInfo | None = None) -> None:
        super().__init__(policy)
        self.zone = zone or ZoneInfo("UTC")
        self._weeks = WeekNames(self.zone)

    def definition(self) -> str:
        return f"{super().definition()}; weeks in {self.zone.key}"

    # --- what one event counts for ------------------------------------------------------

    def capture(self, record: EventRecord, state: DealState, previous: Any) -> Counted:  # noqa: ARG002
        profile = state.profile
        won = None
        if record.type == CLOSED_WON and profile["amount"] is not None:
            won = (str(profile["currency"]), float(profile["amount"]))  # as it stood at the close
        owner = None
        if record.type == OPENED or (record.type == DETAILS_CHANGED and record.data.get("owner")):
            owner = (str(profile["owner"]), micros(record.recorded_at))
        week = self._weeks.name(record.occurred_at)
        return Counted(week, state.last_counts, won, owner, record.version)

    def rows(self, opportunity_id: str, state: DealState) -> Rows:  # noqa: ARG002
        msg = "the sellers view adds up what it captured of each event, not a state's rows"
        raise TypeError(msg)

    def rows_of_changes(self, changes: Mapping[str, Change]) -> Rows:
        """The whole rows of opportunities played from their opening (a sweep)."""
        new: Rows = {table: [] for table in DEAL_TABLES}
        for oid, change in changes.items():
            owner = name_key(change.state.profile["owner"])
            for table, rows in _totals(oid, owner, _standing(change.captured[self.name])).items():
                new[table].extend(rows)
        return new

    # --- writing ------------------------------------------------------------------------

    def project(
        self, cursor: Cursor, changes: Mapping[str, Change], *, fresh: bool = False
    ) -> None:
        if fresh:
            self.write_rows(cursor, list(changes), self.rows_of_changes(changes), fresh=True)
            return
        again: dict[str, Change] = {}  # a retraction changed the past: counted again
        counts: Counter[tuple[str, str, str, str]] = Counter()
        wins: list[tuple[Any, ...]] = []
        owners: dict[str, tuple[Any, ...]] = {}
        for oid, change in changes.items():
            captured = change.captured.get(self.name, [])
            if RESET in captured:
                again[oid] = change
                continue
            owner = name_key(change.state.profile["owner"])
            for counted in captured:
                _add(oid, owner, counted, counts, wins, owners)
        if again:
            self.write_rows(cursor, list(again), self.rows_of_changes(again))
        if counts:
            cursor.executemany(
                "INSERT INTO seller_counts (opportunity_id, week, metric, owner_key, n)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (opportunity_id, week, metric) DO UPDATE"
                " SET n = seller_counts.n + excluded.n",
                [(*key, n) for key, n in counts.items()],
            )
        if wins:
            insert_rows(cursor, "seller_wins", wins)
        if owners:
            cursor.executemany(
                "INSERT INTO seller_deals (opportunity_id, owner_key, owner, since_us)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (opportunity_id) DO UPDATE"
                " SET owner_key = excluded.owner_key, owner = excluded.owner,"
                " since_us = excluded.since_us",
                list(owners.values()),
            )
            # A new owner: what the deal counted so far moves with it.
            moved = [(row[1], oid) for oid, row in owners.items()]
            for table in ("seller_counts", "seller_wins"):
                cursor.executemany(
                    f"UPDATE {table} SET owner_key = ? WHERE opportunity_id = ?",  # noqa: S608
                    moved,
                )

    def write_rows(
        self, cursor: Cursor, ids: Sequence[str], new: Rows, *, fresh: bool = False
    ) -> None:
        """Replace the deal rows of the opportunities `ids` (the sellers' goals stay)."""
        gone = [] if fresh else list(ids)
        for table in DEAL_TABLES:
            for at in range(0, len(gone), CHUNK):
                chunk = gone[at : at + CHUNK]
                marks = ", ".join("?" * len(chunk))
                cursor.execute(f"DELETE FROM {table} WHERE opportunity_id IN ({marks})", chunk)  # noqa: S608 (constant names)
            if new.get(table):
                insert_rows(cursor, table, new[table])

    def project_others(self, cursor: Cursor, others: Others, *, fresh: bool = False) -> None:  # noqa: ARG002 (each event once: never a row to replace)
        """The sellers (their names as first spelled) and every goals they set."""
        sellers: dict[str, tuple[Any, ...]] = {}
        goals: list[tuple[Any, ...]] = []
        for seller_id, records in others.items():
            for record in records:
                if record.type == REGISTERED:
                    owner = str(record.data["owner"])
                    since = micros(record.recorded_at)
                    sellers[seller_id] = (seller_id, name_key(owner), owner, since)
                elif record.type == GOALS_SET:
                    weekly = orjson.dumps(dict(record.data["weekly"])).decode()
                    set_us = micros(record.occurred_at)
                    goals.append((seller_id, record.version, set_us, weekly))
        if sellers:
            insert_rows(cursor, "sellers", list(sellers.values()))
        if not goals:
            return
        keys = {sid: row[1] for sid, row in sellers.items()}
        keys.update(_owner_keys(cursor, {g[0] for g in goals} - keys.keys()))
        rows = []
        for seller_id, version, set_us, weekly in goals:
            key = keys.get(seller_id)
            if key is None:
                log.warning("goals of seller %s, who was never registered: left out", seller_id)
                continue
            rows.append((seller_id, version, key, set_us, weekly))
        if rows:
            insert_rows(cursor, "seller_goals", rows)


def _standing(captured: Sequence[Any]) -> list[Counted]:
    """The captures after the last RESET (all of them when there is none)."""
    last = max((at for at, c in enumerate(captured) if c == RESET), default=-1)
    return list(captured[last + 1 :])


def _add(
    oid: str,
    owner_key: str,
    counted: Counted,
    counts: Counter[tuple[str, str, str, str]],
    wins: list[tuple[Any, ...]],
    owners: dict[str, tuple[Any, ...]],
) -> None:
    """Add what one event counted for; `owner_key`: the deal's owner after the batch."""
    for metric in counted.counts:
        counts[oid, counted.week, metric, owner_key] += 1
    if counted.won is not None:
        currency, amount = counted.won
        wins.append((oid, counted.version, counted.week, owner_key, currency, amount))
    if counted.owner is not None:
        owner, since = counted.owner
        owners[oid] = (oid, name_key(owner), owner, since)


def _totals(oid: str, owner_key: str, captured: Sequence[Counted]) -> Rows:
    counts: Counter[tuple[str, str, str, str]] = Counter()
    wins: list[tuple[Any, ...]] = []
    owners: dict[str, tuple[Any, ...]] = {}
    for counted in captured:
        _add(oid, owner_key, counted, counts, wins, owners)
    return {
        "seller_counts": [(*key, n) for key, n in sorted(counts.items())],
        "seller_wins": wins,
        "seller_deals": list(owners.values()),
    }


def _owner_keys(cursor: Cursor, seller_ids: set[str]) -> dict[str, str]:
    if not seller_ids:
        return {}
    ids = sorted(seller_ids)
    marks = ", ".join("?" * len(ids))
    cursor.execute(f"SELECT seller_id, owner_key FROM sellers WHERE seller_id IN ({marks})", ids)  # noqa: S608
    return {str(sid): str(key) for sid, key in cursor.fetchall()}
