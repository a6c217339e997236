"""Field rules shared by every event: trimmed strings, enums, amounts, currencies, times."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from domain.currencies import ISO_4217
from domain.errors import InvalidValue
from domain.names import name_key, tidy

NAME_MAX = 200
TEXT_MAX = 2000
NOTE_MAX = 2000
FUTURE_TOLERANCE = timedelta(minutes=5)
# Instants outside these bounds cannot be shown in UTC or moved by the derived values' day
# arithmetic without leaving the calendar (year 1 to 9999); such an event would break every
# read of its opportunity and stop the projections at it.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)

SOURCES = ("inbound", "outbound", "referral", "repeat", "other")
MEETING_KINDS = ("initial", "needs_analysis", "proposal", "decision_makers", "other")
ROLES = (
    "decision_maker",
    "economic_buyer",
    "champion",
    "influencer",
    "technical_evaluator",
    "user",
    "other",
)
CHANNELS = ("email", "phone", "meeting", "video", "other")
LOSS_REASONS = ("no_fit", "price", "competitor", "no_decision", "timing", "other")


def required_text(value: str | None, field: str, max_len: int = NAME_MAX) -> str:
    """A required string: trimmed, not empty, not longer than `max_len`."""
    cleaned = optional_text(value, field, max_len)
    if cleaned is None:
        raise InvalidValue(field, "is required and may not be empty")
    return cleaned


def optional_text(value: str | None, field: str, max_len: int = TEXT_MAX) -> str | None:
    """An optional string: trimmed; empty means absent."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidValue(field, "must be a string")
    cleaned = value.strip()
    if "\x00" in cleaned:  # PostgreSQL text cannot hold NUL: it would stop the projections
        raise InvalidValue(field, "may not contain NUL characters")
    if len(cleaned) > max_len:
        raise InvalidValue(field, f"may be at most {max_len} characters")
    return cleaned or None


def choice(
    value: str | None, field: str, options: Iterable[str], default: str | None = None
) -> str:
    """One of a fixed set of values (after trimming); `default` when absent."""
    allowed = tuple(options)
    cleaned = optional_text(value, field, NAME_MAX)
    if cleaned is None:
        if default is None:
            raise InvalidValue(field, f"is required: one of {', '.join(allowed)}")
        return default
    if cleaned not in allowed:
        raise InvalidValue(field, f"must be one of {', '.join(allowed)}")
    return cleaned


def amount(value: float | None, field: str = "amount") -> float | None:
    """An optional money amount: a finite number, at least zero."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidValue(field, "must be a number")
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float is not a finite amount
        number = math.inf
    if not math.isfinite(number) or number < 0:
        raise InvalidValue(field, "must be a finite number at least 0")
    return number


def currency(value: str | None) -> str:
    """An ISO 4217 code, `USD` when absent."""
    cleaned = optional_text(value, "currency", 3)
    if cleaned is None:
        return "USD"
    code = cleaned.upper()
    if code not in ISO_4217:
        raise InvalidValue("currency", "must be an ISO 4217 currency code such as USD or EUR")
    return code


def names(values: Iterable[str] | None, field: str) -> list[str]:
    """A list of names: each trimmed and tidied, none empty, repeats (by name key) dropped."""
    if values is None:
        return []
    seen: dict[str, str] = {}
    for index, value in enumerate(values):
        cleaned = required_text(value, f"{field}.{index}")
        seen.setdefault(name_key(cleaned), tidy(cleaned))
    return list(seen.values())


def aware(value: datetime, field: str) -> datetime:
    """A datetime with an explicit offset (RFC 3339)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue(field, "must be an RFC 3339 date-time with an offset")
    if not EARLIEST <= value < LATEST:
        raise InvalidValue(field, "must be between 1900-01-01 and 8999-12-31 (UTC)")
    return value


def occurred_at(value: datetime | None, now: datetime, not_before: datetime | None) -> datetime:
    """Business time: default now (or the opening, if that was dated a little ahead); at
    most 5 minutes ahead; not before the opening."""
    if value is None:
        return max(now, not_before) if not_before is not None else now
    moment = aware(value, "occurred_at")
    if moment > now + FUTURE_TOLERANCE:
        raise InvalidValue("occurred_at", "may be at most 5 minutes in the future")
    if not_before is not None and moment < not_before:
        raise InvalidValue("occurred_at", "may not be before the opportunity was opened")
    return moment
