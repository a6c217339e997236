"""What a request may be, checked before the app sees it:

- CleanUrl: no NUL in the path or query string (no store can hold NUL in text; PostgreSQL
  refuses it), answered 400 rather than failing as a 500 deeper in.
- BodyLimits: a body (POST, PUT, PATCH, DELETE) is at most `max_body` bytes, refused with
  413 from its declared Content-Length before a byte is read, else as soon as what was read
  passes the limit; a non-empty body must be declared JSON (415). The app then receives the
  whole body as one message."""

from __future__ import annotations

import re

from api import problems
from api.asgi import ASGIApp, Receive, Scope, Send, header, replaying, send_response

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_JSON = re.compile(r"^application/([a-z0-9.+-]*\+)?json\s*(;.*)?$", re.IGNORECASE)


class CleanUrl:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            "\x00" in scope["path"] or b"%00" in scope.get("query_string", b"")
        ):
            detail = "the URL may not contain NUL characters"
            response = problems.problem_response(problems.MALFORMED, detail, instance=scope["path"])
            await send_response(scope, send, response)
            return
        await self.app(scope, receive, send)


class BodyLimits:
    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        body = await self._read_body(scope, receive, send)
        if body is None:
            return
        content_type = header(scope, b"content-type")
        if body and not (content_type and _JSON.match(content_type.strip())):
            detail = f"send the body as application/json, not {content_type or 'untyped'}"
            response = problems.problem_response(
                problems.UNSUPPORTED_MEDIA, detail, instance=scope["path"]
            )
            await send_response(scope, send, response)
            return
        await self.app(scope, replaying(body, receive), send)

    async def _read_body(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        """The whole body, or None when the client left or a 413 was sent."""
        declared = header(scope, b"content-length")
        too_large = problems.problem_response(
            problems.TOO_LARGE,
            f"the body may be at most {self.max_body} bytes",
            instance=scope["path"],
        )
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await send_response(scope, send, too_large)
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await send_response(scope, send, too_large)
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)
