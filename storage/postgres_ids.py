"""The external ids' index on PostgreSQL (`storage.external_ids`): filled from the stored
openings when a recorder creates it, and looked up by the writer before a batch is saved.
(`smallwins_append`, in `storage.postgres`, writes it with the openings.)"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from storage.external_ids import OPENED_TOPIC, chunks, index_rows


class ExternalIdsOnPostgres(PostgresApplicationRecorder):
    """Mixed into the chained recorder, before the library's."""

    def _create_table(self, curs: Any) -> None:
        curs.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = %s"
            " AND tablename = 'external_ids') AS found",
            (self.datastore.schema,),
        )
        indexed = bool(curs.fetchone()["found"])
        super()._create_table(curs)
        if indexed:
            return
        # A store written before the index existed: fill it from the stored openings.
        schema, events = Identifier(self.datastore.schema), Identifier(self.events_table_name)
        curs.execute(
            SQL(
                "SELECT originator_id AS i, originator_version AS v, topic AS t, state AS s"
                " FROM {schema}.{events} WHERE topic = %s AND originator_version = 1"
            ).format(schema=schema, events=events),
            (OPENED_TOPIC,),
        )
        rows = index_rows((r["i"], r["v"], r["t"], bytes(r["s"])) for r in curs.fetchall())
        if rows:
            curs.executemany(
                SQL(
                    "INSERT INTO {schema}.external_ids (external_id, opportunity_id)"
                    " VALUES (%s, %s) ON CONFLICT DO NOTHING"
                ).format(schema=schema),
                rows,
            )

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def external_id_owners(self, external_ids: Sequence[str]) -> dict[str, str]:
        """Which of these external ids are taken, and by which opportunity (canonical id)."""
        found: dict[str, str] = {}
        if not external_ids:
            return found
        with (
            self.datastore.get_connection() as connection,
            connection.cursor(row_factory=tuple_row) as cursor,
        ):
            for chunk in chunks(external_ids):
                cursor.execute(self._select_external, (list(chunk),), prepare=True)
                found.update((str(x), str(o)) for x, o in cursor.fetchall())
        return found

    @property
    def _select_external(self) -> str:
        return (
            SQL("SELECT external_id, opportunity_id FROM {schema}.external_ids"
                " WHERE external_id = ANY(%s)")
            .format(schema=Identifier(self.datastore.schema))
            .as_string()
        )  # fmt: skip
