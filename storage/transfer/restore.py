"""Import: check a whole backup file first, then write it into an empty store.

The check reads every line and writes nothing: JSON and keys, positions rising, versions
1, 2, 3… per opportunity, known topics, states that decode through the application's
mapper into that opportunity's events, and every chain link verified with the configured
integrity key. Only a file that passes is written, in its own order, in batches through
the recorder's `insert_linked`, with the links checked again as they are written."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder

from domain.opportunity import Opportunity, to_record
from domain.records import OPENED
from domain.seller import Seller
from storage.chain import GENESIS, Linked, canonical_id, canonical_link, link
from storage.chain_records import from_row
from storage.gateway import Database
from storage.transfer.lines import (
    CHAIN_MIGRATION,
    RECORDS,
    BadLine,
    Line,
    is_header,
    load,
    load_record,
    read_header,
    record_kind,
)

Progress = Callable[[int], Any]  # bytes checked, or events written


class StoreNotEmpty(RuntimeError):
    """Import only restores into a store that holds no events."""


@dataclass(frozen=True, slots=True)
class Checked:
    events: int
    opportunities: int


def lines(path: Path) -> Iterator[tuple[int, int, Line]]:
    """(line number, bytes read, parsed line) for every non-blank event line (the header
    line, if any, left out)."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if (number == 1 and is_header(raw)) or record_kind(raw):
                continue
            if raw.strip():
                yield number, len(raw), load(number, raw)


def record_lines(path: Path, key: bytes) -> dict[str, list[tuple[Any, ...]]]:
    """The records a file carries before its events, by kind (`lines.RECORDS`); a chain
    migration record not signed with `key` is a BadLine."""
    found: dict[str, list[tuple[Any, ...]]] = {kind: [] for kind in RECORDS}
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            kind = record_kind(raw)
            if kind is not None:
                row = load_record(number, kind, raw)
                if kind == CHAIN_MIGRATION and not _signed(row, key):
                    raise BadLine(number, "chain migration record altered: its signature"
                                          " does not verify")  # fmt: skip
                found[kind].append(row)
            elif number > 1 and raw.strip():
                break
    return found


def _signed(row: tuple[Any, ...], key: bytes) -> bool:
    try:
        record = from_row(row)
    except (TypeError, ValueError):
        return False
    return hmac.compare_digest(record.signature, record.expected_signature(key))


def file_header(path: Path) -> dict[str, Any]:
    """What a file's header says (the key's fingerprint, whether names are protected);
    {} for a file from before headers."""
    with path.open("rb") as handle:
        first = handle.readline()
    return read_header(first) if is_header(first) else {}


def file_fingerprint(path: Path) -> str | None:
    """The fingerprint of the key a file names in its header (None: no header)."""
    found = file_header(path).get("key_fingerprint")
    return str(found) if found is not None else None


def check_file(
    path: Path, mapper: Mapper[Any], key: bytes, progress: Progress | None = None
) -> Checked:
    """Raise BadLine for the first line that cannot be restored."""
    chains: dict[str, tuple[int, str]] = {}  # opportunity -> (last version, its link)
    last_position = events = 0
    for number, size, line in lines(path):
        event = line.event
        oid = canonical_id(event.originator_id)
        if line.position <= last_position:
            raise BadLine(number, f"position {line.position} does not follow {last_position}")
        version, previous = chains.get(oid, (0, GENESIS))
        if event.originator_version != version + 1:
            raise BadLine(number, f"{oid} version {event.originator_version} does not follow"
                                  f" version {version}")  # fmt: skip
        _decode(number, mapper, event)
        expected = link(key, previous, oid, event.originator_version, event.topic, event.state)
        if not hmac.compare_digest(expected, line.link or ""):
            raise BadLine(number, _link_problem(events))
        chains[oid] = (event.originator_version, expected)
        last_position = line.position
        events += 1
        if progress is not None:
            progress(size)
    return Checked(events, len(chains))


def _decode(number: int, mapper: Mapper[Any], stored: StoredEvent) -> None:
    try:
        event: Any = mapper.to_domain_event(stored)
        first = to_record(event).type == OPENED if isinstance(event, Opportunity.Event) else False
    except Exception as error:  # noqa: BLE001 (any failure to decode is this line's problem)
        raise BadLine(number, f"state does not decode into a {stored.topic} ({error})") from None
    if isinstance(event, Opportunity.Event):
        if first != (stored.originator_version == 1):
            raise BadLine(
                number, f"version 1 of an opportunity must be {OPENED}, and only version 1"
            )
    elif isinstance(event, Seller.Event):
        if isinstance(event, Seller.SellerRegistered) != (stored.originator_version == 1):
            raise BadLine(number, "version 1 of a seller must be SellerRegistered, and only it")
    else:
        raise BadLine(number, f"{stored.topic} is not an opportunity's or a seller's event")


def _link_problem(verified_before: int) -> str:
    if verified_before == 0:
        return ("its chain link does not verify with the configured integrity key: the file"
                " was exported with a different key (set SMALLWINS_INTEGRITY_KEY to the key"
                " of the store it came from), or this line was altered")  # fmt: skip
    return "its chain link does not verify: the line was altered, or lines were removed"


def ensure_empty(recorder: Any, database: Database) -> None:
    with database.read() as cursor:
        cursor.execute("SELECT COUNT(*) FROM chain_heads")
        heads = int(cursor.fetchone()[0])
    if recorder.max_notification_id() or heads:
        msg = "the store already holds events: import restores into an empty store only"
        raise StoreNotEmpty(msg)


def write_file(
    path: Path,
    recorder: Any,
    key: bytes,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> int:
    """Insert the (checked) file's events in order, `batch_size` per transaction (default:
    10000 on SQLite; 1000 on PostgreSQL). Each line's link is checked again as it is
    written, and written as checked (`insert_linked`): nothing unverified is stored."""
    if batch_size is None:
        batch_size = 1000 if isinstance(recorder, PostgresApplicationRecorder) else 10_000
    chains: dict[str, str] = {}
    batch: list[Linked] = []
    written = 0
    for number, _size, line in lines(path):
        event = line.event
        oid = canonical_id(event.originator_id)
        version, topic, state = event.originator_version, event.topic, event.state
        expected = canonical_link(key, chains.get(oid, GENESIS), oid, version, topic, state)
        if not hmac.compare_digest(expected, line.link or ""):
            raise BadLine(number, "changed while it was being imported")
        chains[oid] = expected
        batch.append((oid, version, topic, state, expected))
        if len(batch) >= batch_size:
            written += _insert(recorder, batch, progress, written)
            batch = []
    return written + _insert(recorder, batch, progress, written)


def _insert(recorder: Any, batch: list[Linked], progress: Progress | None, done: int) -> int:
    if batch:
        recorder.insert_linked(batch)
        if progress is not None:
            progress(done + len(batch))
    return len(batch)
