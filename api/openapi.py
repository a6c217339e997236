"""What the OpenAPI document says beyond the routes' types, so generated clients need no
workarounds: short operation ids, the headers the API reads and sends, the servers, and
which operations are public."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header
from fastapi.routing import APIRoute

from api.fast_reads import etag
from api.idempotency import MAX_KEY_LENGTH

POSITION_HEADER = "X-Smallwins-Position"
SERVERS = [{"url": "/", "description": "This server: every path starts at its root."}]
PUBLIC: dict[str, Any] = {"security": []}  # openapi_extra of the routes that need no key


def operation_id(route: APIRoute) -> str:
    """The route function's name in camelCase: `record_event` -> `recordEvent`."""
    first, *rest = route.name.split("_")
    return first + "".join(word.capitalize() for word in rest)


def _header(description: str, example: str) -> dict[str, Any]:
    return {
        "description": description,
        "required": True,
        "schema": {"type": "string", "examples": [example]},
    }


ETAG = {
    "ETag": _header(
        f"The opportunity's version, quoted (e.g. {etag(3)}): send it as If-Match to write"
        " only on that version.",
        etag(3),
    )
}
REPLAYED = {
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer to an earlier request with"
        " the same Idempotency-Key.",
        "required": False,
        "schema": {"type": "string", "enum": ["true"]},
    }
}
WRITTEN = {
    **ETAG,
    "Location": _header(
        "The opportunity's URL.", "/v1/opportunities/01890a5d-ac96-774b-bcce-b302099a8057"
    ),
    POSITION_HEADER: _header(
        "The event's position in the global log; reads by the same key wait for the views"
        " to reach it.",
        "42",
    ),
    **REPLAYED,
}


def answers(status: int, description: str, headers: dict[str, Any]) -> dict[int | str, Any]:
    """`responses=` declaring the headers of an operation's success answer."""
    return {status: {"description": description, "headers": headers}}


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        description="Makes the POST safe to retry: a repeat with the same key and body gets"
        " the first answer back and does nothing again; the same key with another body is"
        " 422, and a repeat while the first is still being answered is 409.",
        examples=["5f1c2f9e-8f0b-4a51-9d6c-0c1f7e0b9a12"],
    ),
]
