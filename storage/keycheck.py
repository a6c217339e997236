"""Which integrity key a store was created with. A store remembers the fingerprint of its
key (never the key); every process checks its own key against it before it writes or
verifies anything, so a wrong key stops with a plain message instead of accepting events
no key will ever verify together, or reporting every event as altered."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from uuid import UUID

from storage.chain import GENESIS, canonical_id, link
from storage.gateway import Database

FACTS_DDL = (
    "CREATE TABLE IF NOT EXISTS store_facts (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
)
FINGERPRINT = "integrity_key_fingerprint"
_LABEL = b"smallwins integrity key fingerprint"


def fingerprint(key: bytes) -> str:
    """16 hex digits that name a key without revealing it."""
    return hmac.new(key, _LABEL, hashlib.sha256).hexdigest()[:16]


class KeyMismatch(RuntimeError):
    """The configured integrity key is not the one the store was created with."""

    def __init__(self, expected: str | None) -> None:
        named = f" (fingerprint {expected})" if expected else ""
        super().__init__(
            f"the integrity key does not match this store{named}; set SMALLWINS_INTEGRITY_KEY"
            " to the key it was created with"
        )
        self.expected = expected


def check_key(database: Database, recorder: Any, key: bytes) -> None:
    """Raise KeyMismatch unless `key` is the store's. A store that has no fingerprint yet
    (a new one, or one written before fingerprints were kept) gets this key's, after one
    event of it, if any, is checked against its chain link."""
    mine = fingerprint(key)
    with database.transaction() as cursor:
        cursor.execute(FACTS_DDL)
        cursor.execute("SELECT value FROM store_facts WHERE name = ?", (FINGERPRINT,))
        row = cursor.fetchone()
        if row is not None:
            if str(row[0]) != mine:
                raise KeyMismatch(str(row[0]))
            return
        cursor.execute("SELECT originator_id, link FROM event_chain WHERE version = 1 LIMIT 1")
        first = cursor.fetchone()
        if first is not None and not _links(recorder, key, str(first[0]), str(first[1])):
            raise KeyMismatch(None)
        cursor.execute(
            "INSERT INTO store_facts (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
            (FINGERPRINT, mine),
        )


def store_fingerprint(database: Database) -> str | None:
    """The fingerprint the store remembers, if any."""
    with database.transaction() as cursor:
        cursor.execute(FACTS_DDL)
        cursor.execute("SELECT value FROM store_facts WHERE name = ?", (FINGERPRINT,))
        row = cursor.fetchone()
    return str(row[0]) if row else None


def _links(recorder: Any, key: bytes, originator_id: str, stored_link: str) -> bool:
    events = recorder.select_events(UUID(originator_id), lte=1)
    if not events:
        return True  # a chain without its event: verify reports it, not the key check
    event = events[0]
    expected = link(key, GENESIS, canonical_id(originator_id), 1, event.topic, event.state)
    return hmac.compare_digest(expected, stored_link)
