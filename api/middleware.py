"""Pure ASGI middleware in front of every route: a request id, the body size limit (checked
before parsing), strict JSON content type, and Idempotency-Key replay for POSTs."""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio.to_thread

from api import problems
from api.idempotency import MAX_KEY_LENGTH, StoredResponse, fingerprint
from api.logs import bind_request_id
from api.services import Services

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_JSON = re.compile(r"^application/([a-z0-9.+-]*\+)?json\s*(;.*)?$", re.IGNORECASE)
REPLAYED_HEADERS = ("content-type", "etag", "location", "x-smallwins-position")


_PROCESS = secrets.token_hex(8)  # unique per process start
_SEQUENCE = itertools.count(1)


def new_request_id() -> str:
    """Unique across processes and restarts (a random per-process prefix and a counter),
    without a system call per request."""
    return f"{_PROCESS}{next(_SEQUENCE):016x}"


def _is_api(scope: Scope) -> bool:
    path = str(scope["path"])
    return path == "/v1" or path.startswith("/v1/")


def _bearer(scope: Scope) -> str:
    authorization = _header(scope, b"authorization") or ""
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _send_problem(send: Send, scope: Scope, response: Any) -> None:
    await response(scope, _noop_receive, send)


async def _noop_receive() -> Message:
    return {"type": "http.disconnect"}


class RequestGuard:
    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services
        self.max_body = services.settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        request_id = given if given and _REQUEST_ID.match(given) else new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        bind_request_id(request_id)
        send = _with_header(send, b"x-request-id", request_id.encode())
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
            # No store can hold NUL in text (PostgreSQL refuses it): malformed, not a 500.
            detail = "the URL may not contain NUL characters"
            response = problems.problem_response(problems.MALFORMED, detail, instance=scope["path"])
            await _send_problem(send, scope, response)
            return
        if _is_api(scope) and scope["method"] != "OPTIONS":
            # Who is asking comes first: no body is read or parsed for an unknown caller.
            token = _bearer(scope)
            keys = self.services.keys
            key = (
                (keys.remembered(token) or await anyio.to_thread.run_sync(keys.authenticate, token))
                if token
                else None
            )
            if key is None:
                detail = (
                    "the API key is not valid or was revoked"
                    if token
                    else "send Authorization: Bearer <API key>"
                )
                response = problems.problem_response(
                    problems.UNAUTHORIZED, detail, instance=scope["path"]
                )
                await _send_problem(send, scope, response)
                return
            scope["state"]["api_key"] = key
        if scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        body = await self._read_body(scope, receive, send)
        if body is None:
            return
        content_type = _header(scope, b"content-type")
        if body and not (content_type and _JSON.match(content_type.strip())):
            detail = f"send the body as application/json, not {content_type or 'untyped'}"
            await _send_problem(
                send,
                scope,
                problems.problem_response(
                    problems.UNSUPPORTED_MEDIA, detail, instance=scope["path"]
                ),
            )
            return
        replay = _replaying_receive(body, receive)
        idempotency_key = _header(scope, b"idempotency-key")
        if idempotency_key is not None and scope["method"] == "POST":
            await self._idempotent(scope, replay, send, body, idempotency_key)
            return
        await self.app(scope, replay, send)

    async def _read_body(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        declared = _header(scope, b"content-length")
        too_large = problems.problem_response(
            problems.TOO_LARGE,
            f"the body may be at most {self.max_body} bytes",
            instance=scope["path"],
        )
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await _send_problem(send, scope, too_large)
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
                await _send_problem(send, scope, too_large)
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _idempotent(
        self, scope: Scope, receive: Receive, send: Send, body: bytes, key: str
    ) -> None:
        store = self.services.idempotency
        api_key = scope["state"].get("api_key")
        if api_key is None:  # not an API route: nothing to remember
            await self.app(scope, receive, send)
            return
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            await _send_problem(
                send,
                scope,
                problems.problem_response(
                    problems.VALIDATION,
                    f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters",
                    instance=scope["path"],
                    errors=[
                        problems.field_error(["header", "Idempotency-Key"], "1 to 255 characters")
                    ],
                ),
            )
            return
        fp = fingerprint(scope["method"], scope["path"], body)
        claim = await anyio.to_thread.run_sync(store.claim, api_key.key_id, key, fp)
        if not claim.fingerprint_matches:
            await _send_problem(
                send,
                scope,
                problems.problem_response(
                    problems.IDEMPOTENCY_REUSED,
                    "this Idempotency-Key was first used with another request body or path",
                    instance=scope["path"],
                ),
            )
            return
        if claim.in_progress:
            await _send_problem(
                send,
                scope,
                problems.problem_response(
                    problems.IN_PROGRESS,
                    "the first request with this key has not finished; retry",
                    instance=scope["path"],
                    headers={"Retry-After": "1"},
                ),
            )
            return
        if claim.replay is not None:
            await _replay(send, claim.replay)
            return
        captured: dict[str, Any] = {"status": 500, "headers": {}, "body": []}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = {
                    k.decode("latin-1").lower(): v.decode("latin-1")
                    for k, v in message.get("headers", ())
                    if k.decode("latin-1").lower() in REPLAYED_HEADERS
                }
            elif message["type"] == "http.response.body":
                captured["body"].append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            await anyio.to_thread.run_sync(store.release, api_key.key_id, key)
            raise
        if captured["status"] >= 500:
            await anyio.to_thread.run_sync(store.release, api_key.key_id, key)
            return
        stored = StoredResponse(captured["status"], b"".join(captured["body"]), captured["headers"])
        await anyio.to_thread.run_sync(store.complete, api_key.key_id, key, stored)


async def _replay(send: Send, stored: StoredResponse) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in stored.headers.items()]
    headers.append((b"idempotent-replayed", b"true"))
    headers.append((b"content-length", str(len(stored.body)).encode()))
    await send({"type": "http.response.start", "status": stored.status, "headers": headers})
    await send({"type": "http.response.body", "body": stored.body})


def _replaying_receive(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _with_header(send: Send, name: bytes, value: bytes) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message.setdefault("headers", [])
            message["headers"] = [*message["headers"], (name, value)]
        await send(message)

    return wrapped
