"""Opaque cursors and page-size limits shared by every list."""

from __future__ import annotations

import base64
import binascii
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
        raise Problem(
            VALIDATION,
            "cursor is not one this API gave out",
            errors=[field_error(["query", "cursor"], "not a valid cursor")],
        )
    return decoded
