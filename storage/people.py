"""The people the events name, each with a key of their own (DESIGN section 10).

A person is a name within an account (matched like stakeholders). The first time the
events name one, they get a reference (`person-` and 12 hex digits) and a random 256-bit
key; the events then hold their name (and the text about them) only encrypted under it
(storage.personal). Erasing a person destroys their key and the lookup that finds them by
name, so every mention reads as the reference from then on, and the same name recorded
again is a new person. The store's generation counts erasures: every process drops what
it holds in memory when it sees the generation move (at most GENERATION_SECONDS later)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from domain.names import name_key
from storage.config import StorageConfig
from storage.gateway import Cursor, Database
from storage.sealing import forget as forget_sealing_keys

PEOPLE_DDL = (
    "CREATE TABLE IF NOT EXISTS people ("
    " reference TEXT PRIMARY KEY, account_key TEXT NOT NULL, lookup TEXT UNIQUE,"
    " data_key TEXT, created_at TEXT NOT NULL, erased_at TEXT, erased_by TEXT,"
    " account TEXT, opportunities INTEGER, events INTEGER)",
    "CREATE INDEX IF NOT EXISTS people_erased ON people (erased_at)",
    "CREATE INDEX IF NOT EXISTS people_account ON people (account_key)",
    # Each word of a person's name finds them in free text too ("Kofi" for Kofi Young):
    # the same keyed hash as `lookup`, of the account and the word.
    "CREATE TABLE IF NOT EXISTS people_parts (lookup TEXT NOT NULL, reference TEXT NOT NULL,"
    " PRIMARY KEY (lookup, reference))",
    # An account's people with the words of their names (`_read_mentions`), and an
    # erasure's words, are found by reference: without it each was a scan of every word.
    "CREATE INDEX IF NOT EXISTS people_parts_reference ON people_parts (reference)",
    "CREATE TABLE IF NOT EXISTS store_facts (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
GENERATION = "people_generation"
PEOPLE_MADE = "people_made"
PERSONAL_DATA = "personal_data"  # "protected": every event was stored with names as tokens
GENERATION_SECONDS = 1.0
_LOOKUP = b"smallwins people lookup"
_MAX_ACCOUNTS = 4096  # accounts whose people are kept for finding them in free text
_MAX_WORDS = 65536  # words of free text whose lookup is kept
_FETCH_KEYS = 500  # references asked for in one query


@dataclass(frozen=True, slots=True)
class Person:
    reference: str
    key: bytes


@dataclass(frozen=True, slots=True)
class Erasure:
    reference: str
    account: str
    erased_at: str
    erased_by: str
    opportunities: int
    events: int


def made_person(
    cursor: Cursor, account_key: str, lookup: str, parts: Sequence[str]
) -> tuple[Person, bool]:
    """The person found by `lookup`, given a reference and a new random key the first
    time, found by the lookups of their name's `parts` too (inside the caller's
    transaction; a concurrent first naming finds the same), and whether they are new:
    a new person moves the store's count of people made (PEOPLE_MADE)."""
    cursor.execute(
        "INSERT INTO people (reference, account_key, lookup, data_key, created_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (lookup) DO NOTHING",
        (new_reference(), account_key, lookup, secrets.token_hex(32),
         datetime.now(UTC).isoformat()),
    )  # fmt: skip
    new = cursor.rowcount == 1
    cursor.execute("SELECT reference, data_key FROM people WHERE lookup = ?", (lookup,))
    reference, key = cursor.fetchone()
    cursor.executemany(INSERT_PART, [(part, str(reference)) for part in parts])
    if new:
        count_made(cursor, 1)
    return Person(str(reference), bytes.fromhex(str(key))), new


def count_made(cursor: Cursor, made: int) -> None:
    """Move the store's count of people made by `made` (every process that finds people
    named in free text from memory sees someone new within GENERATION_SECONDS)."""
    cursor.execute(
        "INSERT INTO store_facts (name, value) VALUES (?, ?) ON CONFLICT (name)"
        " DO UPDATE SET value = CAST(CAST(store_facts.value AS INTEGER) + ? AS TEXT)",
        (PEOPLE_MADE, str(made), made),
    )


# An account's people by the lookups of their whole names and of the words of them.
ACCOUNT_PEOPLE = (
    "SELECT lookup, reference FROM people WHERE account_key = ?"
    " AND lookup IS NOT NULL UNION ALL SELECT parts.lookup, parts.reference"
    " FROM people_parts parts JOIN people USING (reference)"
    " WHERE people.account_key = ?"
)
ERASED_PARTS = "DELETE FROM people_parts WHERE reference = ?"
PEOPLE_TABLES = ("people", "people_parts")

