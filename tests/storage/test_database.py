"""Our own tables' gateway, on SQLite and on PostgreSQL: transactions commit or roll back as
a whole, and a read sees one snapshot however many statements it runs."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator

import pytest

from storage.config import parse_database_url
from storage.gateway import Database
from storage.sqlite import retry_locked


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(parse_database_url(database_url, pool_size=2))
    with database.transaction() as cursor:
        cursor.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    yield database
    database.close()


def count_notes(database: Database) -> int:
    with database.read() as cursor:
        cursor.execute("SELECT COUNT(*) FROM notes")
        return int(cursor.fetchone()[0])


def add_note_elsewhere(database: Database, note_id: int) -> None:
    """Insert and commit from another thread, hence another connection."""

    def insert() -> None:
        with database.transaction() as cursor:
            cursor.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (note_id, "elsewhere"))

    thread = threading.Thread(target=insert)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()


def test_the_database_answers_a_ping(database: Database) -> None:
    assert database.ping()


def test_a_transaction_is_committed_when_its_block_ends(database: Database) -> None:
    with database.transaction() as cursor:
        cursor.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (1, "kept"))
        cursor.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (2, "kept too"))

    assert count_notes(database) == 2


def test_a_transaction_that_raises_leaves_nothing_behind(database: Database) -> None:
    def insert_then_fail() -> None:
        with database.transaction() as cursor:
            cursor.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (1, "dropped"))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        insert_then_fail()

    assert count_notes(database) == 0


def test_a_read_sees_one_snapshot_even_when_a_write_commits_during_it(
    database: Database,
) -> None:
    with database.read() as cursor:
        cursor.execute("SELECT COUNT(*) FROM notes")
        before = cursor.fetchone()[0]
        add_note_elsewhere(database, 1)
        cursor.execute("SELECT COUNT(*) FROM notes")
        during = cursor.fetchone()[0]

    assert (before, during) == (0, 0)
    assert count_notes(database) == 1


def test_a_sqlite_step_refused_as_locked_is_tried_again_until_it_goes_through() -> None:
    answers: list[BaseException | str] = [
        sqlite3.OperationalError("database is locked"),
        sqlite3.OperationalError("database is locked"),
        "done",
    ]

    def step() -> str:
        answer = answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    assert retry_locked(step, seconds=5) == "done"
    assert answers == []


def test_other_sqlite_errors_and_a_lock_that_outlasts_the_timeout_are_raised() -> None:
    def broken() -> None:
        raise sqlite3.OperationalError("no such table: nowhere")

    def locked() -> None:
        raise sqlite3.OperationalError("database is locked")

    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        retry_locked(broken, seconds=5)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        retry_locked(locked, seconds=0.05)
