"""One webhook's way through the log: under its claim, read where it stands, take the next
event it wants, POST it, and write the attempt (and, on a 2xx, the new position) before the
claim ends. The next event waits until this one got a 2xx: a failed attempt is tried again
after a backoff (1 s doubling, at most 10 minutes), and after 24 hours of failures the
webhook is `failing` and waits, its position kept, until it is enabled again. Events it
does not want, and the other aggregates' (the sellers' goals, as the feed skips them), move
its position without a request."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from api.presenters import feed_item
from api.webhooks import signing, tables
from api.webhooks.claims import Claims
from api.webhooks.sender import Sender
from api.webhooks.tables import ACTIVE, FAILING, Attempt, Webhook
from domain.application import Opportunities, utc_now
from domain.opportunity import EVENTS
from domain.records import EventRecord
from storage.gateway import Cursor

log = logging.getLogger("smallwins.webhooks")
PAGE = 200  # log events read at a time
PRUNE_EVERY = 100  # attempts between prunings of a webhook's attempt log


@dataclass
class Policy:
    """How attempts are timed; tests shorten it (the settings do not: it is the contract)."""

    timeout: float = 10.0  # seconds an attempt may take in all
    backoff: float = 1.0  # seconds before the first retry; doubled for each next one
    max_backoff: float = 600.0
    failing_after: timedelta = timedelta(hours=24)
    clock: Callable[[], datetime] = field(default=utc_now)

    def delay(self, failures: int) -> timedelta:
        """The wait after the `failures`-th failed attempt in a row."""
        seconds = self.backoff * 2.0 ** min(failures - 1, 40)
        return timedelta(seconds=min(seconds, self.max_backoff))


Event = tuple[int, UUID | str, EventRecord]


class _Log:
    """The events after a webhook's position, read a page at a time."""

    def __init__(self, app: Opportunities) -> None:
        self.app = app
        self.start = -1
        self.events: deque[Event] = deque()

    def after(self, position: int) -> deque[Event]:
        if position < self.start:
            self.events.clear()  # replayed, or moved by another process: read again
        while self.events and self.events[0][0] <= position:
            self.events.popleft()
        if not self.events:
            notifications = self.app.recorder.select_notifications(
                start=position, limit=PAGE, inclusive_of_start=False
            )
            records = self.app.records_of(notifications)
            self.events.extend(
                (n.id, n.originator_id, r) for n, r in zip(notifications, records, strict=True)
            )
        self.start = position
        return self.events


class Deliverer:
    def __init__(self, app: Opportunities, claims: Claims, sender: Sender, policy: Policy) -> None:
        self.app = app
        self.claims = claims
        self.sender = sender
        self.policy = policy
        self._attempts: dict[str, int] = {}

    def run(self, webhook_id: str, deadline: float, stopping: Callable[[], bool]) -> bool:
        """Deliver the webhook's events until it is caught up, an attempt fails, or the
        monotonic `deadline` passes; returns whether it has more to do right now."""
        pending = _Log(self.app)
        while time.monotonic() < deadline:
            if stopping():
                return False
            with self.claims.hold(webhook_id) as claim:
                if claim is None:
                    return False  # another thread or process is delivering it
                with claim.read() as cursor:
                    hook = tables.read(cursor, webhook_id)
                if hook is None or not self._due(hook):
                    return False
                events = pending.after(hook.position)
                if not events:
                    return False
                wanted = next((e for e in events if _wanted(hook, e[2])), None)
                if wanted is None:
                    with claim.write() as cursor:
                        tables.advance(cursor, hook, events[-1][0])
                    continue
                attempt = self._attempt(hook, wanted)
                if stopping() and not attempt.delivered:
                    return False  # cut short by the shutdown: not the receiver's doing
                with claim.write() as cursor:
                    self._settle(cursor, hook, attempt)
                if not attempt.delivered:
                    return False  # retried when its backoff has passed
        return True

    def _due(self, hook: Webhook) -> bool:
        if hook.status != ACTIVE:
            return False
        return hook.next_attempt_at is None or hook.next_attempt_at <= self.policy.clock()

    def _attempt(self, hook: Webhook, event: Event) -> Attempt:
        position, originator, record = event
        originator_id = originator if isinstance(originator, UUID) else UUID(originator)
        body = feed_item(position, originator_id, record).model_dump_json().encode()
        at = self.policy.clock()
        headers = signing.headers(hook.id, hook.secret, position, body, int(at.timestamp()))
        sent = self.sender.post(hook.id, hook.url, body, headers, self.policy.timeout)
        code = sent.status_code
        if sent.timed_out:
            outcome = "timeout"
        elif code is not None and 200 <= code < 300:
            outcome = "delivered"
        else:
            outcome = "failed"
        error = sent.error if code is None else None if outcome == "delivered" else f"HTTP {code}"
        if outcome != "delivered":
            log.warning("webhook %s: position %s not delivered: %s", hook.id, position, error)
        return Attempt(
            position=position,
            delivery_id=headers["Smallwins-Delivery"],
            attempt=hook.failures + 1,
            outcome=outcome,
            status_code=code,
            error=error,
            at=at,
            duration_ms=round(sent.seconds * 1000, 3),
        )

    def _settle(self, cursor: Cursor, hook: Webhook, attempt: Attempt) -> None:
        policy = self.policy
        status, since, retry_at = ACTIVE, None, None
        if not attempt.delivered:
            now = policy.clock()
            since = hook.failing_since or attempt.at
            if now - since >= policy.failing_after:
                status = FAILING
                log.warning("webhook %s is failing since %s: waiting to be enabled", hook.id, since)
            else:
                retry_at = now + policy.delay(hook.failures + 1)
        tables.settle(cursor, hook, attempt, since, retry_at, status)
        made = self._attempts.get(hook.id, 0) + 1
        self._attempts[hook.id] = made
        if made % PRUNE_EVERY == 0:
            tables.prune(cursor, hook.id)


def _wanted(hook: Webhook, record: EventRecord) -> bool:
    return record.type in EVENTS and hook.wants(record.type)
