"""API keys: created once and shown once, stored as a salted SHA-256 hash, compared in
constant time, revoked with immediate effect. A key is `sw_<id>_<secret>`."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from projections.database import Database

ROLES = ("viewer", "editor", "admin")
_RANK = {role: rank for rank, role in enumerate(ROLES)}
PREFIX = "sw"


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

    def authenticate(self, token: str) -> ApiKey | None:
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
            return None
        with self.database.read() as cursor:
            cursor.execute(
                "SELECT key_id, name, role, salt, digest, created_at, revoked_at"
                " FROM api_keys WHERE key_id = ?",
                (parts[1],),
            )
            row = cursor.fetchone()
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
            return int(cursor.rowcount)

    def has_active_admin(self) -> bool:
        with self.database.read() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL"
            )
            return bool(cursor.fetchone()[0])
