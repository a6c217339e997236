"""Tamper evidence: a keyed hash chain over each opportunity's stored events.

Every stored event is linked as HMAC-SHA256(key, previous link, id, version, topic, stored
bytes), written in the same transaction as the event by the recorders (SQLite:
`storage.config`; PostgreSQL: `storage.postgres`), into `event_chain`;
the latest link of each opportunity is also kept in `chain_heads`, outside the chain, so
a deleted last event is detected too. Without the key nobody can forge a link, so changed
bytes, deleted, inserted or swapped events all show in `verify`."""

from __future__ import annotations

import hashlib
import hmac
import struct
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import IntegrityError, StoredEvent

GENESIS = "0" * 64
_SIZE = struct.Struct(">I")
CHAIN_TABLES = (
    "CREATE TABLE IF NOT EXISTS event_chain (originator_id TEXT NOT NULL,"
    " version BIGINT NOT NULL, link TEXT NOT NULL, PRIMARY KEY (originator_id, version))",
    "CREATE TABLE IF NOT EXISTS chain_heads (originator_id TEXT PRIMARY KEY,"
    " version BIGINT NOT NULL, link TEXT NOT NULL)",
    # Signed records of renewed chains (storage.chain_records).
    "CREATE TABLE IF NOT EXISTS chain_migrations (originator_id TEXT NOT NULL,"
    " migrated_at TEXT NOT NULL, old_version BIGINT NOT NULL, old_link TEXT NOT NULL,"
    " new_link TEXT NOT NULL, signature TEXT NOT NULL, PRIMARY KEY (originator_id, migrated_at))",
)
# `?` placeholders (SQLite): a batch's links, and each touched chain's new head.
INSERT_LINKS = "INSERT INTO event_chain (originator_id, version, link) VALUES (?, ?, ?)"
UPSERT_HEADS = (
    "INSERT INTO chain_heads (originator_id, version, link) VALUES (?, ?, ?)"
    " ON CONFLICT (originator_id) DO UPDATE SET version = excluded.version, link = excluded.link"
)


def canonical_id(originator_id: UUID | str) -> str:
    return str(originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id)))


def link(
    key: bytes, previous: str, originator_id: UUID | str, version: int, topic: str, state: bytes
) -> str:
    return canonical_link(key, previous, canonical_id(originator_id), version, topic, state)


def canonical_link(
    key: bytes, previous: str, canonical: str, version: int, topic: str, state: bytes
) -> str:
    """`link`, for an id already in canonical form (`canonical_id`)."""
    mac = _keyed(key).copy()
    p, c, v, t = previous.encode(), canonical.encode(), b"%d" % version, topic.encode()
    size = _SIZE.pack  # each part's length, 4 bytes big-endian, before it
    mac.update(
        b"".join((size(len(p)), p, size(len(c)), c, size(len(v)), v, size(len(t)), t, state))
    )
    return mac.hexdigest()


@lru_cache(maxsize=8)
def _keyed(key: bytes) -> hmac.HMAC:
    """The HMAC state after the key (copied for each link: cheaper than starting over)."""
    return hmac.new(key, digestmod=hashlib.sha256)


@dataclass(frozen=True, slots=True)
class Extension:
    """A batch's new links, one per event, and each touched chain's new head."""

    links: list[tuple[str, int, str]]  # (originator_id, version, link), in the events' order
    heads: list[tuple[str, int, str]]  # (originator_id, version, link)


def extend_links(
    key: bytes, stored_events: Sequence[StoredEvent], heads: Mapping[str, tuple[int, str]]
) -> Extension:
    """Link new events onto their chains, given each chain's current head (version, link)
    by canonical id (a missing id is an empty chain). A version that does not follow its
    head is a write conflict (another writer won)."""
    by_id: dict[str, list[tuple[int, StoredEvent]]] = defaultdict(list)
    for index, event in enumerate(stored_events):
        by_id[canonical_id(event.originator_id)].append((index, event))
    links: list[tuple[str, int, str]] = [("", 0, "")] * len(stored_events)
    new_heads: list[tuple[str, int, str]] = []
    for originator_id in sorted(by_id):
        version, previous = heads.get(originator_id, (0, GENESIS))
        for index, event in sorted(by_id[originator_id], key=lambda e: e[1].originator_version):
            if event.originator_version != version + 1:
                msg = f"{originator_id} is at version {version}, not {event.originator_version - 1}"
                raise IntegrityError(msg)
            version = event.originator_version
            previous = link(key, previous, originator_id, version, event.topic, event.state)
            links[index] = (originator_id, version, previous)
        new_heads.append((originator_id, version, previous))
    return Extension(links, new_heads)


