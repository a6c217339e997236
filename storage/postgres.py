"""The PostgreSQL recorder: a batch of events and its hash-chain links in one statement.

A write is one call of a stored function, `smallwins_append`, in autocommit mode: the
statement is its own transaction, and its answer comes back after the commit, so a batch
costs one round trip. The function takes the library's exclusive table lock (notification
ids are issued in commit order), then inserts the events, their links, the chains' new
heads and the openings' external ids (`storage.external_ids`; a taken one is a unique
violation: a `RecordConflictError`). Stores made before the external ids keep the older
five-argument function beside this one (a process of the previous release still running
during a rolling upgrade calls it).

The links are computed here (the key never leaves the process) from each chain's head.
The heads this recorder wrote last are remembered, so the usual write reads nothing first;
a remembered head is used only when the new events follow it directly. If another process
extended that chain meanwhile, it also wrote the version we are about to write, so the
events' primary key rejects the statement (a `RecordConflictError`, as for any version
clash) and the remembered heads of the batch are dropped."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresFactory
from eventsourcing.utils import retry
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from storage.chain import (
    CHAIN_TABLES,
    Linked,
    LogRow,
    canonical_id,
    extend_links,
    new_heads,
)
from storage.external_ids import CREATE_TABLE, TABLE_NAME, external_id_of
from storage.postgres_ids import ExternalIdsOnPostgres

FUNCTION = "smallwins_append"
REMEMBERED_HEADS = 10_000

# {events}: the events table; {oid}: the originator id type; {channel}: the NOTIFY channel.
APPEND_FUNCTION = """
CREATE OR REPLACE FUNCTION {schema}.{function}(
    p_ids {oid}[], p_versions bigint[], p_topics text[], p_states bytea[], p_links text[],
    p_external text[]
) RETURNS SETOF bigint LANGUAGE plpgsql AS $body$
BEGIN
    SET LOCAL lock_timeout = '{lock_timeout}s';
    LOCK TABLE {schema}.{events} IN EXCLUSIVE MODE;
    NOTIFY {channel};
    RETURN QUERY
        INSERT INTO {schema}.{events} (originator_id, originator_version, topic, state)
        SELECT * FROM unnest(p_ids, p_versions, p_topics, p_states)
        RETURNING notification_id;
    INSERT INTO {schema}.event_chain (originator_id, version, link)
        SELECT i::text, v, l FROM unnest(p_ids, p_versions, p_links) AS c(i, v, l);
    INSERT INTO {schema}.chain_heads (originator_id, version, link)
        SELECT DISTINCT ON (i) i::text, v, l FROM unnest(p_ids, p_versions, p_links) AS c(i, v, l)
        ORDER BY i, v DESC
        ON CONFLICT (originator_id) DO UPDATE SET version = excluded.version, link = excluded.link;
    INSERT INTO {schema}.external_ids (external_id, opportunity_id)
        SELECT x, i::text FROM unnest(p_ids, p_external) AS e(i, x) WHERE x <> '';