INSERT_PART = (
    "INSERT INTO people_parts (lookup, reference) VALUES (?, ?)"
    " ON CONFLICT (lookup, reference) DO NOTHING"
)


def name_parts(name: str) -> list[str]:
    """The words of a name of two words or more that find the person on their own in free
    text (each of two letters or more)."""
    words = name_key(name).split(" ")
    return sorted({w for w in words if len(w) >= 2}) if len(words) > 1 else []


def new_reference() -> str:
    return f"person-{secrets.token_hex(6)}"


def mentioned_in(cursor: Cursor, lookups: Sequence[str]) -> list[str]:
    """The references of the people (not erased) that any of `lookups` finds, by their
    whole name or a word of it."""
    if not lookups:
        return []
    marks = ", ".join("?" * len(lookups))
    cursor.execute(
        f"SELECT reference FROM people WHERE lookup IN ({marks}) UNION"  # noqa: S608
        f" SELECT reference FROM people_parts WHERE lookup IN ({marks}) ORDER BY 1",
        [*lookups, *lookups],
    )
    return [str(row[0]) for row in cursor.fetchall()]


def lookup_of(secret: bytes, account: str, name: str) -> str:
    """What finds a person by name under `secret` (`People.lookup`)."""
    text = f"{name_key(account)}\x00{name_key(name)}".encode()
    return hmac.new(secret, text, hashlib.sha256).hexdigest()


def lookup_secret(integrity_key: bytes) -> bytes:
    """The secret people are found by name with, derived from the store's key."""
    return hmac.new(integrity_key, _LOOKUP, hashlib.sha256).digest()


