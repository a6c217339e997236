"""What a view is: named tables, the rows one opportunity has in them (computed from its
state as it stands after its latest event, never from its whole history), and a way to
clear or rebuild itself. Rows are written for a whole batch of opportunities at once:
their old rows deleted, the new ones inserted, a statement per table and per chunk of ids
rather than per opportunity."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.momentum import MomentumPolicy
from domain.records import EVENT_RETRACTED, OPENED, EventRecord
from domain.state import DealState, advance, standing
from storage.gateway import Cursor, insert_rows

Rows = dict[str, list[tuple[Any, ...]]]  # table -> rows (the opportunity id first)
States = Mapping[str, DealState]  # opportunity id -> its state
Others = Mapping[str, Sequence[EventRecord]]  # another aggregate's id -> its new records
CHUNK = 500  # ids per DELETE ... IN (...)


RESET = "reset"  # captured first when what a view added up of an opportunity must go


@dataclass(slots=True)
class Change:
    """What a batch did to one opportunity: its state after it, and what the views that
    follow single events captured after each (by view name; a view that adds events up
    finds RESET first when a retraction changed the past: its captures then start again
    from the opening, over the events that still stand)."""

    state: DealState
    captured: dict[str, list[Any]] = field(default_factory=dict)


def momentum_definition(policy: MomentumPolicy) -> str:
    """The momentum settings, in the definition of a view whose rows depend on them."""
    return (
        f"half-life {policy.half_life_days} d, trend window {policy.trend_window_days} d,"
        f" stall threshold {policy.stall_threshold_days} d"
    )


def is_opportunity(records: Sequence[EventRecord]) -> bool:
    """Whether a history is an opportunity's (the log also holds the sellers' goals)."""
    return bool(records) and records[0].type == OPENED


def play(
    state: DealState | None,
    records: Iterable[EventRecord],
    views: Sequence[OpportunityView],
    history: Callable[[int], Sequence[EventRecord]] | None = None,
) -> Change:
    """Apply `records` to `state` (None: they start with the opening), capturing for the
    views that follow single events. `history(version)` gives the whole history up to a
    version, for a retraction (the standing events are folded again)."""
    capturing = [v for v in views if v.captures]
    last = {v.name: v.baseline(state) if state is not None else None for v in capturing}
    change: Change | None = None
    for record in records:
        if state is None:
            state = DealState(record)
        elif record.type == EVENT_RETRACTED:
            if history is None:
                msg = "a retraction is applied with the history it changes"
                raise ValueError(msg)
            whole = history(record.version)
            state = advance(state, record, whole)
            change = change or Change(state, {v.name: [] for v in capturing})
            change.state = state
            for view in capturing:
                if view.adds_up:
                    change.captured[view.name] = [RESET, *view.capture_history(whole)]
                else:
                    _keep(change, view, record, state, last)
            continue
        else:
            state.add(record)
        change = change or Change(state, {v.name: [] for v in capturing})
        change.state = state
        for view in capturing:
            _keep(change, view, record, state, last)
    if change is None:
        msg = "no records to play"
        raise ValueError(msg)
    return change


def _keep(
    change: Change,
    view: OpportunityView,
    record: EventRecord,
    state: DealState,
    last: dict[str, Any],
) -> None:
    """What `view` captures of `record`, kept unless it keeps nothing of it."""
    point = view.capture(record, state, last[view.name])
    if point is not None:
        change.captured[view.name].append(point)
        last[view.name] = point


def changes_of(
    histories: Mapping[str, Sequence[EventRecord]], views: Sequence[OpportunityView]
) -> dict[str, Change]:
    """Every opportunity among whole `histories`, played from its opening (others left out)."""
    return {
        oid: play(None, records, views, lambda version, r=records: r[:version])  # type: ignore[misc]
        for oid, records in histories.items()
        if is_opportunity(records)
    }


def others_of(histories: Mapping[str, Sequence[EventRecord]]) -> dict[str, Sequence[EventRecord]]:
    """The histories that are not opportunities' (the sellers' goals)."""
    return {oid: records for oid, records in histories.items() if not is_opportunity(records)}


class OpportunityView(ABC):
    name: str
    ddl: tuple[str, ...]
    tables: tuple[str, ...]
    version: int = 1  # raised when the rows a state gives change
    captures: bool = False  # follows single events (see `capture`)
    adds_up: bool = False  # sums what events captured: a retraction starts it again

    def __init__(self, policy: MomentumPolicy) -> None:
        self.policy = policy

    def capture(self, record: EventRecord, state: DealState, previous: Any) -> Any:  # noqa: ARG002
        """What this view keeps of one event, the state as it left it (views that follow
        single events set `captures` and use it; the others write rows from the state).
        `previous` is what it kept last of the same deal (or its `baseline`; None: nothing
        known); None keeps nothing of this event."""
        return None

    def baseline(self, state: DealState) -> Any:  # noqa: ARG002
        """What `capture` is given as `previous` for the first event of a batch, from the
        state the deal's earlier events left (None: nothing)."""
        return None

    def capture_history(self, history: Sequence[EventRecord]) -> list[Any]:
        """The captures of the events of a whole history that still stand, from the
        opening (what a view that adds up holds of the opportunity after a retraction)."""
        kept, _retracted = standing(history)
        state = DealState(kept[0])
        found: list[Any] = []
        previous = None
        for index, record in enumerate(kept):
            if index:
                state.add(record)
            point = self.capture(record, state, previous)
            if point is not None:
                found.append(point)
                previous = point
        return found

    def project_others(self, cursor: Cursor, others: Others, *, fresh: bool = False) -> None:  # noqa: ARG002
        """New events of other aggregates (the sellers' goals); most views ignore them."""
        return

    def definition(self) -> str:
        """What the rows were computed as; a stored view with another definition is
        rebuilt when a runner starts."""
        return f"{self.name} v{self.version}"

    @abstractmethod
    def rows(self, opportunity_id: str, state: DealState) -> Rows:
        """This opportunity's rows in each of `tables`, from its state."""

    def rows_of(self, states: States) -> Rows:
        """The rows of every opportunity in `states`, table by table."""
        new: Rows = {table: [] for table in self.tables}
        for opportunity_id, state in states.items():
            for table, rows in self.rows(opportunity_id, state).items():
                new[table].extend(rows)
        return new

    def rows_of_changes(self, changes: Mapping[str, Change]) -> Rows:
        """The rows of opportunities played from their opening (a sweep): by default from
        their states; views that add up override it to read their captures."""
        return self.rows_of({oid: change.state for oid, change in changes.items()})

    def project(
        self, cursor: Cursor, changes: Mapping[str, Change], *, fresh: bool = False
    ) -> None:
        """Write what a batch changed; `fresh`: the view holds no rows of these
        opportunities yet (a sweep from zero), none to delete. By default the rows of
        each opportunity are replaced by those of its state."""
        states = {oid: change.state for oid, change in changes.items()}
        self.write_rows(cursor, list(states), self.rows_of(states), fresh=fresh)

    def write_rows(
        self, cursor: Cursor, ids: Sequence[str], new: Rows, *, fresh: bool = False
    ) -> None:
        """Replace the rows of the opportunities `ids` by `new` (from `rows_of`)."""
        gone = [] if fresh else list(ids)
        for table in self.tables:
            for at in range(0, len(gone), CHUNK):
                chunk = gone[at : at + CHUNK]
                marks = ", ".join("?" * len(chunk))
                cursor.execute(f"DELETE FROM {table} WHERE opportunity_id IN ({marks})", chunk)  # noqa: S608 (constant names)
            if new[table]:
                insert_rows(cursor, table, new[table])

    def clear(self, cursor: Cursor) -> None:
        for table in self.tables:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (table names are constants)

    def reset(self, cursor: Cursor) -> None:
        """Drop the tables and make them again as this version defines them (a view built
        as something else may have other columns)."""
        for table in self.tables:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in self.ddl:
            cursor.execute(statement)
