"""The changes view (the pipeline review): for every event of a deal that changes what the
review compares, one change point — the deal as it stood right after that event, in the
few columns the review compares, keyed by when it was recorded. A past state is a deal's
last change point recorded by then (a deal's events are recorded in version order), so
comparing two instants reads two rows per deal instead of replaying two histories.

An event that leaves every compared column as it was, and momentum's inputs too (an
interaction planned, moved or completed without a commitment, most of a long deal's
history), writes no point: the one standing before it tells the deal at every later
instant alike (its momentum summary holds for any instant after it was made). So the view
grows with what changed, not with the number of events, and a rebuild writes the same
points as the events applied one by one (each compared with the state before it).

A row is written from the deal's state as the event left it (appended, never recomputed):
the status, ladder rung, amount, expected close, the names the review shows, the slip
recorded last, and what evaluates momentum at any later instant — the fixed score of a
closed deal, or the summary the pipeline view keeps for an open or paused one. The row
before it gets `until_us`, when the next one was recorded, so "the row standing at T" is
`recorded_us <= T < until_us`, one index range. Two columns find the deals whose
stalledness can turn while no event is recorded: `stall_us` (an open deal stalls then if
nothing else is recorded) and `change_us` (its latest win or pause end, which may lie
after the recording). The momentum settings are part of its definition."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from domain.ladder import rung_of, stage_of
from domain.lifecycle import OPEN
from domain.momentum import moment
from domain.names import name_key
from domain.records import EventRecord
from domain.state import DealState
from projections.agenda import micros
from projections.codec import dump_summary
from projections.view import Change, OpportunityView, Rows, momentum_definition
from storage.gateway import Cursor, insert_rows

TABLE = "change_points"
STANDING = 2**62  # until_us of a deal's latest change point: after every instant
COLUMNS = (
    "opportunity_id, version, recorded_us, until_us, owner_key, account_key, title,"
    " account, owner, status, rung, stage, amount, expected_close, score, inputs,"
    " stall_us, change_us, slip_us"
)


class Captured(NamedTuple):
    """What the view keeps of an event: what the review compares, and the change point's
    columns after opportunity_id (until_us left out; none for a baseline)."""

    compared: tuple[Any, ...]
    row: tuple[Any, ...]


class ChangesView(OpportunityView):
    name = "changes"
    tables = (TABLE,)
    version = 2  # 2: no point for an event that changes nothing the review compares
    captures = True
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " opportunity_id TEXT NOT NULL, version INTEGER NOT NULL,"
        " recorded_us BIGINT NOT NULL, until_us BIGINT NOT NULL,"
        " owner_key TEXT NOT NULL, account_key TEXT NOT NULL, title TEXT NOT NULL,"
        " account TEXT NOT NULL, owner TEXT NOT NULL, status TEXT NOT NULL,"
        " rung INTEGER NOT NULL, stage TEXT NOT NULL, amount DOUBLE PRECISION,"
        " expected_close TEXT, score DOUBLE PRECISION, inputs TEXT NOT NULL,"
        " stall_us BIGINT, change_us BIGINT NOT NULL, slip_us BIGINT,"
        " PRIMARY KEY (opportunity_id, version))",
        # the deals with a point recorded in a window, from the index alone
        "DROP INDEX IF EXISTS change_points_recorded",
        f"CREATE INDEX IF NOT EXISTS change_points_recorded_ids"
        f" ON {TABLE} (recorded_us, opportunity_id)",
        f"CREATE INDEX IF NOT EXISTS change_points_stall ON {TABLE} (stall_us)",
        f"CREATE INDEX IF NOT EXISTS change_points_change ON {TABLE} (change_us)",
        f"CREATE INDEX IF NOT EXISTS change_points_at"
        f" ON {TABLE} (opportunity_id, recorded_us, until_us)",
    )

    def definition(self) -> str:
        return f"{super().definition()}; {momentum_definition(self.policy)}"

    def baseline(self, state: DealState) -> Captured:
        """The deal as its events before a batch left it, to compare the first with."""
        return Captured(self._compared(state), ())

    def capture(self, record: EventRecord, state: DealState, previous: Any) -> Captured | None:
        """The deal as this event left it; None when the event changed nothing the review
        compares (the change point standing before it still tells the deal at every
        later instant)."""
        compared = self._compared(state)
        if previous is not None and previous.compared == compared:
            return None
        title, account, owner, status, rung, stage, amount, close, score, slip_us = compared[:10]
        tally = state.momentum
        stall = tally.stall_at(self.policy) if status == OPEN else None
        inputs = "" if score is not None else dump_summary(state.summary(self.policy))
        row = (
            record.version,
            micros(state.latest_recording),
            name_key(owner),
            name_key(account),
            title,
            account,
            owner,
            status,
            rung,
            stage,
            amount,
            close,
            score,
            inputs,
            micros(stall) if stall is not None else None,
            micros(moment(tally.latest_change())),
            slip_us,
        )
        return Captured(compared, row)

    def _compared(self, state: DealState) -> tuple[Any, ...]:
        """What the review reads of the deal's state, momentum as what its value at any
        later instant depends on: the score fixed at a close, or the tally's mark (which
        also decides when an open deal stalls and its latest change)."""
        profile = state.profile
        fixed = state.fixed_momentum(self.policy)
        expected_close = profile["expected_close"]
        slip = state.slip_recorded_at
        top = state.rungs.resume_point()
        return (
            profile["title"],
            profile["account"],
            profile["owner"],
            state.lifecycle.status,
            rung_of(top),
            stage_of(top),
            profile["amount"],
            expected_close.isoformat() if expected_close else None,
            fixed.score if fixed is not None else None,
            micros(slip) if slip is not None else None,
            state.momentum.mark(),
        )

    def rows(self, opportunity_id: str, state: DealState) -> Rows:  # noqa: ARG002
        msg = "the changes view writes what it captured of each event, not a state's rows"
        raise TypeError(msg)

    def rows_of_changes(self, changes: Mapping[str, Change]) -> Rows:
        """Every change point of opportunities played from their opening (a sweep)."""
        rows: list[tuple[Any, ...]] = []
        for oid, change in changes.items():
            rows.extend(_chained(oid, change.captured.get(self.name, [])))
        return {TABLE: rows}

    def project(
        self, cursor: Cursor, changes: Mapping[str, Change], *, fresh: bool = False
    ) -> None:
        """Append each deal's new change points; the one standing before them ends when
        the first of them was recorded."""
        if fresh:
            self.write_rows(cursor, list(changes), self.rows_of_changes(changes), fresh=True)
            return
        ended: list[tuple[Any, ...]] = []
        rows: list[tuple[Any, ...]] = []
        for oid, change in changes.items():
            captured = change.captured.get(self.name, [])
            if captured:
                ended.append((captured[0].row[1], oid, STANDING))
                rows.extend(_chained(oid, captured))
        if ended:
            cursor.executemany(
                f"UPDATE {TABLE} SET until_us = ? WHERE opportunity_id = ? AND until_us = ?",  # noqa: S608
                ended,
            )
        if rows:
            insert_rows(cursor, TABLE, rows)


def _chained(oid: str, captured: Sequence[Captured]) -> list[tuple[Any, ...]]:
    """Rows in column order, each ending when the next was recorded (the last standing)."""
    rows = []
    for index, point in enumerate(captured):
        following = captured[index + 1].row[1] if index + 1 < len(captured) else STANDING
        row = point.row
        rows.append((oid, row[0], row[1], following, *row[2:]))
    return rows
