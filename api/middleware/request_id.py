"""RequestId: every request gets an id (the caller's X-Request-ID when it is well formed,
else a new one), kept in the request state, bound to every log line written while the
request is handled, and sent back as X-Request-ID on every answer, the middlewares' own
problems included."""

from __future__ import annotations

import itertools
import re
import secrets

from api.asgi import ASGIApp, Message, Receive, Scope, Send, header, state
from api.logs import bind_request_id

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_PROCESS = secrets.token_hex(8)  # unique per process start
_SEQUENCE = itertools.count(1)


def new_request_id() -> str:
    """Unique across processes and restarts (a random per-process prefix and a counter),
    without a system call per request."""
    return f"{_PROCESS}{next(_SEQUENCE):016x}"


class RequestId:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = header(scope, b"x-request-id")
        request_id = given if given and _REQUEST_ID.match(given) else new_request_id()
        state(scope)["request_id"] = request_id
        bind_request_id(request_id)
        await self.app(scope, receive, _with_header(send, b"x-request-id", request_id.encode()))


def _with_header(send: Send, name: bytes, value: bytes) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message.setdefault("headers", [])
            message["headers"] = [*message["headers"], (name, value)]
        await send(message)

    return wrapped