END;
$body$
"""


LOG_TABLES = ("event_chain", "chain_heads", TABLE_NAME)  # beside the events' own


class ChainedPostgresApplicationRecorder(ExternalIdsOnPostgres, PostgresApplicationRecorder):
    integrity_key: bytes = b""

    def __init__(self, datastore: Any, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(datastore.schema)
        for statement in (*CHAIN_TABLES, CREATE_TABLE):
            qualified = statement.replace("EXISTS ", "EXISTS {schema}.", 1)
            self.sql_create_statements.append(SQL(qualified).format(schema=schema))
        self.sql_create_statements.append(
            SQL(APPEND_FUNCTION).format(
                schema=schema,
                function=Identifier(FUNCTION),
                oid=Identifier(datastore.originator_id_type),
                lock_timeout=int(datastore.lock_timeout),
                events=Identifier(self.events_table_name),
                channel=Identifier(self.channel_name),
            )
        )
        # Rendered once (composing it costs more than running it); binary parameters are
        # dumped three times faster than text ones.
        self.append_query = (
            SQL("SELECT * FROM {schema}.{function}(%b, %b, %b, %b, %b, %b)")
            .format(schema=schema, function=Identifier(FUNCTION))
            .as_string()
        )
        self.select_heads_query = (
            SQL(
                "SELECT originator_id, version, link FROM {schema}.chain_heads"
                " WHERE originator_id = ANY(%s)"
            )
            .format(schema=schema)
            .as_string()
        )
        self.select_log_query = (
            SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state"
                " FROM {schema}.{events} WHERE notification_id > %s AND notification_id <= %s"
                " ORDER BY notification_id LIMIT %s"
            )
            .format(schema=schema, events=Identifier(self.events_table_name))
            .as_string()
        )
        self.select_histories_query = (
            SQL(
                "SELECT originator_id, originator_version, topic, state FROM {schema}.{events}"
                " WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
            )
            .format(schema=schema, events=Identifier(self.events_table_name))
            .as_string()
        )
        self.analyze_query = SQL("ANALYZE {}").format(
            SQL(", ").join(
                SQL("{schema}.{table}").format(schema=schema, table=Identifier(table))
                for table in (self.events_table_name, *LOG_TABLES)
            )
        )
        self._heads: OrderedDict[str, tuple[int, str]] = OrderedDict()
        self._heads_lock = threading.Lock()

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as the library's
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **_kwargs: Any
    ) -> Sequence[int] | None:
        """Insert the events and their links in one statement (its own transaction);
        the notification ids, in the order of `stored_events`."""
        if not stored_events:
            return []
        first: dict[str, int] = {}  # each chain's first new version
        for event in stored_events:
            originator_id = canonical_id(event.originator_id)
            version = first.get(originator_id)
            if version is None or event.originator_version < version:
                first[originator_id] = event.originator_version
        try:
            extension = extend_links(self.integrity_key, stored_events, self._known_heads(first))
            notification_ids = self._append(
                [event.originator_id for event in stored_events],
                [event.originator_version for event in stored_events],
                [event.topic for event in stored_events],
                [event.state for event in stored_events],
                [link for _id, _version, link in extension.links],
                [
                    external_id_of(e.originator_version, e.topic, e.state) or ""
                    for e in stored_events
                ],
            )
        except BaseException:
            self._forget_heads(first)
            raise
        self._remember_heads(extension.heads)
        return notification_ids

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_linked(self, events: Sequence[Linked]) -> None:
        """Write events whose links the caller computed (`Linked`), in one statement;
        a version clash is refused by the events' key."""
        if not events:
            return
        heads = new_heads(events)
        try:
            self._append(
                [UUID(e[0]) for e in events],
                [e[1] for e in events],
                [e[2] for e in events],
                [e[3] for e in events],
                [e[4] for e in events],
                [external_id_of(e[1], e[2], e[3]) or "" for e in events],
            )
        except BaseException:
            self._forget_heads(originator_id for originator_id, _v, _l in heads)
            raise
        self._remember_heads(heads)

    def _append(self, *columns: list[Any]) -> list[int]:
        """One call of the append function (ids, versions, topics, states, links, external
        ids or ""): its own transaction; the notification ids in the order given."""
        with (
            self.datastore.get_connection() as connection,
            connection.cursor(row_factory=tuple_row, binary=True) as cursor,
        ):
            cursor.execute(self.append_query, columns, prepare=True)
            return [row[0] for row in cursor.fetchall()]

    # --- the remembered heads -----------------------------------------------------------

    def _known_heads(self, first: dict[str, int]) -> dict[str, tuple[int, str]]:
        """The heads of these chains (given each one's first new version): remembered
        ones that the new events follow, the others read (no head: an empty chain)."""
        known: dict[str, tuple[int, str]] = {}
        with self._heads_lock:
            for originator_id, version in first.items():
                head = self._heads.get(originator_id)
                if head is not None and head[0] == version - 1:
                    known[originator_id] = head
        missing = [originator_id for originator_id in first if originator_id not in known]
        if missing:
            with (
                self.datastore.get_connection() as connection,
                connection.cursor(row_factory=tuple_row) as cursor,
            ):
                cursor.execute(self.select_heads_query, (missing,), prepare=True)
                for originator_id, version, link in cursor.fetchall():
                    known[str(originator_id)] = (int(version), str(link))
        return known

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_log(self, after: int, stop: int, limit: int) -> list[LogRow]:
        """The log after position `after` up to `stop`, at most `limit` rows, as plain
        tuples (no notification objects, the id as the driver gives it)."""
        with (
            self.datastore.get_connection() as connection,
            connection.cursor(row_factory=tuple_row) as cursor,
        ):
            cursor.execute(self.select_log_query, (after, stop, limit), prepare=True, binary=True)
            return cursor.fetchall()

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_histories(self, ids: Sequence[UUID]) -> list[StoredEvent]:
        """Every event of each originator in `ids` (as `select_log` gives them: UUIDs),
        by originator then version, in one query."""
        with (
            self.datastore.get_connection() as connection,
            connection.cursor(row_factory=tuple_row) as cursor,
        ):
            cursor.execute(self.select_histories_query, (list(ids),), prepare=True, binary=True)
            return [StoredEvent(*row) for row in cursor.fetchall()]

    def refresh_statistics(self) -> None:
        """ANALYZE the log's tables after a bulk write (see `Database.refresh_statistics`)."""
        with self.datastore.get_connection() as connection:
            connection.execute(self.analyze_query)

    def _remember_heads(self, heads: Iterable[tuple[str, int, str]]) -> None:
        with self._heads_lock:
            for originator_id, version, link in heads:
                self._heads[originator_id] = (version, link)
                self._heads.move_to_end(originator_id)
            while len(self._heads) > REMEMBERED_HEADS:
                self._heads.popitem(last=False)

    def _forget_heads(self, ids: Iterable[str]) -> None:
        with self._heads_lock:
            for originator_id in ids:
                self._heads.pop(originator_id, None)


class ChainedPostgresFactory(PostgresFactory):
    application_recorder_class = ChainedPostgresApplicationRecorder

    def application_recorder(self) -> Any:
        recorder: Any = super().application_recorder()
        recorder.integrity_key = bytes.fromhex(self.env.get("INTEGRITY_KEY") or "")
        return recorder
