"""Reads of the sellers view (projections.sellers) and the scorecard of DESIGN section 6
made from them: a seller's counts for a week, the amounts won, the goals in force then and
how many weeks in a row before it met them. Nothing here reads the event log: a past week
is answered from the view."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson

from domain.goals import (
    CANCELLED,
    COMPLETED,
    COMPLETED_WITH_OBJECTIVE,
    GAINED,
    GAINED_WITH_OBJECTIVE,
    LOST,
    OPENED_DEALS,
    PLANNED,
    PLANNED_WITH_OBJECTIVE,
    RESCHEDULED,
    SLIPPED,
    WON,
    Goals,
    Week,
    in_force,
    judged,
    streak,
)
from domain.records import LADDER_EVENT_TYPES
from projections.agenda import EPOCH
from projections.render import rfc3339
from storage.gateway import Cursor, Database

SMALL_WINS = (*LADDER_EVENT_TYPES, GAINED)
Counts = Mapping[str, int]  # metric -> count


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def week_counts(
    database: Database, owner_keys: Sequence[str], week: str
) -> dict[str, dict[str, int]]:
    """Each owner's counts for one week (owners without any are left out)."""
    if not owner_keys:
        return {}
    found: dict[str, dict[str, int]] = {}
    with database.read() as cursor:
        cursor.execute(
            "SELECT owner_key, metric, SUM(n) FROM seller_counts"  # noqa: S608 (placeholders)
            f" WHERE owner_key IN ({_marks(owner_keys)}) AND week = ?"
            " GROUP BY owner_key, metric",
            [*owner_keys, week],
        )
        for key, metric, n in cursor.fetchall():
            found.setdefault(str(key), {})[str(metric)] = int(n)
    return found


class WeeklyCounts:
    """An owner's counts week by week, read backwards a window of weeks at a time, as the
    streak asks for them (most streaks end within the first window)."""

    WINDOW = 8

    def __init__(self, database: Database, owner_key: str) -> None:
        self.database = database
        self.owner_key = owner_key
        self._weeks: dict[str, Counts] = {}

    def __call__(self, week: Week) -> Counts:
        if week.name not in self._weeks:
            window = [week]
            while len(window) < self.WINDOW:
                window.append(window[-1].before())
            found = self._read(window[-1].name, week.name)
            for each in window:
                self._weeks.setdefault(each.name, found.get(each.name, {}))
        return self._weeks[week.name]

    def _read(self, first: str, last: str) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {}
        with self.database.read() as cursor:
            cursor.execute(
                "SELECT week, metric, SUM(n) FROM seller_counts"
                " WHERE owner_key = ? AND week >= ? AND week <= ? GROUP BY week, metric",
                (self.owner_key, first, last),
            )
            for week, metric, n in cursor.fetchall():
                found.setdefault(str(week), {})[str(metric)] = int(n)
        return found


def won_amounts(database: Database, owner_key: str, week: str) -> dict[str, float]:
    """Per currency, the sum of the amounts of the owner's wins that week (exactly rounded,
    whatever order the rows come in)."""
    amounts: dict[str, list[float]] = {}
    with database.read() as cursor:
        cursor.execute(
            "SELECT currency, amount FROM seller_wins WHERE owner_key = ? AND week = ?",
            (owner_key, week),
        )
        for currency, amount in cursor.fetchall():
            amounts.setdefault(str(currency), []).append(float(amount))
    return {currency: math.fsum(amounts[currency]) for currency in sorted(amounts)}


def goals_of(database: Database, owner_keys: Sequence[str]) -> dict[str, list[Goals]]:
    """Every goals each owner set, oldest first."""
    if not owner_keys:
        return {}
    found: dict[str, list[Goals]] = {}
    with database.read() as cursor:
        cursor.execute(
            "SELECT owner_key, version, set_us, weekly FROM seller_goals"  # noqa: S608
            f" WHERE owner_key IN ({_marks(owner_keys)}) ORDER BY set_us, version",
            list(owner_keys),
        )
        for key, version, set_us, weekly in cursor.fetchall():
            goals = Goals(orjson.loads(weekly), instant(int(set_us)), int(version))
            found.setdefault(str(key), []).append(goals)
    return found


