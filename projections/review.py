"""Reads of the changes view (projections.changes): the pipeline review between two
instants. Only deals whose comparison can show a change are read — those with a change
point recorded between the instants, and those open all along whose stalledness can turn
meanwhile (their stall moment falls between the instants, or their latest win or pause
end lies after the first) — two rows each (the one standing at each instant), and their
derived values are evaluated at each instant with the domain's own definitions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.lifecycle import OPEN
from domain.momentum import MomentumPolicy, evaluate
from domain.names import name_key
from domain.review import CHANGE_KINDS, Standing, change_kinds
from projections.agenda import micros
from projections.changes import TABLE
from projections.codec import load_summary
from storage.gateway import Cursor, Database

CHUNK = 500  # ids per IN (...)
MARGIN_US = 60_000_000  # slack around computed instants (rounding): candidates, not answers
POINT = (
    "opportunity_id, title, account, owner, status, rung, stage, amount, expected_close,"
    " score, inputs, slip_us"
)
SortKey = tuple[str, str, str, str]  # owner, account, title (case-folded), id


@dataclass(frozen=True, slots=True)
class ReviewFilters:
    owner: str | None = None
    account: str | None = None


@dataclass(frozen=True, slots=True)
class Point:
    """A change point as read: a deal as it stood after one of its events."""

    opportunity_id: str
    title: str
    account: str
    owner: str
    status: str
    rung: int
    stage: str
    amount: float | None
    expected_close: str | None
    score: float | None  # a closed deal's momentum (fixed at its close)
    inputs: str  # an open or paused deal's momentum summary
    slip_us: int | None

    def standing(self, at: datetime, policy: MomentumPolicy) -> Standing:
        """The deal at `at` (on or after this point was recorded, before the next)."""
        if self.score is not None:
            score, stalled = self.score, False
        else:
            momentum = evaluate(load_summary(self.inputs), at, policy)
            score, stalled = momentum.score, momentum.stalled
        return Standing(
            self.status,
            self.rung,
            self.stage,
            self.amount,
            self.expected_close,
            score,
            stalled,
        )


@dataclass(frozen=True, slots=True)
class Reviewed:
    key: SortKey
    kinds: list[str]
    item: dict[str, Any]


def review(
    database: Database,
    start: datetime,
    end: datetime,
    filters: ReviewFilters,
    policy: MomentumPolicy,
) -> list[Reviewed]:
    """Every deal matching `filters` (as of `end`) that changed from `start` to `end`,
    sorted by owner, account, title and id."""
    t1, t2 = micros(start), micros(end)
    owner = name_key(filters.owner) if filters.owner else None
    account = name_key(filters.account) if filters.account else None
    found: list[Reviewed] = []
    with database.read() as cursor:
        ids = _candidates(cursor, t1, t2)
        for at in range(0, len(ids), CHUNK):
            chunk = ids[at : at + CHUNK]
            afters = _points(cursor, chunk, t2)
            befores = _points(cursor, [i for i in chunk if i in afters], t1)
            for oid, after in afters.items():
                if owner is not None and name_key(after.owner) != owner:
                    continue
                if account is not None and name_key(after.account) != account:
                    continue
                reviewed = _compare(befores.get(oid), after, start, end, policy)
                if reviewed is not None:
                    found.append(reviewed)
    found.sort(key=lambda r: r.key)
    return found


def summary_of(reviewed: Iterable[Reviewed]) -> dict[str, int]:
    """How many deals show each kind of change, every kind listed."""
    counts = dict.fromkeys(CHANGE_KINDS, 0)
    for each in reviewed:
        for kind in each.kinds:
            counts[kind] += 1
    return counts


def _compare(
    before: Point | None, after: Point, start: datetime, end: datetime, policy: MomentumPolicy
) -> Reviewed | None:
    was = before.standing(start, policy) if before is not None else None
    now = after.standing(end, policy)
    slipped = after.slip_us is not None and after.slip_us > micros(start)
    kinds = change_kinds(was, now, slipped=slipped)
    if not kinds:
        return None
    key = (
        name_key(after.owner),
        name_key(after.account),
        after.title.casefold(),
        after.opportunity_id,
    )
    item = {
        "opportunity_id": after.opportunity_id,
        "title": after.title,
        "account": after.account,
        "owner": after.owner,
        "changes": kinds,
        "before": _shown(was),
        "after": _shown(now),
    }
    return Reviewed(key, kinds, item)


def _shown(standing: Standing | None) -> dict[str, Any] | None:
    if standing is None:
        return None
    return {
        "status": standing.status,
        "stage": standing.stage,
        "momentum": standing.score,
        "amount": standing.amount,
        "expected_close": standing.expected_close,
    }


def _candidates(cursor: Cursor, t1: int, t2: int) -> list[str]:
    """Deals whose comparison may show a change: a change point recorded in (t1, t2], or
    open and unchanged all along while their stalledness may turn."""
    found: set[str] = set()
    cursor.execute(
        f"SELECT DISTINCT opportunity_id FROM {TABLE} WHERE recorded_us > ? AND recorded_us <= ?",  # noqa: S608
        (t1, t2),
    )
    found.update(str(row[0]) for row in cursor.fetchall())
    unchanged = "status = ? AND recorded_us <= ? AND until_us > ?"
    cursor.execute(
        f"SELECT opportunity_id FROM {TABLE} WHERE stall_us >= ? AND stall_us <= ? AND {unchanged}",  # noqa: S608
        (t1 - MARGIN_US, t2 + MARGIN_US, OPEN, t1, t2),
    )
    found.update(str(row[0]) for row in cursor.fetchall())
    cursor.execute(
        f"SELECT opportunity_id FROM {TABLE} WHERE change_us > ? AND {unchanged}",  # noqa: S608
        (t1 - MARGIN_US, OPEN, t1, t2),
    )
    found.update(str(row[0]) for row in cursor.fetchall())
    return sorted(found)


def _points(cursor: Cursor, ids: Sequence[str], at: int) -> dict[str, Point]:
    """Each deal's change point standing at `at` (deals not opened by then left out)."""
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    cursor.execute(
        f"SELECT {POINT} FROM {TABLE} WHERE opportunity_id IN ({marks})"  # noqa: S608
        " AND recorded_us <= ? AND until_us > ?",
        [*ids, at, at],
    )
    return {
        str(row[0]): Point(
            str(row[0]),
            str(row[1]),
            str(row[2]),
            str(row[3]),
            str(row[4]),
            int(row[5]),
            str(row[6]),
            float(row[7]) if row[7] is not None else None,
            str(row[8]) if row[8] is not None else None,
            float(row[9]) if row[9] is not None else None,
            str(row[10]),
            int(row[11]) if row[11] is not None else None,
        )
        for row in cursor.fetchall()
    }
