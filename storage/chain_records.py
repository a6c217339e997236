"""Signed records of renewed chains.

`smallwins migrate-personal-data` rewrites the events of a store written before names were
protected, so their chains are linked anew. For every chain it renews it keeps a record:
the old chain's head (version and link), the new chain's link at that version, and when,
signed with the integrity key. Whoever holds the old events (an export made before the
migration) can recompute the old head and find it here; `verify` checks that each record
is signed with the store's key and that the new chain still passes through its link."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from storage.chain import ChainCursor

COLUMNS = ("originator_id", "migrated_at", "old_version", "old_link", "new_link", "signature")
_PURPOSE = b"smallwins chain migration"


@dataclass(frozen=True, slots=True)
class ChainRecord:
    originator_id: str  # canonical
    migrated_at: str
    old_version: int
    old_link: str
    new_link: str
    signature: str = ""

    def signed(self, key: bytes) -> ChainRecord:
        return ChainRecord(self.originator_id, self.migrated_at, self.old_version,
                           self.old_link, self.new_link, self.expected_signature(key))  # fmt: skip

    def expected_signature(self, key: bytes) -> str:
        parts = (self.originator_id, self.migrated_at, str(self.old_version), self.old_link,
                 self.new_link)  # fmt: skip
        message = b"\x00".join((_PURPOSE, *(part.encode() for part in parts)))
        return hmac.new(key, message, hashlib.sha256).hexdigest()

    def problem(self, key: bytes, links: dict[int, str]) -> str | None:
        """What is wrong with this record, given its chain's links by version (None: it
        is signed with `key` and the chain passes through its new link)."""
        if not hmac.compare_digest(self.signature, self.expected_signature(key)):
            return "chain migration record altered: its signature does not verify"
        if links.get(self.old_version) != self.new_link:
            return "the chain does not pass through the link its migration record names"
        return None

    def row(self) -> tuple[Any, ...]:
        return (self.originator_id, self.migrated_at, self.old_version, self.old_link,
                self.new_link, self.signature)  # fmt: skip


def from_row(row: tuple[Any, ...]) -> ChainRecord:
    return ChainRecord(str(row[0]), str(row[1]), int(row[2]), str(row[3]), str(row[4]),
                       str(row[5]))  # fmt: skip


INSERT = (
    "INSERT INTO chain_migrations (originator_id, migrated_at, old_version, old_link,"
    " new_link, signature) VALUES (?, ?, ?, ?, ?, ?)"
)
SELECT = (
    "SELECT originator_id, migrated_at, old_version, old_link, new_link, signature"
    " FROM chain_migrations"
)


def records_of(cursor: ChainCursor, originator_id: str) -> list[ChainRecord]:
    cursor.execute(SELECT + " WHERE originator_id = ? ORDER BY migrated_at", (originator_id,))
    return [from_row(tuple(row)) for row in cursor.fetchall()]


def all_records(cursor: ChainCursor) -> list[ChainRecord]:
    cursor.execute(SELECT + " ORDER BY originator_id, migrated_at", ())
    return [from_row(tuple(row)) for row in cursor.fetchall()]
