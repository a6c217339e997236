"""API keys: created once and shown once, stored as a salted SHA-256 hash, compared in
constant time, revoked with immediate effect. A key is `sw_<id>_<secret>`.

Each process remembers the keys it has verified, so most requests touch no table to know
who is asking. What keeps revocation immediate: the remembered keys are trusted only while
the store's revocation marker (how many keys exist, how many are revoked) has been read
within the last REVOCATION_SECONDS; a revocation in this process forgets at once, and
`smallwins keys revoke` returns only after REVOCATION_SECONDS, by when every running
process has read the marker again before it answers anyone."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from storage.gateway import Database

ROLES = ("viewer", "editor", "admin")
_RANK = {role: rank for rank, role in enumerate(ROLES)}
PREFIX = "sw"
REVOCATION_SECONDS = 0.1  # how stale a process's view of revocations may be, at most
REMEMBERED_KEYS = 4096


@dataclass(frozen=True, slots=True)
class ApiKey:
    key_id: str
    name: str
    role: str
    created_at: str
    revoked_at: str | None

    def allows(self, role: str) -> bool:
        return _RANK[self.role] >= _RANK[role]


class UnknownRole(ValueError):
    pass


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()


def _fingerprint(token: str) -> bytes:
    """What a verified token is remembered by: never the token itself."""
    return hashlib.blake2b(token.encode(), digest_size=16).digest()


class KeyStore:
    SCHEMA = (
        "CREATE TABLE IF NOT EXISTS api_keys ("
        " key_id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,"
        " salt TEXT NOT NULL, digest TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT)"
    )

    def __init__(self, database: Database) -> None:
        self.database = database
        with database.transaction() as cursor:
            cursor.execute(self.SCHEMA)
        self._verified: dict[bytes, ApiKey] = {}  # token fingerprint -> verified key
        self._marker: tuple[int, int] | None = None
        self._marker_read_at = -REVOCATION_SECONDS  # monotonic: when the last read began
        self._refresh = threading.Lock()

    def create(self, name: str, role: str) -> tuple[ApiKey, str]:
        """A new key and its secret token (the only time the token exists in clear)."""
        if role not in _RANK:
            raise UnknownRole(f"role must be one of {', '.join(ROLES)}")
        cleaned = name.strip()
        if not cleaned:
            raise ValueError("a key needs a name")
        key_id, secret, salt = (
            secrets.token_hex(8),
            secrets.token_urlsafe(32),
            secrets.token_hex(16),
        )
        created = datetime.now(UTC).isoformat()
        with self.database.transaction() as cursor:
            cursor.execute(
                "INSERT INTO api_keys (key_id, name, role, salt, digest, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (key_id, cleaned, role, salt, _digest(salt, secret), created),
            )
        return ApiKey(key_id, cleaned, role, created, None), f"{PREFIX}_{key_id}_{secret}"

    def remembered(self, token: str) -> ApiKey | None:
        """The key this token was verified as, if that is still known to hold without
        asking the store (no I/O: safe on the event loop); None means ask `authenticate`."""
        if time.monotonic() - self._marker_read_at >= REVOCATION_SECONDS:
            return None
        return self._verified.get(_fingerprint(token))

    def authenticate(self, token: str) -> ApiKey | None:
        self._check_revocations()
        fingerprint = _fingerprint(token)
        known = self._verified.get(fingerprint)
        if known is not None:
            return known
        key = self._verify(token)
        if key is not None:
            if len(self._verified) >= REMEMBERED_KEYS:
                self._verified.clear()
            self._verified[fingerprint] = key
        return key

    def _check_revocations(self) -> None:
        """Forget every remembered key when a key was revoked (or the table replaced)
        since the marker was last read; read it at most every REVOCATION_SECONDS."""
        if time.monotonic() - self._marker_read_at < REVOCATION_SECONDS:
            return
        with self._refresh:
            began = time.monotonic()
            if began - self._marker_read_at < REVOCATION_SECONDS:
                return
            row = self.database.fetch_one("SELECT COUNT(*), COUNT(revoked_at) FROM api_keys", ())
            marker = (int(row[0]), int(row[1]))
            if marker != self._marker:
                self._verified.clear()
                self._marker = marker
            self._marker_read_at = began

    def _verify(self, token: str) -> ApiKey | None:
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
            return None
        row = self.database.fetch_one(
            "SELECT key_id, name, role, salt, digest, created_at, revoked_at"
            " FROM api_keys WHERE key_id = ?",
            (parts[1],),
        )
        if row is None:
            _digest("0" * 32, parts[2])  # spend the same work on unknown ids
            return None
        key_id, name, role, salt, digest, created_at, revoked_at = row
        if not hmac.compare_digest(_digest(salt, parts[2]), digest) or revoked_at:
            return None
        return ApiKey(key_id, name, role, created_at, revoked_at)

    def list(self) -> list[ApiKey]:
        with self.database.read() as cursor:
            cursor.execute(
                "SELECT key_id, name, role, created_at, revoked_at FROM api_keys ORDER BY created_at"
            )
            return [ApiKey(*row) for row in cursor.fetchall()]

    def revoke(self, key_id_or_name: str) -> int:
        """Revoke by id, or every active key with this name; returns how many."""
        now = datetime.now(UTC).isoformat()
        with self.database.transaction() as cursor:
            cursor.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE revoked_at IS NULL AND (key_id = ? OR name = ?)",
                (now, key_id_or_name, key_id_or_name),
            )
            count = int(cursor.rowcount)
        with self._refresh:  # this process forgets at once and reads the marker again
            self._verified.clear()
            self._marker_read_at = -REVOCATION_SECONDS
        return count

    def has_active_admin(self) -> bool:
        with self.database.read() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL"
            )
            return bool(cursor.fetchone()[0])
