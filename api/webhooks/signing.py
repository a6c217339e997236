"""A webhook's secret, its deliveries' ids and headers, and the signature:
`Smallwins-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, keyed
with the UTF-8 bytes of the secret string as it was shown at creation."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from uuid import UUID, uuid5

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def delivery_id(webhook_id: str, position: int) -> str:
    """The same for every attempt (and replay) of one event to one webhook, and different
    for any other event or webhook: what a receiver deduplicates by."""
    return str(uuid5(UUID(webhook_id), str(position)))


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def headers(
    webhook_id: str, secret: str, position: int, body: bytes, timestamp: int
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "smallwins-webhooks",
        "Smallwins-Webhook-Id": webhook_id,
        "Smallwins-Delivery": delivery_id(webhook_id, position),
        "Smallwins-Event-Position": str(position),
        "Smallwins-Signature": signature(secret, timestamp, body),
    }
