"""IdempotencyReplay: a POST to the API with an `Idempotency-Key` is answered once; repeats of
the same request (same API key, Idempotency-Key, path and body) get the first answer back
(with `Idempotent-Replayed: true`), from `api.idempotency.IdempotencyStore`.

A key reused with another body or path is 422, a repeat while the first is still being
answered is 409 with Retry-After, a malformed key is 422. An answer of 500 or more, or an
error escaping the app, is not kept: the key may be retried. It sits inside Authenticate (the
records are per API key) and BodyLimits (the body it reads is bounded and whole)."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from starlette.responses import Response

from api import problems
from api.asgi import ASGIApp, Message, Receive, Scope, Send, header, replaying, send_response
from api.idempotency import MAX_KEY_LENGTH, IdempotencyStore, StoredResponse, fingerprint
from api.services import Services

Claimed = tuple[str, str]  # (API key id, Idempotency-Key)
REPLAYED_HEADERS = ("content-type", "etag", "location", "x-smallwins-position")


class IdempotencyReplay:
    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services  # its parts are read per request: a test may swap them

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = header(scope, b"idempotency-key") if scope["type"] == "http" else None
        api_key = (scope.get("state") or {}).get("api_key")
        if key is None or scope["method"] != "POST" or api_key is None:
            await self.app(scope, receive, send)  # nothing to remember
            return
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            await send_response(scope, send, _malformed(scope))
            return
        body = await _read_body(receive)
        if body is None:
            return
        fp = fingerprint(scope["method"], scope["path"], body)
        store = self.services.idempotency
        claim = await anyio.to_thread.run_sync(store.claim, api_key.key_id, key, fp)
        if not claim.fingerprint_matches:
            await send_response(scope, send, _reused(scope))
            return
        if claim.in_progress:
            await send_response(scope, send, _in_progress(scope))
            return
        if claim.replay is not None:
            await _replay(send, claim.replay)
            return
        await self._first(scope, replaying(body, receive), send, store, (api_key.key_id, key))

    async def _first(
        self, scope: Scope, receive: Receive, send: Send, store: IdempotencyStore, claimed: Claimed
    ) -> None:
        """Answer the first request with this key, and keep the answer unless it failed."""
        key_id, key = claimed
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
            await anyio.to_thread.run_sync(store.release, key_id, key)
            raise
        if captured["status"] >= 500:
            await anyio.to_thread.run_sync(store.release, key_id, key)
            return
        stored = StoredResponse(captured["status"], b"".join(captured["body"]), captured["headers"])
        await anyio.to_thread.run_sync(store.complete, key_id, key, stored)


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body (BodyLimits, outside, has bounded it), or None if the client left."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _replay(send: Send, stored: StoredResponse) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in stored.headers.items()]
    headers.append((b"idempotent-replayed", b"true"))
    headers.append((b"content-length", str(len(stored.body)).encode()))
    await send({"type": "http.response.start", "status": stored.status, "headers": headers})
    await send({"type": "http.response.body", "body": stored.body})


def _malformed(scope: Scope) -> Response:
    return problems.problem_response(
        problems.VALIDATION,
        f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters",
        instance=scope["path"],
        errors=[problems.field_error(["header", "Idempotency-Key"], "1 to 255 characters")],
    )


def _reused(scope: Scope) -> Response:
    return problems.problem_response(
        problems.IDEMPOTENCY_REUSED,
        "this Idempotency-Key was first used with another request body or path",
        instance=scope["path"],
    )


def _in_progress(scope: Scope) -> Response:
    return problems.problem_response(
        problems.IN_PROGRESS,
        "the first request with this key has not finished; retry",
        instance=scope["path"],
        headers={"Retry-After": "1"},
    )
