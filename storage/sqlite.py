"""The SQLite event store: the library's recorder with every event linked into its
opportunity's hash chain in the same transaction, in WAL mode with an explicit
`synchronous` level."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteCursor,
    SQLiteFactory,
)

from storage.chain import (
    CHAIN_TABLES,
    INSERT_LINKS,
    UPSERT_HEADS,
    Linked,
    LogRow,
    extend_chain,
    last_links,
    link_rows,
)
from storage.external_ids import (
    CREATE_TABLE,
    FILL,
    INSERT,
    OPENED_TOPIC,
    TABLE_NAME,
    chunks,
    index_rows,
)

T = TypeVar("T")


def retry_locked(action: Callable[[], T], seconds: float) -> T:
    """Run `action`, again while SQLite answers "database is locked" without waiting for
    its busy timeout (turning a new file to WAL needs a moment alone with it, so processes
    starting together on an empty store can meet that), for up to `seconds`."""
    deadline = time.monotonic() + seconds
    delay = 0.005
    while True:
        try:
            return action()
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


class _DurablePool(SQLiteConnectionPool):
    """The library's pool, with `PRAGMA synchronous` set on every connection it opens."""

    def __init__(self, synchronous: str, **kwargs: Any) -> None:
        self.synchronous = synchronous
        super().__init__(**kwargs)

    def _create_connection(self) -> SQLiteConnection:
        connection = retry_locked(super()._create_connection, float(self.lock_timeout or 5))
        raw: sqlite3.Connection = connection._sqlite_conn
        raw.execute(f"PRAGMA synchronous={self.synchronous}")
        raw.execute("PRAGMA secure_delete=ON")  # freed pages zeroed (section 10)
        return connection


# A bulk write of random ids (an import of a store made before ids were time-ordered)
# touches pages all over the events' and links' keys: with the default 2 MiB page cache
# most inserts would re-read a page from the operating system.
BULK_CACHE_KIB = 262_144


class ChainedSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    """Links every event into its opportunity's hash chain in the same transaction, and
    indexes the openings' external ids there too (`storage.external_ids`)."""

    integrity_key: bytes = b""

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *CHAIN_TABLES, CREATE_TABLE]

    def create_table(self) -> None:
        """The library's tables, ours, and, for a store written before the external ids'
        index existed, the index filled from the stored openings. Each step is its own
        transaction that either only reads or starts by writing: a read followed by a write
        in one transaction could not wait for another process starting at the same time
        (SQLite refuses to upgrade a read snapshot another writer has moved past)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE_NAME,)
            )
            indexed = c.fetchone() is not None
        super().create_table()
        if indexed:
            return
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT originator_id, originator_version, topic, state"  # noqa: S608
                f" FROM {self.events_table_name} WHERE topic = ? AND originator_version = 1",
                (OPENED_TOPIC,),
            )
            rows = index_rows(c.fetchall())
        if rows:
            with self.datastore.transaction(commit=True) as c:
                c.executemany(FILL, rows)

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        notification_ids = super()._insert_events(c, stored_events, **kwargs)
        if stored_events:
            extend_chain(self.integrity_key, stored_events, c)
            external = index_rows(
                (e.originator_id, e.originator_version, e.topic, e.state) for e in stored_events
            )
            if external:
                c.executemany(INSERT, external)  # a taken id: IntegrityError, a conflict
        return notification_ids

    def external_id_owners(self, external_ids: Sequence[str]) -> dict[str, str]:
        """Which of these external ids are taken, and by which opportunity (canonical id)."""
        found: dict[str, str] = {}
        if not external_ids:
            return found
        with self.datastore.transaction(commit=False) as c:
            for chunk in chunks(external_ids):
                marks = ", ".join("?" * len(chunk))
                c.execute(
                    "SELECT external_id, opportunity_id FROM external_ids"  # noqa: S608
                    f" WHERE external_id IN ({marks})",
                    list(chunk),
                )
                found.update((str(row[0]), str(row[1])) for row in c.fetchall())
        return found

    def select_log(self, after: int, stop: int, limit: int) -> list[LogRow]:
        """The log after position `after` up to `stop`, at most `limit` rows, as plain
        tuples (no notification objects, the id as stored: hex digits)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT rowid, originator_id, originator_version, topic, state"  # noqa: S608
                f" FROM {self.events_table_name} WHERE rowid > ? AND rowid <= ?"
                " ORDER BY rowid LIMIT ?",
                (after, stop, limit),
            )
            return [tuple(row) for row in c.fetchall()]

    def select_histories(self, ids: Sequence[str]) -> list[StoredEvent]:
        """Every event of each originator in `ids` (as `select_log` gives them: hex
        digits), by originator then version, in one query per `LOOKUP_CHUNK` ids."""
        found: list[StoredEvent] = []
        with self.datastore.transaction(commit=False) as c:
            for chunk in chunks(ids):
                marks = ", ".join("?" * len(chunk))
                c.execute(
                    "SELECT originator_id, originator_version, topic, state"  # noqa: S608
                    f" FROM {self.events_table_name} WHERE originator_id IN ({marks})"
                    " ORDER BY originator_id, originator_version",
                    list(chunk),
                )
                found += [StoredEvent(*row) for row in c.fetchall()]
        return found

    def insert_linked(self, events: Sequence[Linked]) -> None:
        """Write events whose links the caller computed (`Linked`), in one transaction,
        statement by statement in bulk; a version clash is refused by the events' key."""
        if not events:
            return
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
            c.executemany(
                self.insert_events_statement,
                [(e[0].replace("-", ""), e[1], e[2], e[3]) for e in events],  # the library's hex
            )
            links = list(map(link_rows, events))
            c.executemany(INSERT_LINKS, links)
            c.executemany(UPSERT_HEADS, last_links(links))
            external = index_rows(e[:4] for e in events)
            if external:
                c.executemany(INSERT, external)


class DurableSQLiteFactory(SQLiteFactory):
    """SQLite in WAL mode with an explicit `synchronous` level (FULL by default): a write
    acknowledged to a client has been fsynced, so it survives SIGKILL and power loss."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        synchronous = (self.env.get("SQLITE_SYNCHRONOUS") or "FULL").upper()
        if synchronous not in ("FULL", "NORMAL", "EXTRA"):
            msg = f"SQLITE_SYNCHRONOUS must be FULL, NORMAL or EXTRA, not {synchronous!r}"
            raise OSError(msg)
        old = self.datastore.pool
        self.datastore.pool = _DurablePool(
            synchronous, db_name=old.db_name, lock_timeout=old.lock_timeout
        )
        old.close()

    application_recorder_class = ChainedSQLiteApplicationRecorder

    def application_recorder(self) -> Any:
        recorder: Any = super().application_recorder()
        recorder.integrity_key = bytes.fromhex(self.env.get("INTEGRITY_KEY") or "")
        return recorder