def instant(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


def shown_names(database: Database, owner_keys: Iterable[str]) -> dict[str, str]:
    """Each known owner as first spelled: the earliest recorded of the deals' owners and the
    seller's own registration (owners nobody knows are left out)."""
    found: dict[str, str] = {}
    with database.read() as cursor:
        for key in owner_keys:
            first = _first_spelling(cursor, key)
            if first is not None:
                found[key] = first
    return found


def _first_spelling(cursor: Cursor, key: str) -> str | None:
    cursor.execute(
        "SELECT since_us, owner FROM (SELECT since_us, owner FROM seller_deals"
        " WHERE owner_key = ? ORDER BY since_us, owner LIMIT 1) AS d UNION ALL"
        " SELECT since_us, owner FROM (SELECT since_us, owner FROM sellers"
        " WHERE owner_key = ? ORDER BY since_us, owner LIMIT 1) AS s",
        (key, key),
    )
    rows = [(int(since), str(owner)) for since, owner in cursor.fetchall()]
    return min(rows)[1] if rows else None


def owner_keys_after(database: Database, after: str | None, limit: int) -> list[str]:
    """Up to `limit` owners (of a deal, or with goals) after `after`, in order: the deals'
    owners are read by skipping from one owner to the next along the index."""
    start = "" if after is None else after
    with database.read() as cursor:
        cursor.execute(
            "WITH RECURSIVE k(owner_key, n) AS ("
            " SELECT (SELECT MIN(owner_key) FROM seller_deals WHERE owner_key > ?), 1"
            " UNION ALL SELECT (SELECT MIN(d.owner_key) FROM seller_deals d"
            " WHERE d.owner_key > k.owner_key), k.n + 1 FROM k"
            " WHERE k.owner_key IS NOT NULL AND k.n < ?)"
            " SELECT owner_key FROM k WHERE owner_key IS NOT NULL",
            (start, limit),
        )
        keys = {str(row[0]) for row in cursor.fetchall()}
        cursor.execute(
            "SELECT DISTINCT owner_key FROM sellers WHERE owner_key > ? ORDER BY owner_key LIMIT ?",
            (start, limit),
        )
        keys.update(str(row[0]) for row in cursor.fetchall())
    return sorted(keys)[:limit]


def commitment_rate(counts: Counts) -> float | None:
    completed = counts.get(COMPLETED_WITH_OBJECTIVE, 0)
    return round(counts.get(GAINED_WITH_OBJECTIVE, 0) / completed, 3) if completed else None


def streak_before(week: Week, history: Sequence[Goals], counts: Callable[[Week], Counts]) -> int:
    """How many weeks right before `week`, in a row, had goals in force and met them all."""
    judged_weeks = []
    earlier = week.before()
    while (goals := in_force(history, earlier.end)) is not None:
        rows = judged(goals, counts(earlier))
        judged_weeks.append(rows)
        if not rows or not all(row["met"] for row in rows):
            break
        earlier = earlier.before()
    return streak(judged_weeks)


def scorecard(
    owner: str,
    week: Week,
    counts: Counts,
    won: Mapping[str, float],
    history: Sequence[Goals],
    earlier: Callable[[Week], Counts],
    overdue_now: int,
) -> dict[str, Any]:
    """DESIGN section 6's scorecard of one owner and week. `earlier`: the counts of a week
    before it, for the streak."""
    return {
        "owner": owner,
        "week": week.name,
        "from": rfc3339(week.start),
        "to": rfc3339(week.end),
        "small_wins": {metric: counts.get(metric, 0) for metric in SMALL_WINS},
        "interactions": {
            "planned": counts.get(PLANNED, 0),
            "planned_with_objective": counts.get(PLANNED_WITH_OBJECTIVE, 0),
            "completed": counts.get(COMPLETED, 0),
            "completed_with_objective": counts.get(COMPLETED_WITH_OBJECTIVE, 0),
            "commitments_gained": counts.get(GAINED, 0),
            "rescheduled": counts.get(RESCHEDULED, 0),
            "slipped": counts.get(SLIPPED, 0),
            "cancelled": counts.get(CANCELLED, 0),
            "commitment_rate": commitment_rate(counts),
        },
        "deals": {
            "opened": counts.get(OPENED_DEALS, 0),
            "won": counts.get(WON, 0),
            "lost": counts.get(LOST, 0),
            "won_amounts": dict(won),
        },
        "overdue_now": overdue_now,
        "goals": judged(in_force(history, week.end), counts),
        "streak_weeks": streak_before(week, history, earlier),
    }
