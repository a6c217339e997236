"""Erasing a person (DESIGN section 10): their key is destroyed, so every mention reads as
their reference from then on; the view rows, snapshots and remembered answers that showed
their name are written again or dropped; on SQLite the freed pages are zeroed (the store
runs with secure_delete) and the write-ahead log is checkpointed and truncated, so the
name is in no file of the store afterwards."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from api.problems import CONFLICT, NOT_FOUND, Problem
from api.services import Services
from domain.ids import as_uuid
from domain.names import tidy
from projections.refresh import refresh
from storage.people import GENERATION_SECONDS, PERSONAL_DATA, Erasure


@dataclass(frozen=True, slots=True)
class Mentions:
    opportunities: list[UUID]
    events: int


def erase(services: Services, account: str, name: str, erased_by: str) -> Erasure:
    """Erase the person; answers the reference and how much named them."""
    if not protected(services):
        raise Problem(
            CONFLICT,
            "this store holds events written before names were protected: run"
            " `smallwins migrate-personal-data` first",
        )
    people = services.people
    reference = people.find(account, name)
    if reference is None:
        raise Problem(
            NOT_FOUND, f"nobody named {tidy(name)!r} is named in {tidy(account)!r}'s opportunities"
        )
    found = mentions(services, reference)
    erasure = Erasure(
        reference=reference,
        account=tidy(account),
        erased_at=datetime.now(UTC).isoformat(),
        erased_by=erased_by,
        opportunities=len(found.opportunities),
        events=found.events,
    )
    with services.database.transaction() as cursor:
        people.erase(cursor, erasure)
        for oid in found.opportunities:
            cursor.execute(
                "DELETE FROM idempotency_keys WHERE body LIKE ?", (f"%{oid}%",)
            )  # answers remembered for a repeat showed the name
        _drop_snapshots(services, cursor, found.opportunities)
    people.erased()  # what another thread read before the commit
    refresh(services.runner, found.opportunities)
    _wait_for_every_process()
    # Again: another process's runner could still project these deals from what it
    # remembered until it saw the erasure, writing the name back into a view row.
    refresh(services.runner, found.opportunities)
    _wipe_logs(services)
    return erasure


def _wait_for_every_process() -> None:
    """Until every process has seen the erasure and dropped what it remembered (each
    reads the store's count of erasures at most GENERATION_SECONDS apart)."""
    time.sleep(2 * GENERATION_SECONDS)


def mentions(services: Services, reference: str) -> Mentions:
    """The opportunities and events whose stored form names the person."""
    recorder = services.opportunities.recorder
    table = recorder.events_table_name  # type: ignore[attr-defined]
    needle = reference.encode()
    if services.database.is_postgres:
        sql = f"SELECT originator_id, COUNT(*) FROM {table} WHERE position(? in state) > 0"  # noqa: S608
    else:
        sql = f"SELECT originator_id, COUNT(*) FROM {table} WHERE instr(state, ?) > 0"  # noqa: S608
    with services.database.read() as cursor:
        cursor.execute(sql + " GROUP BY originator_id", (needle,))
        rows = cursor.fetchall()
    ids = sorted(as_uuid(r[0]) for r in rows)
    return Mentions(ids, sum(int(r[1]) for r in rows))


def _drop_snapshots(services: Services, cursor: object, ids: list[UUID]) -> None:
    snapshots = services.opportunities.snapshots
    if snapshots is None:
        return
    table = snapshots.recorder.events_table_name  # type: ignore[attr-defined]
    postgres = services.database.is_postgres
    for oid in ids:
        cursor.execute(  # type: ignore[attr-defined]
            f"DELETE FROM {table} WHERE originator_id = ?",  # noqa: S608
            (str(oid) if postgres else oid.hex,),
        )


def _wipe_logs(services: Services) -> None:
    """SQLite: fold the write-ahead log into the database and truncate it (its old
    frames held pages that showed the name)."""
    if not services.database.is_postgres:
        with services.database.transaction() as cursor:
            cursor.execute("SELECT 1")
        services.database.checkpoint()


def protected(services: Services) -> bool:
    """Whether every event of the store was written with names protected."""
    row = services.database.fetch_one(
        "SELECT value FROM store_facts WHERE name = ?", (PERSONAL_DATA,)
    )
    return row is not None and str(row[0]) == "protected"
