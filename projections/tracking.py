"""Per-view tracking positions, written in the same transaction as the view's rows (the
principle of eventsourcing's TrackingRecorder, on our own table so that one transaction
holds a whole batch of view rows and its position)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from storage.gateway import Cursor

TRACKING_DDL = (
    "CREATE TABLE IF NOT EXISTS projection_tracking ("
    " name TEXT PRIMARY KEY, position BIGINT NOT NULL)"
)


# What each view was built as (its version and the settings its rows depend on): a view
# whose definition changed is rebuilt (ProjectionRunner).
DEFINITIONS_DDL = (
    "CREATE TABLE IF NOT EXISTS projection_definitions ("
    " name TEXT PRIMARY KEY, definition TEXT NOT NULL)"
)


def read_definition(cursor: Cursor, name: str) -> str | None:
    cursor.execute("SELECT definition FROM projection_definitions WHERE name = ?", (name,))
    row = cursor.fetchone()
    return str(row[0]) if row else None


def write_definition(cursor: Cursor, name: str, definition: str) -> None:
    cursor.execute(
        "INSERT INTO projection_definitions (name, definition) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET definition = excluded.definition",
        (name, definition),
    )


def read_position(cursor: Cursor, name: str, *, for_update: bool = False) -> int:
    lock = " FOR UPDATE" if for_update else ""
    sql = f"SELECT position FROM projection_tracking WHERE name = ?{lock}"  # noqa: S608
    cursor.execute(sql, (name,))
    row = cursor.fetchone()
    return int(row[0]) if row else 0


def write_position(cursor: Cursor, name: str, position: int) -> None:
    cursor.execute(
        "INSERT INTO projection_tracking (name, position) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET position = excluded.position",
        (name, position),
    )


# A view being swept from zero (ProjectionRunner): the head the sweep stops at, and the id
# of the last opportunity already projected (pages follow the ids' order).
SWEEPS_DDL = (
    "CREATE TABLE IF NOT EXISTS projection_sweeps ("
    " name TEXT PRIMARY KEY, head BIGINT NOT NULL, after_id TEXT NOT NULL)"
)


def ensure_position(cursor: Cursor, name: str) -> None:
    """Give the view a tracking row (position 0) if it has none, so that reading its
    position for update always has a row to lock."""
    cursor.execute(
        "INSERT INTO projection_tracking (name, position) VALUES (?, 0)"
        " ON CONFLICT (name) DO NOTHING",
        (name,),
    )


def read_sweep(cursor: Cursor, name: str) -> tuple[int, str] | None:
    cursor.execute("SELECT head, after_id FROM projection_sweeps WHERE name = ?", (name,))
    row = cursor.fetchone()
    return (int(row[0]), str(row[1])) if row else None


def write_sweep(cursor: Cursor, name: str, head: int, after: str) -> None:
    cursor.execute(
        "INSERT INTO projection_sweeps (name, head, after_id) VALUES (?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET head = excluded.head, after_id = excluded.after_id",
        (name, head, after),
    )


def end_sweep(cursor: Cursor, name: str, position: int) -> None:
    """The view stands at `position`, and no sweep is under way."""
    write_position(cursor, name, position)
    cursor.execute("DELETE FROM projection_sweeps WHERE name = ?", (name,))


def reached(positions: Mapping[str, int], names: Iterable[str], position: int) -> bool:
    """Whether every named view stands at `position` or beyond (a view with no tracking
    row stands at 0, as `read_position` says)."""
    return all(positions.get(name, 0) >= position for name in names)


def read_positions(cursor: Cursor, names: Iterable[str]) -> dict[str, int]:
    return {name: read_position(cursor, name) for name in names}


# The head of the log and the named views' positions, in one statement (PostgreSQL: the
# names as one array parameter; the head as the recorder's `max_notification_id` reads
# it). Always one row at least: the head, with a NULL name when no view has a position.
POSITIONS_AND_HEAD = (
    "SELECT head.position, tracking.name, tracking.position"
    " FROM (SELECT COALESCE(MAX(notification_id), 0) AS position FROM {events}) head"
    " LEFT JOIN projection_tracking tracking ON tracking.name = ANY(?)"
)
