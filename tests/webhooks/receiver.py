"""A webhook receiver for the tests: a threaded HTTP/1.1 server on 127.0.0.1 and a free port
(never any other address). It records every request it is sent, answers what the test
says (a status, after a delay), and notes any request that arrives while another one for
the same webhook and position is still being answered (an overlap: two deliverers at once)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Received:
    webhook_id: str
    position: int
    delivery_id: str
    signature: str
    content_type: str
    body: bytes
    arrived: float  # time.monotonic()

    @property
    def item(self) -> dict[str, Any]:
        found: dict[str, Any] = orjson.loads(self.body)
        return found


# What to answer: (status, seconds to wait before answering) for each request.
Answer = Callable[[Received], tuple[int, float]]


@dataclass
class Receiver:
    answer: Answer = field(default=lambda _r: (204, 0.0))
    received: list[Received] = field(default_factory=list)
    overlaps: list[tuple[str, int]] = field(default_factory=list)
    _in_flight: set[tuple[str, int]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://{LOOPBACK}:{self._server.server_address[1]}/hooks"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keeps connections open, as real receivers do

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                got = Received(
                    webhook_id=self.headers.get("Smallwins-Webhook-Id", ""),
                    position=int(self.headers.get("Smallwins-Event-Position", "-1")),
                    delivery_id=self.headers.get("Smallwins-Delivery", ""),
                    signature=self.headers.get("Smallwins-Signature", ""),
                    content_type=self.headers.get("Content-Type", ""),
                    body=body,
                    arrived=time.monotonic(),
                )
                status, delay = receiver.arrive(got)
                try:
                    time.sleep(delay)
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up (a timeout test): nobody to answer
                finally:
                    receiver.leave(got)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def arrive(self, got: Received) -> tuple[int, float]:
        key = (got.webhook_id, got.position)
        with self._lock:
            if key in self._in_flight:
                self.overlaps.append(key)
            self._in_flight.add(key)
            self.received.append(got)
        return self.answer(got)

    def leave(self, got: Received) -> None:
        with self._lock:
            self._in_flight.discard((got.webhook_id, got.position))

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def positions(self, webhook_id: str | None = None) -> list[int]:
        with self._lock:
            return [r.position for r in self.received if webhook_id in (None, r.webhook_id)]

    def wait_for(self, condition: Callable[[], bool], timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True


@contextmanager
def receiving(answer: Answer | None = None) -> Iterator[Receiver]:
    receiver = Receiver() if answer is None else Receiver(answer=answer)
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()
