"""Per-view tracking positions, written in the same transaction as the view's rows, with
the interface of eventsourcing's TrackingRecorder (so `wait()` and friends work)."""

from __future__ import annotations

from eventsourcing.persistence import Tracking, TrackingRecorder

from projections.database import Cursor, Database

TRACKING_DDL = (
    "CREATE TABLE IF NOT EXISTS projection_tracking ("
    " name TEXT PRIMARY KEY, position BIGINT NOT NULL)"
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


class ViewTracking(TrackingRecorder):
    """The tracking of one view (named by `view_name`) over the application's log."""

    def __init__(self, database: Database, view_name: str) -> None:
        self.database = database
        self.view_name = view_name

    def insert_tracking(self, tracking: Tracking) -> None:
        with self.database.transaction() as cursor:
            write_position(cursor, self.view_name, tracking.notification_id)

    def max_tracking_id(self, application_name: str) -> int | None:  # noqa: ARG002
        with self.database.read() as cursor:
            return read_position(cursor, self.view_name) or None
