"""Idempotency-Key records: the first response to a (API key, Idempotency-Key) pair is kept
durably and replayed for repeats of the same request; another request with the key is 422."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson

from storage.gateway import Database

PENDING = 0
MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class Claim:
    """Either we own the key now (`replay` is None) or here is what to answer."""

    fingerprint_matches: bool
    replay: StoredResponse | None
    in_progress: bool = False


def fingerprint(method: str, path: str, body: bytes) -> str:
    """The same request whatever the JSON formatting: canonical JSON when it parses."""
    try:
        canonical = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS) if body else b""
    except orjson.JSONDecodeError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


class IdempotencyStore:
    SCHEMA = (
        "CREATE TABLE IF NOT EXISTS idempotency_keys ("
        " key_id TEXT NOT NULL, idempotency_key TEXT NOT NULL, fingerprint TEXT NOT NULL,"
        " status INTEGER NOT NULL, body TEXT, headers TEXT, created_at TEXT NOT NULL,"
        " PRIMARY KEY (key_id, idempotency_key))"
    )

    def __init__(self, database: Database, ttl: timedelta) -> None:
        self.database = database
        self.ttl = ttl
        with database.transaction() as cursor:
            cursor.execute(self.SCHEMA)

    def claim(self, key_id: str, key: str, fp: str, wait_seconds: float = 5.0) -> Claim:
        """Take the key for this request, or find the answer a previous one left."""
        deadline = time.monotonic() + wait_seconds
        while True:
            row = self._insert_or_fetch(key_id, key, fp)
            if row is None:
                return Claim(fingerprint_matches=True, replay=None)
            stored_fp, status, body, headers = row
            if stored_fp != fp:
                return Claim(fingerprint_matches=False, replay=None)
            if status != PENDING:
                return Claim(True, StoredResponse(status, body.encode(), orjson.loads(headers)))
            if time.monotonic() >= deadline:
                return Claim(True, None, in_progress=True)
            time.sleep(0.05)

    def _insert_or_fetch(self, key_id: str, key: str, fp: str) -> tuple[str, int, str, str] | None:
        now = datetime.now(UTC)
        with self.database.transaction() as cursor:
            cursor.execute(
                "DELETE FROM idempotency_keys WHERE key_id = ? AND idempotency_key = ? AND created_at < ?",
                (key_id, key, (now - self.ttl).isoformat()),
            )
            cursor.execute(
                "INSERT INTO idempotency_keys (key_id, idempotency_key, fingerprint, status, created_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (key_id, idempotency_key) DO NOTHING",
                (key_id, key, fp, PENDING, now.isoformat()),
            )
            if cursor.rowcount == 1:
                return None
            cursor.execute(
                "SELECT fingerprint, status, body, headers FROM idempotency_keys"
                " WHERE key_id = ? AND idempotency_key = ?",
                (key_id, key),
            )
            found = cursor.fetchone()
            return None if found is None else (found[0], found[1], found[2] or "", found[3] or "{}")

    def complete(self, key_id: str, key: str, response: StoredResponse) -> None:
        with self.database.transaction() as cursor:
            cursor.execute(
                "UPDATE idempotency_keys SET status = ?, body = ?, headers = ?"
                " WHERE key_id = ? AND idempotency_key = ?",
                (
                    response.status,
                    response.body.decode(),
                    orjson.dumps(response.headers).decode(),
                    key_id,
                    key,
                ),
            )

    def release(self, key_id: str, key: str) -> None:
        """Forget a claim whose request failed without an answer worth replaying."""
        with self.database.transaction() as cursor:
            cursor.execute(
                "DELETE FROM idempotency_keys WHERE key_id = ? AND idempotency_key = ? AND status = ?",
                (key_id, key, PENDING),
            )
