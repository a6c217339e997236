"""The loop that runs the deliveries, in the process that runs the projections (`smallwins
serve` on SQLite, `smallwins project` on PostgreSQL). Every `poll_seconds` (or when woken)
it reads the webhooks' positions and the log head, and queues each active webhook that is
behind and due; a few worker threads take them, one webhook per thread at a time, each for
at most `run_seconds` before it goes back to the queue. So webhooks are delivered side by
side: a slow or dead receiver holds one worker for at most one attempt's timeout, and then
waits out its backoff holding none; the writes never wait on any of it."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import datetime

from api.webhooks import tables
from api.webhooks.delivery import Deliverer
from api.webhooks.sender import Sender
from storage.gateway import Database

log = logging.getLogger("smallwins.webhooks")
WORKERS = 8


class Dispatcher:
    def __init__(
        self,
        deliverer: Deliverer,
        sender: Sender,
        database: Database,
        head: Callable[[], int],
        *,
        workers: int = WORKERS,
        poll_seconds: float = 0.2,
        run_seconds: float = 2.0,
    ) -> None:
        self.deliverer = deliverer
        self.sender = sender
        self.database = database
        self.head = head
        self.workers = workers
        self.poll_seconds = poll_seconds
        self.run_seconds = run_seconds
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._queue: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._queued: set[str] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._known: set[str] = set()

    @property
    def is_running(self) -> bool:
        return bool(self._threads) and not self._stop.is_set()

    def start(self) -> None:
        if self._threads:
            return
        self.sender.start()
        self._threads = [
            threading.Thread(target=self._loop, name="smallwins-webhooks", daemon=True)
        ]
        self._threads += [
            threading.Thread(target=self._work, name=f"smallwins-webhooks-{n}", daemon=True)
            for n in range(self.workers)
        ]
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        if not self._threads:
            return
        self._stop.set()
        self._wake.set()
        for _ in range(self.workers):
            self._queue.put(None)
        self.sender.stop(timeout)  # attempts under way end at once
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = []

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.dispatch()
                self.last_error = None
            except Exception as error:  # noqa: BLE001 (the store may be away: try again)
                self.last_error = f"{type(error).__name__}: {error}"
                log.warning("webhook dispatch failed; retrying: %s", self.last_error)
                self._stop.wait(1.0)
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def dispatch(self) -> None:
        """Queue every webhook that has something to deliver now."""
        head = self.head()
        with self.database.read() as cursor:
            rows = tables.progress(cursor)
        now = self.deliverer.policy.clock()
        known = {row[0] for row in rows}
        if known != self._known:
            self.sender.retain(known)
            self._known = known
        for webhook_id, status, position, next_attempt_at in rows:
            if status != tables.ACTIVE or position >= head:
                continue
            if next_attempt_at is not None and datetime.fromisoformat(next_attempt_at) > now:
                continue
            with self._lock:
                if webhook_id in self._queued:
                    continue
                self._queued.add(webhook_id)
            self._queue.put(webhook_id)

    def _work(self) -> None:
        while True:
            webhook_id = self._queue.get()
            if webhook_id is None or self._stop.is_set():
                return
            more = False
            try:
                deadline = time.monotonic() + self.run_seconds
                more = self.deliverer.run(webhook_id, deadline, self._stop.is_set)
            except Exception:
                log.exception("webhook %s: delivery failed; retrying", webhook_id)
                self._stop.wait(1.0)  # the store may be away: no busy retrying
            finally:
                with self._lock:
                    self._queued.discard(webhook_id)
            if more:
                self._wake.set()
