"""Opportunity ids: time-ordered UUIDs (version 7, RFC 9562).

48 bits of milliseconds since the epoch, the version, 74 random bits (and the variant):
ids sort by the millisecond they were made (within one, at random), so a new
opportunity's first rows go to the end of every index keyed by its id (the events' and
links' primary keys, the chain heads, the views) instead of to a random page of it."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from uuid import UUID

RANDOM_BITS = 74
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
_VERSION = 0x7 << 76
_VARIANT = 0b10 << 62  # RFC 9562's variant


def time_ordered_id(millis: int, randomness: int | None = None) -> UUID:
    """The id of something made `millis` milliseconds after the epoch. Its random bits
    are the low RANDOM_BITS of `randomness` (default: fresh from the operating system;
    the demo passes bits of its seeded stream)."""
    bits = secrets.randbits(RANDOM_BITS) if randomness is None else randomness
    high = ((millis & ((1 << 48) - 1)) << 80) | _VERSION | (((bits >> 62) & 0xFFF) << 64)
    return UUID(int=high | _VARIANT | (bits & ((1 << 62) - 1)))


def millis_of(moment: datetime) -> int:
    """Whole milliseconds from the epoch to an aware `moment` (exact: no float)."""
    return (moment - _EPOCH) // _MILLISECOND


def as_uuid(key: object) -> UUID:
    """An id as a store gives it (a UUID, or its text: hex digits on SQLite) as a UUID."""
    return key if isinstance(key, UUID) else UUID(str(key))
