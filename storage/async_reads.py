"""Single-statement reads on PostgreSQL from the event loop itself, for the hottest read
(`api/fast_reads.py`): psycopg's async pool, so a read is a network round trip awaited on
the loop rather than a hop to a worker thread and back (threads that also contend for the
GIL with the loop). The pool belongs to one event loop: the application opens it when its
lifespan starts and closes it when it ends; until then `is_open` is False and callers use
the thread path."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from storage.config import StorageConfig
from storage.gateway import conninfo

OPEN_TIMEOUT_SECONDS = 10.0


class AsyncReads:
    def __init__(self, config: StorageConfig) -> None:
        self.config = config
        self._pool: AsyncConnectionPool[psycopg.AsyncConnection[Any]] | None = None

    @property
    def is_open(self) -> bool:
        return self._pool is not None

    async def open(self) -> None:
        if self._pool is not None:
            return
        pool: AsyncConnectionPool[psycopg.AsyncConnection[Any]] = AsyncConnectionPool(
            conninfo(self.config),
            min_size=1,
            max_size=max(2, self.config.pool_size),
            kwargs={"autocommit": True},  # one statement: its own snapshot, no BEGIN
            open=False,
            name="smallwins-async-reads",
        )
        await pool.open(wait=True, timeout=OPEN_TIMEOUT_SECONDS)
        self._pool = pool

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first row of one statement (`?` placeholders, as `Database.fetch_one`)."""
        return await self._fetch(sql, params, every=False)

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Every row of one statement (`?` placeholders)."""
        return await self._fetch(sql, params, every=True)

    async def _fetch(self, sql: str, params: Sequence[Any], *, every: bool) -> Any:
        if self._pool is None:
            msg = "the async reads are not open"
            raise RuntimeError(msg)
        async with self._pool.connection() as connection:
            cursor = await connection.execute(sql.replace("?", "%s"), tuple(params))
            return await (cursor.fetchall() if every else cursor.fetchone())
