"""Opaque cursors and page-size limits shared by every list."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Annotated

import orjson
from fastapi import Query

from api.problems import VALIDATION, Problem, field_error

MAX_LIMIT = 500
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size, 1 to 500.")]


def encode_cursor(**position: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(position)).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, object]:
    if cursor is None:
        return {}
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        decoded = None
    if not isinstance(decoded, dict):
        raise invalid_cursor()
    return decoded


def invalid_cursor() -> Problem:
    """The one problem for a cursor this API did not give out (or gave for another list)."""
    return Problem(
        VALIDATION,
        "cursor is not one this API gave out",
        errors=[field_error(["query", "cursor"], "not a valid cursor")],
    )


def instant_of(value: object) -> datetime:
    """An instant a cursor kept (RFC 3339 with an offset), in UTC."""
    if not isinstance(value, str):
        raise TypeError
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError
    return parsed.astimezone(UTC)  # OverflowError: not an instant UTC can express
