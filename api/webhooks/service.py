"""What the webhook routes call (subscriptions and their attempts), and the deliveries of
this process when it is the one that runs the projections."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from uuid import UUID, uuid4

from api.webhooks import tables
from api.webhooks.claims import claims_for
from api.webhooks.delivery import Deliverer, Policy
from api.webhooks.dispatcher import WORKERS, Dispatcher
from api.webhooks.sender import Sender
from api.webhooks.signing import new_secret
from api.webhooks.tables import ACTIVE, Attempt, Webhook
from api.webhooks.targets import Refused, Targets
from domain.application import Opportunities
from storage.gateway import Database

__all__ = ["Refused", "ReplayAhead", "WebhookNotFound", "Webhooks"]


class WebhookNotFound(LookupError):
    pass


class ReplayAhead(ValueError):
    """A replay may only move a webhook back."""


class Webhooks:
    def __init__(
        self, opportunities: Opportunities, database: Database, allow_private: bool
    ) -> None:
        self.app = opportunities
        self.database = database
        self.targets = Targets(allow_private)
        self.policy = Policy()
        self.sender = Sender(self.targets)
        self.dispatcher: Dispatcher | None = None
        with database.transaction() as cursor:
            tables.create_tables(cursor, database.backend)

    def head(self) -> int:
        return int(self.app.recorder.max_notification_id() or 0)

    # --- subscriptions ----------------------------------------------------------------

    def create(
        self, url: str, event_types: Sequence[str] | None, description: str | None, by: str
    ) -> Webhook:
        """A new webhook standing at the head of the log (raises Refused for its URL)."""
        self.targets.check(url)
        hook = Webhook(
            id=str(uuid4()),
            url=url,
            event_types=None if event_types is None else tuple(dict.fromkeys(event_types)),
            description=description,
            secret=new_secret(),
            status=ACTIVE,
            position=self.head(),
            generation=0,
            failures=0,
            failing_since=None,
            next_attempt_at=None,
            created_at=self.policy.clock(),
            created_by=by,
        )
        with self.database.transaction() as cursor:
            tables.insert(cursor, hook)
        return hook

    def page(self, after: str, limit: int) -> list[Webhook]:
        with self.database.read() as cursor:
            return tables.read_page(cursor, after, limit)

    def get(self, webhook_id: UUID) -> Webhook:
        with self.database.read() as cursor:
            return _found(tables.read(cursor, str(webhook_id)))

    def delete(self, webhook_id: UUID) -> None:
        with self.database.transaction() as cursor:
            if not tables.delete(cursor, str(webhook_id)):
                raise WebhookNotFound(str(webhook_id))

    def replay(self, webhook_id: UUID, after: int) -> Webhook:
        """Send again every event after `after`: the webhook's position moves back to it."""
        with self.database.transaction() as cursor:
            hook = _found(tables.read(cursor, str(webhook_id)))
            if after > hook.position:
                raise ReplayAhead(
                    f"a replay moves back: after must be at most the webhook's position,"
                    f" {hook.position}"
                )
            tables.restart(cursor, hook.id, after, hook.status)
            updated = _found(tables.read(cursor, hook.id))
        self._wake()
        return updated

    def enable(self, webhook_id: UUID) -> Webhook:
        """Active again, failures forgotten: the next attempt is made at once."""
        with self.database.transaction() as cursor:
            hook = _found(tables.read(cursor, str(webhook_id)))
            tables.restart(cursor, hook.id, hook.position, ACTIVE)
            updated = _found(tables.read(cursor, hook.id))
        self._wake()
        return updated

    def attempts(self, webhook_id: UUID, before: int, limit: int) -> list[tuple[int, Attempt]]:
        with self.database.read() as cursor:
            _found(tables.read(cursor, str(webhook_id)))
            return tables.attempts(cursor, str(webhook_id), before, limit)

    # --- deliveries ---------------------------------------------------------------------

    def start(self) -> None:
        """Deliver from this process (the one running the projections). Its own gateway:
        on PostgreSQL a pool with a connection per worker (a claim is a transaction held
        during its POST); on SQLite without an fsync per position (a position lost to a
        power cut only means a delivery repeats; a kill loses nothing in WAL mode)."""
        if self.dispatcher is not None:
            return
        config = replace(self.database.config, pool_size=WORKERS + 2, synchronous="NORMAL")
        own = Database(config)
        deliverer = Deliverer(self.app, claims_for(own), self.sender, self.policy)
        self.dispatcher = Dispatcher(deliverer, self.sender, own, self.head)
        self.dispatcher.start()

    def stop(self, timeout: float = 5.0) -> None:
        dispatcher, self.dispatcher = self.dispatcher, None
        if dispatcher is not None:
            dispatcher.stop(timeout)
            dispatcher.deliverer.claims.close()
            dispatcher.database.close()

    def _wake(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.wake()


def _found(hook: Webhook | None) -> Webhook:
    if hook is None:
        raise WebhookNotFound
    return hook
