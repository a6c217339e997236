"""One deliverer per webhook at a time, across threads and processes, with locks that die
with the process that holds them (a `kill -9` leaves no stale claim to wait out):

- PostgreSQL: `pg_try_advisory_xact_lock` taken in the transaction that reads the webhook,
  stays open while its event is POSTed, and writes the attempt and the new position: the
  projections' discipline (position checked and moved under a lock, in one transaction).
  Other API processes never wait on it (replay, enable and delete move the generation).
- SQLite: an exclusive OS record lock (`fcntl.lockf`) on one byte, picked by the webhook,
  of a lock file beside the database; SQLite serialises the writes themselves, which are
  short transactions of their own (a write lock held across a POST would stall every write).

A claim not granted at once is not waited for: someone else is delivering that webhook."""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Protocol

from storage.gateway import Cursor, Database

WEBHOOK_LOCKS = 0x5768  # the first key of every webhook's advisory lock ("Wh")


class Claim(Protocol):
    def read(self) -> AbstractContextManager[Cursor]: ...
    def write(self) -> AbstractContextManager[Cursor]: ...


class Claims(Protocol):
    def hold(self, webhook_id: str) -> AbstractContextManager[Claim | None]: ...
    def close(self) -> None: ...


def _digest(text: str, size: int) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=size).digest(), "big")


class _InTransaction:
    def __init__(self, cursor: Cursor) -> None:
        self.cursor = cursor

    def read(self) -> AbstractContextManager[Cursor]:
        return nullcontext(self.cursor)

    def write(self) -> AbstractContextManager[Cursor]:
        return nullcontext(self.cursor)


class AdvisoryClaims:
    """PostgreSQL: the claim is a transaction holding the webhook's advisory lock."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.schema = database.config.schema  # the lock space is the whole database

    @contextmanager
    def hold(self, webhook_id: str) -> Iterator[Claim | None]:
        key = _digest(f"{self.schema}/{webhook_id}", 4) - 2**31  # a signed 32-bit integer
        with self.database.transaction() as cursor:
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock(CAST(? AS INTEGER), CAST(? AS INTEGER))",
                (WEBHOOK_LOCKS, key),
            )
            yield _InTransaction(cursor) if cursor.fetchone()[0] else None

    def close(self) -> None:
        pass  # the locks end with their transactions


class _OwnTransactions:
    def __init__(self, database: Database) -> None:
        self.database = database

    def read(self) -> AbstractContextManager[Cursor]:
        return self.database.read()

    def write(self) -> AbstractContextManager[Cursor]:
        return self.database.transaction()


# Record locks belong to the process, and closing any descriptor of the file drops all of
# them: one descriptor per lock file while any FileClaims uses it (closed with the last),
# and the claims this process holds remembered here so its own threads exclude each other.
_FILES: dict[str, tuple[int, int]] = {}  # path -> (descriptor, FileClaims using it)
_HELD: set[tuple[str, int]] = set()
_GUARD = threading.Lock()


class FileClaims:
    """SQLite: the claim is a record lock in `<database>.webhooks.lock`."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.path = os.path.realpath(f"{database.config.sqlite_path}.webhooks.lock")
        with _GUARD:
            fd, users = _FILES.get(self.path, (-1, 0))
            if fd < 0:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            _FILES[self.path] = (fd, users + 1)
            self.fd = fd
        self._closed = False

    def close(self) -> None:
        """No claim of this instance may be held any more (its deliverers have stopped)."""
        with _GUARD:
            if self._closed:
                return
            self._closed = True
            fd, users = _FILES[self.path]
            if users > 1:
                _FILES[self.path] = (fd, users - 1)
            else:
                del _FILES[self.path]
                os.close(fd)

    @contextmanager
    def hold(self, webhook_id: str) -> Iterator[Claim | None]:
        offset = _digest(webhook_id, 5)  # a byte below 2**40 (the file stays empty)
        held = (self.path, offset)
        with _GUARD:
            taken = held in _HELD
            _HELD.add(held)
        if taken:
            yield None
            return
        try:
            try:
                fcntl.lockf(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset)
            except OSError:
                yield None
                return
            try:
                yield _OwnTransactions(self.database)
            finally:
                fcntl.lockf(self.fd, fcntl.LOCK_UN, 1, offset)
        finally:
            with _GUARD:
                _HELD.discard(held)


def claims_for(database: Database) -> Claims:
    return AdvisoryClaims(database) if database.is_postgres else FileClaims(database)
