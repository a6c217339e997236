"""What a view is: named tables, the rows one opportunity has in them (computed from its
state as it stands after its latest event, never from its whole history), and a way to
clear or rebuild itself. Rows are written for a whole batch of opportunities at once:
their old rows deleted, the new ones inserted, a statement per table and per chunk of ids
rather than per opportunity."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from domain.momentum import MomentumPolicy
from domain.records import OPENED, EventRecord
from domain.state import DealState, fold
from storage.gateway import Cursor, insert_rows

Rows = dict[str, list[tuple[Any, ...]]]  # table -> rows (the opportunity id first)
States = Mapping[str, DealState]  # opportunity id -> its state
CHUNK = 500  # ids per DELETE ... IN (...)


def is_opportunity(records: Sequence[EventRecord]) -> bool:
    """Whether a history is an opportunity's (the log also holds the sellers' goals)."""
    return bool(records) and records[0].type == OPENED


def fold_all(histories: Mapping[str, Sequence[EventRecord]]) -> dict[str, DealState]:
    """The state of every opportunity among `histories` (others left out)."""
    return {oid: fold(records) for oid, records in histories.items() if is_opportunity(records)}


class OpportunityView(ABC):
    name: str
    ddl: tuple[str, ...]
    tables: tuple[str, ...]
    version: int = 1  # raised when the rows a state gives change

    def __init__(self, policy: MomentumPolicy) -> None:
        self.policy = policy

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

    def project(self, cursor: Cursor, states: States, *, fresh: bool = False) -> None:
        """Replace the rows of every opportunity in `states`; `fresh`: the view holds no
        rows of them yet (a sweep from zero), none to delete."""
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
