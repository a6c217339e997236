"""What a view is: named tables, the rows one opportunity has in them (computed from its
records), and a way to clear itself for a rebuild. Rows are written for a whole batch of
opportunities at once: their old rows deleted, the new ones inserted, a statement per table
and per chunk of ids rather than per opportunity."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from domain.momentum import MomentumPolicy
from domain.records import EventRecord
from storage.gateway import Cursor, insert_rows

Rows = dict[str, list[tuple[Any, ...]]]  # table -> rows (the opportunity id first)
CHUNK = 500  # ids per DELETE ... IN (...)


class OpportunityView(ABC):
    name: str
    ddl: tuple[str, ...]
    tables: tuple[str, ...]
    version: int = 1  # raised when the rows a history gives change

    def __init__(self, policy: MomentumPolicy) -> None:
        self.policy = policy

    def definition(self) -> str:
        """What the rows were computed as; a stored view with another definition is
        rebuilt when a runner starts."""
        return f"{self.name} v{self.version}"

    @abstractmethod
    def rows(self, opportunity_id: str, records: Sequence[EventRecord]) -> Rows:
        """This opportunity's rows in each of `tables`, from its whole history so far."""

    def project(self, cursor: Cursor, opportunity_id: str, records: Sequence[EventRecord]) -> None:
        """Write one opportunity's rows from its whole history so far."""
        self.project_many(cursor, {opportunity_id: records})

    def project_many(
        self,
        cursor: Cursor,
        histories: Mapping[str, Sequence[EventRecord]],
        *,
        fresh: bool = False,
    ) -> None:
        """Replace the rows of every opportunity in `histories` (id -> whole history);
        `fresh`: the view holds no rows of them yet (a sweep from zero), none to delete."""
        self.write_rows(cursor, list(histories), self.rows_of(histories), fresh=fresh)

    def rows_of(self, histories: Mapping[str, Sequence[EventRecord]]) -> Rows:
        """The rows of every opportunity in `histories`, table by table."""
        new: Rows = {table: [] for table in self.tables}
        for opportunity_id, records in histories.items():
            for table, rows in self.rows(opportunity_id, records).items():
                new[table].extend(rows)
        return new

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
