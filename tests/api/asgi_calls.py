"""Helpers to call a pure ASGI middleware (or the whole app) by hand: a request scope, a
`receive` that hands out given body chunks (and fails the test if asked for more, or for
anything at all), an inner app that records what reached it, and what was sent back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import anyio
import orjson
import pytest

from api.asgi import ASGIApp, Message, Receive, Scope, Send


def http_scope(
    method: str = "GET",
    path: str = "/v1/opportunities",
    headers: dict[str, str] | None = None,
    query: bytes = b"",
) -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "server": ("testserver", 80),
        "client": ("testclient", 50000),
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }


class Chunks:
    """A client sending `parts` as the body, one message each; asking for more is a failure."""

    def __init__(self, *parts: bytes, then_disconnect: bool = False) -> None:
        self.parts = list(parts)
        self.then_disconnect = then_disconnect
        self.calls = 0

    async def __call__(self) -> Message:
        self.calls += 1
        if self.parts:
            part = self.parts.pop(0)
            more = bool(self.parts) or self.then_disconnect
            return {"type": "http.request", "body": part, "more_body": more}
        if self.then_disconnect:
            self.then_disconnect = False
            return {"type": "http.disconnect"}
        pytest.fail("the body was read past its end")


async def unread() -> Message:
    """A receive for requests whose body must never be read."""
    pytest.fail("the request body was read")


@dataclass
class Inner:
    """The app inside the middleware under test: records each call, drains the body it is
    given, and answers `status` with `body` (or raises `error`)."""

    status: int = 200
    body: bytes = b"inner"
    error: BaseException | None = None
    scopes: list[Scope] = field(default_factory=list)
    received: list[Message] = field(default_factory=list)
    read_body: bool = True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scopes.append(scope)
        if self.read_body and scope["method"] in ("POST", "PUT", "PATCH", "DELETE"):
            while True:
                message = await receive()
                self.received.append(message)
                if not message.get("more_body", False):
                    break
        if self.error is not None:
            raise self.error
        headers = [(b"content-type", b"application/json"), (b"etag", b'"1"')]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})

    @property
    def calls(self) -> int:
        return len(self.scopes)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def call(app: ASGIApp, scope: Scope, receive: Receive = unread) -> Answer:
    """Run one request through `app`; what it answered."""
    answer = answer_of(run(app, scope, receive))
    if answer is None:
        pytest.fail("nothing was answered")
    return answer


def run(app: ASGIApp, scope: Scope, receive: Receive = unread) -> list[Message]:
    """Run one request through `app`; every message it sent."""
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def request() -> None:
        await app(scope, receive, send)

    anyio.run(request)
    return sent


def answer_of(sent: list[Message]) -> Answer | None:
    starts = [m for m in sent if m["type"] == "http.response.start"]
    if not starts:
        return None
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in starts[0].get("headers", ())}
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return Answer(int(starts[0]["status"]), headers, body)


PROBLEM_JSON = "application/problem+json"


def problem(answer: Answer, status: int, slug: str) -> dict[str, Any]:
    """Assert a problem+json answer of this status and `type`; returns its body."""
    assert answer.status == status, answer.body
    assert answer.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = orjson.loads(answer.body)
    assert body["type"] == f"/problems/{slug}"
    return body
