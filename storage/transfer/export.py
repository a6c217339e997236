"""Export: every stored event, in log order, with its chain link, to a JSON Lines file.

Reads the log in pages up to the head it saw when it started (a consistent prefix even
while the service keeps writing), looks the pages' links up in `event_chain`, and checks
each link against the configured key as it goes, so a backup that would not restore is
known at once rather than on the day it is needed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from eventsourcing.persistence import ApplicationRecorder, Notification

from storage.chain import GENESIS, canonical_id, link
from storage.chain_records import all_records
from storage.gateway import Database
from storage.keycheck import fingerprint
from storage.transfer.lines import CHAIN_MIGRATION, dump, header, record_line

PAGE = 1000
PAIRS_PER_QUERY = 400  # (id, version) pairs in one lookup: 800 parameters
Progress = Callable[[int], Any]  # events written so far


@dataclass(frozen=True, slots=True)
class Exported:
    events: int
    opportunities: int
    unverified: int  # events whose stored link is missing or does not match the key
    first_unverified: str | None  # "<opportunity id> version <n>"


def export_events(
    recorder: ApplicationRecorder,
    database: Database,
    key: bytes,
    out: BinaryIO,
    progress: Progress | None = None,
    people: Callable[[], dict[str, list[tuple[Any, ...]]]] = dict,
    personal_data: str | None = None,
) -> Exported:
    head = recorder.max_notification_id() or 0
    out.write(header(fingerprint(key), personal_data))
    for kind, rows in people().items():  # read after the head: everyone its events name
        for row in rows:
            out.write(record_line(kind, row))
    with database.read() as cursor:
        for record in all_records(cursor):
            out.write(record_line(CHAIN_MIGRATION, record.row()))
    previous: dict[str, str] = {}  # opportunity -> link of its last exported event
    written = unverified = 0
    first_bad: str | None = None
    start = 0
    while start < head:
        page = recorder.select_notifications(
            start=start, limit=PAGE, stop=head, inclusive_of_start=False
        )
        if not page:
            break
        links = _links(database, page)
        for notification in page:
            oid = canonical_id(notification.originator_id)
            version = notification.originator_version
            stored = links.get((oid, version))
            expected = link(key, previous.get(oid, GENESIS), oid, version,
                            notification.topic, notification.state)  # fmt: skip
            if stored != expected:
                unverified += 1
                first_bad = first_bad or f"{oid} version {version}"
            previous[oid] = stored or expected
            out.write(dump(notification.id, notification, stored))
        written += len(page)
        start = page[-1].id
        if progress is not None:
            progress(written)
    return Exported(written, len(previous), unverified, first_bad)


def _links(database: Database, page: Sequence[Notification]) -> dict[tuple[str, int], str]:
    """The stored chain links of a page of events, by (opportunity id, version)."""
    pairs = [(canonical_id(n.originator_id), n.originator_version) for n in page]
    found: dict[tuple[str, int], str] = {}
    with database.read() as cursor:
        for i in range(0, len(pairs), PAIRS_PER_QUERY):
            chunk = pairs[i : i + PAIRS_PER_QUERY]
            values = ", ".join(["(?, ?)"] * len(chunk))
            # A join from the pairs, so both SQLite and PostgreSQL probe the primary key.
            cursor.execute(
                f"WITH wanted (id, v) AS (VALUES {values})"  # noqa: S608 (placeholders only)
                " SELECT c.originator_id, c.version, c.link FROM wanted"
                " JOIN event_chain c ON c.originator_id = wanted.id AND c.version = wanted.v",
                [p for pair in chunk for p in pair],
            )
            for oid, version, value in cursor.fetchall():
                found[(str(oid), int(version))] = str(value)
    return found
