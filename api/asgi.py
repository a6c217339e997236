"""The ASGI types every pure middleware here is written against (`api.middleware`,
`api.observe`, `api.fast_reads`), and the few helpers they share: reading a request header,
the request state, answering without the app, and handing on a body already read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.responses import Response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of a request header (`name` in lower case), decoded as latin-1."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def is_api(scope: Scope) -> bool:
    """Whether the request is for the /v1 API."""
    path = str(scope["path"])
    return path == "/v1" or path.startswith("/v1/")


def state(scope: Scope) -> dict[str, Any]:
    """The request's state (Starlette's `request.state`), made if no middleware has yet."""
    found: dict[str, Any] = scope.setdefault("state", {})
    return found


async def send_response(scope: Scope, send: Send, response: Response) -> None:
    """Answer with `response` (a problem, typically) without reading the request body."""
    await response(scope, _disconnected, send)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the whole body first, then whatever `receive` gives."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _disconnected() -> Message:
    return {"type": "http.disconnect"}