# A stored event with its chain link already computed, by a caller holding the key that
# has checked where the chain stands (an import checks every link; the demo starts new
# chains): (canonical originator id, version, topic, state, link). `insert_linked` on
# either recorder writes these as they are.
Linked = tuple[str, int, str, bytes, str]
# What our recorders' select_log gives: (position, originator_id as stored, version, topic,
# state).
LogRow = tuple[int, Any, int, str, bytes]


link_rows = itemgetter(0, 1, 4)  # a `Linked` event's (originator id, version, link)


def new_heads(events: Sequence[Linked]) -> list[tuple[str, int, str]]:
    """Each chain's last (originator id, version, link) among `events` (in version order)."""
    return last_links(list(map(link_rows, events)))


def last_links(links: Sequence[tuple[str, int, str]]) -> list[tuple[str, int, str]]:
    """Each chain's last of `links` ((originator id, version, link), in version order)."""
    return list({row[0]: row for row in links}.values())


class ChainCursor(Protocol):
    """What extending the chain needs of the recorder's cursor (`?` placeholders)."""

    def execute(self, sql: str, params: Sequence[Any]) -> Any: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any: ...
    def fetchall(self) -> Any: ...


def extend_chain(key: bytes, stored_events: Sequence[StoredEvent], cursor: ChainCursor) -> None:
    """Extend the chains inside the caller's transaction, through a DB-API cursor (the
    SQLite recorder): one query for the heads of the batch, one batch of links, one batch
    of heads. The caller's transaction must already hold the write lock."""
    ids = sorted({canonical_id(event.originator_id) for event in stored_events})
    marks = ", ".join("?" * len(ids))
    cursor.execute(
        f"SELECT originator_id, version, link FROM chain_heads"  # noqa: S608 (placeholders only)
        f" WHERE originator_id IN ({marks})",
        ids,
    )
    heads = {str(row[0]): (int(row[1]), str(row[2])) for row in cursor.fetchall()}
    extension = extend_links(key, stored_events, heads)
    cursor.executemany(INSERT_LINKS, extension.links)
    cursor.executemany(UPSERT_HEADS, extension.heads)


# --- verification -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    version: int
    problem: str


@dataclass(frozen=True, slots=True)
class Verification:
    checked: int
    problems: tuple[Problem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(
    key: bytes,
    events: Sequence[StoredEvent],
    links: dict[int, str],
    head: tuple[int, str] | None,
) -> Verification:
    """Compare the stored events with their links and the head. Each event is checked
    against the stored link before it, so one changed event is reported once."""
    problems: list[Problem] = []
    expected_version = 1
    for event in events:
        version = event.originator_version
        for missing in range(expected_version, version):
            problems.append(
                Problem(
                    missing, "event deleted: the chain has a link here but the history has no event"
                )
            )
        expected_version = version + 1
        previous = links.get(version - 1, GENESIS) if version > 1 else GENESIS
        stored = links.get(version)
        actual = link(key, previous, event.originator_id, version, event.topic, event.state)
        if stored is None:
            problems.append(Problem(version, "event inserted: it is not in the chain"))
        elif not hmac.compare_digest(stored, actual):
            problems.append(
                Problem(version, "stored bytes changed: the event does not match its link")
            )
    last = events[-1].originator_version if events else 0
    if head is None:
        if events:
            problems.append(Problem(last, "chain head missing"))
    else:
        head_version, head_link = head
        for missing in range(last + 1, head_version + 1):
            problems.append(Problem(missing, "event deleted: the head names a later version"))
        if head_version == last and not hmac.compare_digest(head_link, links.get(last, "")):
            problems.append(Problem(last, "chain head does not match the last link"))
    problems.sort(key=lambda p: p.version)
    return Verification(checked=len(events), problems=tuple(problems))
