"""How an event's fields are declared: once, on the event classes of the aggregates, as
`Annotated[type, Spec]`. A spec cleans a value (the domain's rules: trimming, lengths,
choices, ranges) and describes it for everyone else (the API's request and response
schemas, the OpenAPI examples and the docs' event table are derived from it)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

from domain.currencies import ISO_4217
from domain.errors import InvalidValue
from domain.names import name_key, tidy

NAME_MAX = 200
TEXT_MAX = 2000
LIST_MAX = 100
FUTURE_TOLERANCE = timedelta(minutes=5)
# Instants outside these bounds cannot be shown in UTC or moved by the derived values' day
# arithmetic without leaving the calendar (year 1 to 9999); such an event would break every
# read of its opportunity and stop the projections at it.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class Spec:
    """One field: what it means, an example, whether it may be left out (and then what it
    is), and what kind of data it holds for personal-data handling."""

    description: str = ""
    example: Any = None
    required: bool = True
    default: Any = None  # the value when left out (only for fields that are not required)
    personal: bool = False  # personal data: a person's name, or what is said of them (a title)
    person: bool = False  # names a person (one, or a list of them): contact, stakeholder, ...
    free_text: bool = False  # text a person may be named in: note, summary, purpose, ...
    assigned: bool = False  # set by the server, never sent by a client

    kind: ClassVar[str] = "string"  # the JSON type: string, number, integer, boolean, ...
    format: ClassVar[str | None] = None  # date-time, date

    def clean(self, value: Any, name: str) -> Any:
        """The value as recorded, or InvalidValue."""
        if value is None:
            if self.required:
                raise InvalidValue(name, "is required")
            return self.default
        return self.check(value, name)

    def check(self, value: Any, name: str) -> Any:  # noqa: ARG002 (subclasses name it)
        return value


@dataclass(frozen=True, slots=True, kw_only=True)
class Text(Spec):
    """A string: trimmed; empty means left out; at most `max_length` characters."""

    max_length: int = NAME_MAX

    def clean(self, value: Any, name: str) -> Any:
        cleaned = text(value, name, self.max_length)
        if cleaned is None:
            if self.required:
                raise InvalidValue(name, "is required and may not be empty")
            return self.default
        return cleaned


@dataclass(frozen=True, slots=True, kw_only=True)
class Prose(Text):
    """Longer free text: at most 2000 characters."""

    max_length: int = TEXT_MAX


@dataclass(frozen=True, slots=True, kw_only=True)
class Choice(Spec):
    """One of a fixed set of values (after trimming)."""

    options: tuple[str, ...] = ()

    def clean(self, value: Any, name: str) -> Any:
        cleaned = text(value, name, NAME_MAX)
        if cleaned is None:
            if self.required and self.default is None:
                raise InvalidValue(name, f"is required: one of {', '.join(self.options)}")
            return self.default
        if cleaned not in self.options:
            raise InvalidValue(name, f"must be one of {', '.join(self.options)}")
        return cleaned


@dataclass(frozen=True, slots=True, kw_only=True)
class Amount(Spec):
    """A money amount: a finite number, at least zero."""

    kind: ClassVar[str] = "number"

    def check(self, value: Any, name: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidValue(name, "must be a number")
        try:
            number = float(value)
        except OverflowError:  # an int too large for a float is not a finite amount
            number = math.inf
        if not math.isfinite(number) or number < 0:
            raise InvalidValue(name, "must be a finite number at least 0")
        return number


@dataclass(frozen=True, slots=True, kw_only=True)
class Currency(Spec):
    """An ISO 4217 code (any case on the way in, upper case as recorded)."""

    def clean(self, value: Any, name: str) -> Any:
        cleaned = text(value, name, 3)
        if cleaned is None:
            if self.required:
                raise InvalidValue(name, "is required")
            return self.default
        code = cleaned.upper()
        if code not in ISO_4217:
            raise InvalidValue(name, "must be an ISO 4217 currency code such as USD or EUR")
        return code


@dataclass(frozen=True, slots=True, kw_only=True)
class Names(Spec):
    """A list of names: each trimmed and tidied, none empty, repeats (by name) dropped."""

    kind: ClassVar[str] = "array"
    max_items: int = LIST_MAX

    def clean(self, value: Any, name: str) -> Any:
        if value is None and not self.required:  # a default of () means: an empty list
            return list(self.default) if self.default is not None else None
        return Spec.clean(self, value, name)

    def check(self, value: Any, name: str) -> list[str]:
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise InvalidValue(name, "must be a list of names")
        seen: dict[str, str] = {}
        for index, each in enumerate(value):
            cleaned = text(each, f"{name}.{index}", NAME_MAX)
            if cleaned is None:
                raise InvalidValue(f"{name}.{index}", "is required and may not be empty")
            seen.setdefault(name_key(cleaned), tidy(cleaned))
        if len(seen) > self.max_items:
            raise InvalidValue(name, f"may hold at most {self.max_items} names")
        return list(seen.values())


@dataclass(frozen=True, slots=True, kw_only=True)
class Instant(Spec):
    """A datetime with an explicit offset (RFC 3339)."""

    format: ClassVar[str | None] = "date-time"

    def check(self, value: Any, name: str) -> datetime:
        return aware(value, name)


@dataclass(frozen=True, slots=True, kw_only=True)
class Day(Spec):
    """A calendar date (ISO 8601, `2027-01-15`)."""

    format: ClassVar[str | None] = "date"

    def check(self, value: Any, name: str) -> date:
        if isinstance(value, datetime):
            raise InvalidValue(name, "must be a date (YYYY-MM-DD), not a date-time")
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise InvalidValue(name, "must be a date (YYYY-MM-DD)")


@dataclass(frozen=True, slots=True, kw_only=True)
class Flag(Spec):
    """true or false."""

    kind: ClassVar[str] = "boolean"

    def check(self, value: Any, name: str) -> bool:
        if not isinstance(value, bool):
            raise InvalidValue(name, "must be true or false")
        return value


@dataclass(frozen=True, slots=True, kw_only=True)
class Count(Spec):
    """A whole number of at least `minimum`."""

    kind: ClassVar[str] = "integer"
    minimum: int = 0

    def check(self, value: Any, name: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidValue(name, "must be a whole number")
        if value < self.minimum:
            raise InvalidValue(name, f"must be at least {self.minimum}")
        return value


@dataclass(frozen=True, slots=True, kw_only=True)
class Targets(Spec):
    """A map of metric names (one of `metrics`) to whole numbers from `minimum` to
    `maximum` (a bound any store can hold)."""

    kind: ClassVar[str] = "object"
    metrics: tuple[str, ...] = ()
    minimum: int = field(default=0)
    maximum: int = field(default=1_000_000)

    def check(self, value: Any, name: str) -> dict[str, int]:
        if not isinstance(value, Mapping):
            raise InvalidValue(name, "must be an object of metric: target")
        targets: dict[str, int] = {}
        for metric, target in value.items():
            if metric not in self.metrics:
                raise InvalidValue(f"{name}.{metric}", f"must be one of {', '.join(self.metrics)}")
            if (
                isinstance(target, bool)
                or not isinstance(target, int)
                or not self.minimum <= target <= self.maximum
            ):
                raise InvalidValue(
                    f"{name}.{metric}",
                    f"must be a whole number from {self.minimum} to {self.maximum}",
                )
            targets[metric] = target
        return {m: targets[m] for m in self.metrics if m in targets}


def text(value: Any, name: str, max_length: int) -> str | None:
    """A string trimmed; None when absent or empty."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidValue(name, "must be a string")
    cleaned = value.strip()
    if "\x00" in cleaned:  # PostgreSQL text cannot hold NUL: it would stop the projections
        raise InvalidValue(name, "may not contain NUL characters")
    if len(cleaned) > max_length:
        raise InvalidValue(name, f"may be at most {max_length} characters")
    return cleaned or None


def aware(value: Any, name: str) -> datetime:
    """A datetime with an explicit offset, within the calendar the derived values handle."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise InvalidValue(name, "must be an RFC 3339 date-time with an offset") from None
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue(name, "must be an RFC 3339 date-time with an offset")
    if not EARLIEST <= value < LATEST:
        raise InvalidValue(name, "must be between 1900-01-01 and 8999-12-31 (UTC)")
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
