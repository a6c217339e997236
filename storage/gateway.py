"""A small SQL gateway for smallwins' own tables (views, keys, idempotency records) on
SQLite or PostgreSQL. SQL is written with `?` placeholders and translated for psycopg."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool

from storage.config import StorageConfig
from storage.sqlite import retry_locked

PG_PIPELINE_ROWS = 1000


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...

    @property
    def rowcount(self) -> int: ...


class _PgCursor:
    """psycopg cursor that accepts `?` placeholders."""

    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._cursor.execute(sql.replace("?", "%s"), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        # psycopg pipelines an executemany; a very large pipeline can deadlock (client and
        # server both waiting to read), so send it in bounded pieces.
        statement = sql.replace("?", "%s")
        for at in range(0, len(rows), PG_PIPELINE_ROWS):
            self._cursor.executemany(
                statement, [tuple(r) for r in rows[at : at + PG_PIPELINE_ROWS]]
            )

    def copy_rows(self, table: str, rows: Sequence[Sequence[Any]]) -> None:
        """Insert rows with COPY: one stream, not a statement per row."""
        with self._cursor.copy(f"COPY {table} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount


def insert_rows(cursor: Cursor, table: str, rows: Sequence[Sequence[Any]]) -> None:
    """Insert whole rows (every column, in the table's order) into one of our tables."""
    if isinstance(cursor, _PgCursor):
        cursor.copy_rows(table, rows)
        return
    marks = ", ".join("?" * len(rows[0]))
    cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)  # noqa: S608


SCHEMA_LOCK = 0x736D616C6C77696E  # "smallwin": one advisory lock for creating tables


@contextmanager
def schema_lock(config: StorageConfig) -> Iterator[None]:
    """Hold PostgreSQL's advisory lock while tables are created: several processes starting
    at once on an empty database (compose replicas and the worker) would otherwise race on
    CREATE TABLE IF NOT EXISTS, which is not safe concurrently. SQLite serializes DDL itself."""
    if config.backend != "postgres":
        yield
        return
    with psycopg.connect(
        psycopg.conninfo.make_conninfo(
            host=config.host,
            port=config.port,
            user=config.user,
            password=config.password or None,
            dbname=config.dbname,
            connect_timeout=10,
        ),
        autocommit=True,
    ) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        try:
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))


def conninfo(config: StorageConfig) -> str:
    """How our PostgreSQL connections connect: the store's schema first on the path."""
    return psycopg.conninfo.make_conninfo(
        host=config.host,
        port=config.port,
        user=config.user,
        password=config.password or None,
        dbname=config.dbname,
        options=f"-c search_path={config.schema}",
        connect_timeout=10,
    )


class Database:
    """Transactions on our own tables, in the same database as the events."""

    def __init__(self, config: StorageConfig) -> None:
        self.config = config
        self.backend = config.backend
        self._local = threading.local()
        self._pool: ConnectionPool[psycopg.Connection[Any]] | None = None
        self._sqlite_connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        if config.backend == "postgres":
            self._pool = ConnectionPool(
                conninfo=conninfo(config),
                min_size=1,
                max_size=max(2, config.pool_size),
                kwargs={"autocommit": True},  # transactions are explicit (transaction(), read())
                open=True,
                name="smallwins",
            )

    @property
    def is_postgres(self) -> bool:
        return self.backend == "postgres"

    @property
    def reads_never_wait(self) -> bool:
        """SQLite in WAL mode: a read takes its snapshot without waiting for any writer and
        an indexed single-row read is a few tens of microseconds of CPU, so the event loop
        may run it itself. PostgreSQL reads are network round trips: threads."""
        return self.backend == "sqlite"

    def _sqlite(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(
                self.config.sqlite_path,
                isolation_level=None,
                check_same_thread=False,
                timeout=self.config.lock_timeout_seconds,
            )
            retry_locked(
                lambda: connection.execute("PRAGMA journal_mode=WAL"),
                self.config.lock_timeout_seconds,
            )
            connection.execute(f"PRAGMA synchronous={self.config.synchronous}")
            connection.execute("PRAGMA secure_delete=ON")  # freed pages zeroed (section 10)
            self._local.connection = connection
            with self._lock:
                self._sqlite_connections.append(connection)
        return connection

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """One transaction: committed when the block ends, rolled back on an exception."""
        if self._pool is not None:
            with self._pool.connection() as pg, pg.transaction():
                yield _PgCursor(pg.cursor())
            return
        connection = self._sqlite()
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection.cursor()
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[Cursor]:
        """A read-only snapshot."""
        if self._pool is not None:
            with self._pool.connection() as pg, pg.transaction():
                cursor = pg.cursor()
                # READ COMMITTED, the default, would give each statement its own snapshot.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                yield _PgCursor(cursor)
            return
        connection = self._sqlite()
        connection.execute("BEGIN")
        try:
            yield connection.cursor()
        finally:
            connection.execute("ROLLBACK")

    def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """One statement, its first row, and no explicit transaction: a single statement
        reads one consistent snapshot on both backends, so BEGIN and its end (two more
        round trips on PostgreSQL) buy nothing."""
        if self._pool is not None:
            with self._pool.connection() as pg:
                return pg.execute(sql.replace("?", "%s"), tuple(params)).fetchone()
        return self._sqlite().execute(sql, tuple(params)).fetchone()

    def ping(self) -> bool:
        with self.read() as cursor:
            cursor.execute("SELECT 1")
            return bool(cursor.fetchone())

    def checkpoint(self) -> None:
        """SQLite: copy the write-ahead log into the database and truncate it to nothing
        (waiting for readers of old pages to finish); PostgreSQL: nothing to do here."""
        if self._pool is None:
            retry_locked(
                lambda: self._sqlite().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone(),
                self.config.lock_timeout_seconds,
            )

    def compact(self, tables: Sequence[str]) -> None:
        """Rewrite the store's files without the bytes of deleted and updated rows: SQLite
        VACUUMs the database (then truncates the write-ahead log); PostgreSQL rewrites
        `tables` (VACUUM FULL, which takes each table's exclusive lock while it runs)."""
        if self._pool is not None:
            with self._pool.connection() as pg:  # autocommit: VACUUM runs outside a transaction
                for table in tables:
                    pg.execute(sql.SQL("VACUUM FULL {}").format(sql.Identifier(table)))
            return
        retry_locked(lambda: self._sqlite().execute("VACUUM"), self.config.lock_timeout_seconds)
        self.checkpoint()

    def refresh_statistics(self, tables: Sequence[str]) -> None:
        """PostgreSQL: ANALYZE `tables`, after a bulk write. The planner chooses its plans
        from these statistics, and a table filled in bulk has none until autovacuum (when
        it runs at all) gets to it: an account's people, for one, were then read with a
        scan of every word of every name. SQLite: nothing (its planner works without)."""
        if self._pool is not None and tables:
            with self._pool.connection() as pg:
                pg.execute(
                    sql.SQL("ANALYZE {}").format(sql.SQL(", ").join(map(sql.Identifier, tables)))
                )

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        with self._lock:
            for connection in self._sqlite_connections:
                connection.close()
            self._sqlite_connections.clear()
