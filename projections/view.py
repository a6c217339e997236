"""What a view is: named tables, a way to write one opportunity's rows from its records,
and a way to clear itself for a rebuild."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from domain.momentum import MomentumPolicy
from domain.records import EventRecord
from projections.database import Cursor


class OpportunityView(ABC):
    name: str
    ddl: tuple[str, ...]
    tables: tuple[str, ...]

    def __init__(self, policy: MomentumPolicy) -> None:
        self.policy = policy

    @abstractmethod
    def project(self, cursor: Cursor, opportunity_id: str, records: Sequence[EventRecord]) -> None:
        """Write this opportunity's rows from its whole history so far."""

    def clear(self, cursor: Cursor) -> None:
        for table in self.tables:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (table names are constants)