class People:
    """People and their keys, cached in memory until the next erasure anywhere."""

    def __init__(self, database: Database, secret: bytes | None) -> None:
        self.database = database
        self.secret = secret  # None: this process only reads (finds no one by name)
        self._lock = threading.Lock()
        self._by_lookup: dict[str, Person] = {}
        self._keys: dict[str, bytes | None] = {}
        # Who free text can name, per account: every lookup of a person's whole name or
        # of a word of it -> their references (not erased), read once per account and
        # kept up to date with the people made here; dropped when people were made or
        # erased elsewhere (seen at most GENERATION_SECONDS later).
        self._mentions: dict[str, dict[str, set[str]]] = {}
        self._word_lookups: dict[tuple[str, str], str] = {}
        self._made_seen = -1  # the store's count of people made, as last read
        self._made_here = 0  # people made by this process since then
        self._generation = -1
        self._checked = float("-inf")
        if secret is not None:  # a process that only reads makes no tables
            with database.transaction() as cursor:
                for statement in PEOPLE_DDL:
                    cursor.execute(statement)

    @classmethod
    def open(cls, config: StorageConfig, integrity_key: bytes | None) -> People:
        """People on their own small gateway to the store (None key: read only)."""
        database = Database(replace(config, pool_size=2, max_overflow=2))
        return cls(database, lookup_secret(integrity_key) if integrity_key else None)

    def close(self) -> None:
        self.database.close()

    def mark(self, empty_store: bool) -> None:
        """Remember, the first time a store is opened with names protected, whether all its
        events are (it held none yet) or some were written in clear before."""
        with self.database.transaction() as cursor:
            cursor.execute(
                "INSERT INTO store_facts (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                (PERSONAL_DATA, "protected" if empty_store else "clear"),
            )

    def mark_as(self, *, protected: bool) -> None:
        """Say whether every event of the store has its names protected (an import says
        what its file said; the migration says so once it is done)."""
        with self.database.transaction() as cursor:
            cursor.execute(
                "INSERT INTO store_facts (name, value) VALUES (?, ?) ON CONFLICT (name)"
                " DO UPDATE SET value = excluded.value",
                (PERSONAL_DATA, "protected" if protected else "clear"),
            )

    def protection(self) -> str | None:
        """ "protected" or "clear" (None: not known yet)."""
        row = self.database.fetch_one(
            "SELECT value FROM store_facts WHERE name = ?", (PERSONAL_DATA,)
        )
        return str(row[0]) if row else None

    # --- who someone is -----------------------------------------------------------------

    def lookup(self, account: str, name: str) -> str:
        """What finds a person by name: a keyed hash of the account and the name (matched
        like stakeholders), never the name itself."""
        if self.secret is None:
            msg = "this process only reads: it cannot name new people"
            raise RuntimeError(msg)
        return lookup_of(self.secret, account, name)

    def person(self, account: str, name: str) -> Person:
        """The person of that name in that account, made the first time it is named."""
        self.generation()
        found_key = self.lookup(account, name)
        found = self._by_lookup.get(found_key)
        if found is not None:
            return found
        parts = self.parts(account, name)
        with self.database.transaction() as cursor:
            found, new = made_person(cursor, name_key(account), found_key, parts)
        with self._lock:
            self._by_lookup[found_key] = found
            self._keys[found.reference] = found.key
            self._made_here += new
            mentions = self._mentions.get(name_key(account))
            if mentions is not None:
                for lookup in [found_key, *parts]:
                    mentions.setdefault(lookup, set()).add(found.reference)
        return found

    def parts(self, account: str, name: str) -> list[str]:
        """The lookups of the words of a person's name (`name_parts`)."""
        return [self.lookup(account, part) for part in name_parts(name)]

    def mentioned(self, account: str, names: Sequence[str]) -> list[str]:
        """The references of the account's people (not erased) called by any of `names`,
        whole or by a word of their name: from memory (`_mentions`), after one read of the
        account's people."""
        if not names:
            return []
        self.generation()
        account_key = name_key(account)
        mentions = self._mentions.get(account_key)
        if mentions is None:
            mentions = self._read_mentions(account_key)
        found: set[str] = set()
        for name in names:
            found.update(mentions.get(self._word_lookup(account, account_key, name), ()))
        return sorted(found)

    def _word_lookup(self, account: str, account_key: str, name: str) -> str:
        found = self._word_lookups.get((account_key, name))
        if found is None:
            found = self.lookup(account, name)
            if len(self._word_lookups) >= _MAX_WORDS:
                self._word_lookups.clear()
            self._word_lookups[account_key, name] = found
        return found

    def _read_mentions(self, account_key: str) -> dict[str, set[str]]:
        mentions: dict[str, set[str]] = {}
        with self.database.read() as cursor:
            cursor.execute(ACCOUNT_PEOPLE, (account_key, account_key))
            for lookup, reference in cursor.fetchall():
                mentions.setdefault(str(lookup), set()).add(str(reference))
        with self._lock:
            if len(self._mentions) >= _MAX_ACCOUNTS:
                self._mentions.clear()
            self._mentions[account_key] = mentions
        return mentions

    def find(self, account: str, name: str) -> str | None:
        """The reference of a person not erased, or None."""
        with self.database.read() as cursor:
            cursor.execute(
                "SELECT reference FROM people WHERE lookup = ?", (self.lookup(account, name),)
            )
            row = cursor.fetchone()
        return str(row[0]) if row else None

    def key(self, reference: str) -> bytes | None:
        """A person's key, or None once they are erased (or never existed here)."""
        self.generation()
        if reference in self._keys:
            return self._keys[reference]
        key = self._read_key(reference)
        with self._lock:
            self._keys[reference] = key
        return key

    def _read_key(self, reference: str) -> bytes | None:
        row = self.database.fetch_one(
            "SELECT data_key FROM people WHERE reference = ?", (reference,)
        )
        return bytes.fromhex(str(row[0])) if row and row[0] is not None else None

    def fetch_keys(self, references: Collection[str]) -> None:
        """Read the keys of those of `references` not held yet, in a few queries (a
        batch of events about to be decoded names them)."""
        self.generation()
        wanted = sorted(r for r in references if r not in self._keys)
        if not wanted:
            return
        found: dict[str, bytes | None] = dict.fromkeys(wanted)
        with self.database.read() as cursor:
            for at in range(0, len(wanted), _FETCH_KEYS):
                some = wanted[at : at + _FETCH_KEYS]
                marks = ", ".join("?" * len(some))
                cursor.execute(
                    f"SELECT reference, data_key FROM people WHERE reference IN ({marks})",  # noqa: S608
                    some,
                )
                for reference, key in cursor.fetchall():
                    found[str(reference)] = bytes.fromhex(str(key)) if key is not None else None
        with self._lock:
            self._keys.update(found)

    # --- erasing ------------------------------------------------------------------------

    def generation(self) -> int:
        """The store's count of erasures, read again at most every GENERATION_SECONDS;
        when it moved, everything cached is dropped (and who free text can name, when
        people were made elsewhere)."""
        now = time.monotonic()
        if now - self._checked < GENERATION_SECONDS and self._generation >= 0:
            return self._generation
        row = self.database.fetch_one(  # one statement: one round trip on PostgreSQL
            "SELECT (SELECT value FROM store_facts WHERE name = ?),"
            " (SELECT value FROM store_facts WHERE name = ?)",
            (GENERATION, PEOPLE_MADE),
        )
        current, made = (int(value) if value is not None else 0 for value in row)
        with self._lock:
            if current != self._generation:
                self._forget()
            elif made != self._made_seen + self._made_here:  # someone else made people
                self._mentions.clear()
            self._generation, self._checked = current, now
            self._made_seen, self._made_here = made, 0
        return current

    def _forget(self) -> None:
        """Drop every key, person and lookup held (the caller holds the lock)."""
        self._by_lookup.clear()
        self._keys.clear()
        self._mentions.clear()
        self._word_lookups.clear()
        forget_sealing_keys()

    def erase(self, cursor: Cursor, erasure: Erasure) -> None:
        """Destroy a person's key and lookup, keep the record of it, and move the store's
        generation (inside the caller's transaction)."""
        cursor.execute(
            "UPDATE people SET data_key = NULL, lookup = NULL, erased_at = ?, erased_by = ?,"
            " account = ?, opportunities = ?, events = ? WHERE reference = ?",
            (erasure.erased_at, erasure.erased_by, erasure.account, erasure.opportunities,
             erasure.events, erasure.reference),
        )  # fmt: skip
        cursor.execute(ERASED_PARTS, (erasure.reference,))
        cursor.execute(
            "INSERT INTO store_facts (name, value) VALUES (?, '1') ON CONFLICT (name)"
            " DO UPDATE SET value = CAST(CAST(store_facts.value AS INTEGER) + 1 AS TEXT)",
            (GENERATION,),
        )
        with self._lock:
            self._forget()
            self._generation = -1

    def erased(self) -> None:
        """After an erasure's transaction committed: drop again what was read while it was
        being made (another thread could still read the key before the commit, and keep
        the name), and read the store's count of erasures afresh at the next look."""
        with self._lock:
            self._forget()
            self._generation = -1

    def erasures(self) -> list[Erasure]:
        with self.database.read() as cursor:
            cursor.execute(
                "SELECT reference, account, erased_at, erased_by, opportunities, events"
                " FROM people WHERE erased_at IS NOT NULL ORDER BY erased_at, reference"
            )
            rows = cursor.fetchall()
        return [Erasure(str(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4]), int(r[5]))
                for r in rows]  # fmt: skip

    def named(self) -> dict[str, tuple[str, bytes]]:
        """Everyone the store can find by name (not erased): lookup -> (reference, key)."""
        with self.database.read() as cursor:
            cursor.execute(
                "SELECT lookup, reference, data_key FROM people"
                " WHERE lookup IS NOT NULL AND data_key IS NOT NULL AND erased_at IS NULL"
            )
            return {str(r[0]): (str(r[1]), bytes.fromhex(str(r[2]))) for r in cursor.fetchall()}

    def adopt(self, made: list[tuple[str, str, str, str]]) -> None:
        """People made elsewhere (the demo's workers): (reference, account key, name, key
        in hex), found by name from now on like any other."""
        now = datetime.now(UTC).isoformat()
        rows = [(ref, account, self.lookup(account, name), key, now)
                for ref, account, name, key in made]  # fmt: skip
        parts = [(part, ref) for ref, account, name, _key in made
                 for part in self.parts(account, name)]  # fmt: skip
        with self.database.transaction() as cursor:
            cursor.executemany(
                "INSERT INTO people (reference, account_key, lookup, data_key, created_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (reference) DO NOTHING",
                rows,
            )
            cursor.executemany(INSERT_PART, parts)
            count_made(cursor, 1)
        with self._lock:
            self._mentions.clear()

    def refresh_statistics(self) -> None:
        """After people were made in bulk (`Database.refresh_statistics`)."""
        self.database.refresh_statistics(PEOPLE_TABLES)

    # --- backup -------------------------------------------------------------------------

    def records(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every person, as exported (erased ones without key or lookup), and the lookups
        of their names' words."""
        with self.database.read() as cursor:
            cursor.execute(
                "SELECT reference, account_key, lookup, data_key, created_at, erased_at,"
                " erased_by, account, opportunities, events FROM people ORDER BY reference"
            )
            people = [tuple(row) for row in cursor.fetchall()]
            cursor.execute("SELECT lookup, reference FROM people_parts ORDER BY reference, lookup")
            return {"person": people, "person_part": [tuple(row) for row in cursor.fetchall()]}

    def restore(self, records: dict[str, list[tuple[Any, ...]]]) -> None:
        with self.database.transaction() as cursor:
            cursor.executemany(
                "INSERT INTO people (reference, account_key, lookup, data_key, created_at,"
                " erased_at, erased_by, account, opportunities, events)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                records["person"],
            )
            cursor.executemany(INSERT_PART, records["person_part"])
            count_made(cursor, 1)
        with self._lock:
            self._mentions.clear()
