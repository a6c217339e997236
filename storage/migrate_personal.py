"""Rewrite a store written before names were protected into the protected form.

Events recorded by a release before names were protected hold them in clear, and an
erasure cannot reach those bytes. The migration walks the whole log in order, in one
transaction that holds the store's write lock, and stores each such event again the way
it would be stored today (storage.personal: each person a token, the text about them
sealed under their keys); events already protected, or naming nobody, keep their bytes.
Each chain that changed is linked anew from its first event, and a signed record keeps
the old chain's head (storage.chain_records). Finally the store is marked protected, and
its files are compacted so the old bytes are gone (SQLite: VACUUM, then the write-ahead
log truncated; PostgreSQL: VACUUM FULL of the rewritten tables).

A dry run walks the same way in a read-only snapshot and writes nothing (no one is given
a key), answering the same counts."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import resolve_topic

from domain.names import name_key
from storage.chain import GENESIS, canonical_id, link
from storage.chain_records import INSERT, ChainRecord
from storage.gateway import Cursor, Database
from storage.people import (
    PERSONAL_DATA,
    People,
    Person,
    made_person,
    mentioned_in,
    new_reference,
)
from storage.personal import PersonToken, Protector, SealedText

PAGE = 1000
_PROTECTED = tuple(  # a token of any form: the event is protected already
    b'"_type_":"%s_v%d"' % (kind, version) for kind in (b"person", b"sealed") for version in (1, 2)
)
Progress = Callable[[int], Any]  # events walked so far


@dataclass(frozen=True, slots=True)
class Migrated:
    events: int  # events walked
    rewritten: int  # events now stored with their names protected
    opportunities: int  # chains linked anew (each with a signed record of its old head)
    people: int  # people given a key by the migration
    dry_run: bool


@dataclass
class _Ring:
    """The people the migration names, found and made through its own transaction (a
    dry run makes no one: it only counts them)."""

    people: People
    cursor: Cursor
    dry_run: bool
    made: int = 0
    _found: dict[str, Person] = field(default_factory=dict)
    _keys: dict[str, bytes | None] = field(default_factory=dict)
    _parts: dict[str, set[str]] = field(default_factory=dict)  # made here, by word lookup

    def person(self, account: str, name: str) -> Person:
        lookup = self.people.lookup(account, name)
        found = self._found.get(lookup)
        if found is not None:
            return found
        self.cursor.execute("SELECT reference, data_key FROM people WHERE lookup = ?", (lookup,))
        row = self.cursor.fetchone()
        if row is not None:
            found = Person(str(row[0]), bytes.fromhex(str(row[1])))
        else:
            self.made += 1
            parts = self.people.parts(account, name)
            found = (
                Person(new_reference(), secrets.token_bytes(32))
                if self.dry_run
                else made_person(self.cursor, name_key(account), lookup, parts)[0]
            )
            for part in parts:
                self._parts.setdefault(part, set()).add(found.reference)
        self._found[lookup] = found
        self._keys[found.reference] = found.key
        return found

    def mentioned(self, account: str, names: Sequence[str]) -> list[str]:
        lookups = [self.people.lookup(account, name) for name in names]
        found = {self._found[lookup].reference for lookup in lookups if lookup in self._found}
        for lookup in lookups:
            found.update(self._parts.get(lookup, ()))
        found.update(mentioned_in(self.cursor, lookups))
        return sorted(found)

    def key(self, reference: str) -> bytes | None:
        if reference not in self._keys:
            self.cursor.execute("SELECT data_key FROM people WHERE reference = ?", (reference,))
            row = self.cursor.fetchone()
            self._keys[reference] = bytes.fromhex(str(row[0])) if row and row[0] else None
        return self._keys[reference]


def migrate_personal_data(
    app: Any,
    database: Database,
    people: People,
    key: bytes,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> Migrated:
    """Rewrite every event that holds names in clear (see the module's docstring)."""
    recorder = app.recorder
    table = recorder.events_table_name
    position = "notification_id" if database.is_postgres else "rowid"
    session = database.read() if dry_run else database.transaction()
    with session as cursor:
        if database.is_postgres and not dry_run:
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")  # writers wait for us
        ring = _Ring(people, cursor, dry_run)
        protector = Protector(ring, lambda: recorder)
        transcoder = app.mapper.transcoder
        chains: dict[str, str] = {}  # each chain's new link so far
        renewed: set[str] = set()
        walked = rewritten = after = 0
        while True:
            cursor.execute(
                f"SELECT {position}, originator_id, originator_version, topic, state"  # noqa: S608
                f" FROM {table} WHERE {position} > ? ORDER BY {position} LIMIT ?",
                (after, PAGE),
            )
            rows = cursor.fetchall()
            if not rows:
                break
            states: list[tuple[bytes, int]] = []
            links: list[tuple[str, str, int]] = []
            for at, stored_id, version, topic, stored in rows:
                oid, state = canonical_id(stored_id), bytes(stored)
                protected = _protected(protector, transcoder, UUID(oid), topic, state)
                if protected is not None:
                    states.append((protected, at))
                    renewed.add(oid)
                    state = protected
                chains[oid] = link(key, chains.get(oid, GENESIS), oid, version, topic, state)
                if oid in renewed:
                    links.append((chains[oid], oid, version))
            if not dry_run:
                cursor.executemany(f"UPDATE {table} SET state = ? WHERE {position} = ?", states)  # noqa: S608
                cursor.executemany(
                    "UPDATE event_chain SET link = ? WHERE originator_id = ? AND version = ?",
                    links,
                )
            walked, rewritten, after = walked + len(rows), rewritten + len(states), rows[-1][0]
            if progress is not None:
                progress(walked)
        if not dry_run:
            _renew_heads(cursor, key, sorted(renewed), chains)
            cursor.execute(
                "INSERT INTO store_facts (name, value) VALUES (?, 'protected') ON CONFLICT"
                " (name) DO UPDATE SET value = excluded.value",
                (PERSONAL_DATA,),
            )
    if not dry_run:
        database.compact((table, "event_chain", "chain_heads"))
    return Migrated(walked, rewritten, len(renewed), ring.made, dry_run)


def _protected(
    protector: Protector, transcoder: Any, deal: UUID, topic: str, state: bytes
) -> bytes | None:
    """The event's stored form with its people protected, or None when it stays as it is
    (already protected, or naming nobody)."""
    if any(marker in state for marker in _PROTECTED):
        return None
    data = transcoder.decode(state)
    protector.protect(resolve_topic(topic), deal, data)
    if not any(_sealed(value) for value in data.values()):
        return None
    encoded: bytes = transcoder.encode(data)
    return encoded


def _sealed(value: Any) -> bool:
    if isinstance(value, list):
        return any(isinstance(item, PersonToken) for item in value)
    return isinstance(value, PersonToken | SealedText)


def _renew_heads(cursor: Cursor, key: bytes, renewed: list[str], chains: dict[str, str]) -> None:
    """Move each renewed chain's head to its new link, keeping a signed record of the old."""
    if not renewed:
        return
    migrated_at = datetime.now(UTC).isoformat()
    cursor.execute("SELECT originator_id, version, link FROM chain_heads")
    heads = {str(row[0]): (int(row[1]), str(row[2])) for row in cursor.fetchall()}
    records = [
        ChainRecord(oid, migrated_at, *heads[oid], chains[oid]).signed(key).row() for oid in renewed
    ]
    cursor.executemany(
        "UPDATE chain_heads SET link = ? WHERE originator_id = ?",
        [(chains[oid], oid) for oid in renewed],
    )
    cursor.executemany(INSERT, records)
