"""Verify an opportunity's history against its hash chain, one or all."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder

from domain.records import OPENED
from storage.chain import Problem, Verification, canonical_id, verify_chain
from storage.chain_records import records_of
from storage.gateway import Database


def verify_opportunity(
    recorder: ApplicationRecorder, database: Database, key: bytes, opportunity_id: UUID
) -> Verification | None:
    """None when neither events nor a chain exist for this id."""
    events = list(recorder.select_events(opportunity_id))
    with database.read() as cursor:
        cursor.execute(
            "SELECT version, link FROM event_chain WHERE originator_id = ?",
            (canonical_id(opportunity_id),),
        )
        links = {int(v): str(h) for v, h in cursor.fetchall()}
        cursor.execute(
            "SELECT version, link FROM chain_heads WHERE originator_id = ?",
            (canonical_id(opportunity_id),),
        )
        row = cursor.fetchone()
        records = records_of(cursor, canonical_id(opportunity_id))
    head = (int(row[0]), str(row[1])) if row else None
    if not events and head is None and not links:
        return None
    found = verify_chain(key, events, links, head)
    renewed = [Problem(r.old_version, p) for r in records if (p := r.problem(key, links))]
    if not renewed:
        return found
    problems = sorted((*found.problems, *renewed), key=lambda p: p.version)
    return Verification(found.checked, tuple(problems))


def is_opportunity(recorder: ApplicationRecorder, originator_id: UUID) -> bool:
    """Whether a history is an opportunity's, or what is left of one with no events (the log
    also holds the sellers' goals)."""
    first = recorder.select_events(originator_id, lte=1)
    return not first or first[0].topic.endswith(f".{OPENED}")


def all_opportunity_ids(recorder: ApplicationRecorder, database: Database) -> Iterator[UUID]:
    """Every id with events or a chain head, each once (heads first, then the log)."""
    seen: set[UUID] = set()
    with database.read() as cursor:
        cursor.execute("SELECT originator_id FROM chain_heads ORDER BY originator_id")
        heads = [UUID(row[0]) for row in cursor.fetchall()]
    for opportunity_id in heads:
        seen.add(opportunity_id)
        yield opportunity_id
    start = 0
    while True:
        batch = recorder.select_notifications(start=start, limit=1000, inclusive_of_start=False)
        if not batch:
            return
        for notification in batch:
            oid = UUID(str(notification.originator_id))
            if oid not in seen:
                seen.add(oid)
                yield oid
        start = batch[-1].id
