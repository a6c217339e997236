"""The one place that wires the parts together from settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from api.idempotency import IdempotencyStore
from api.keys import KeyStore
from api.settings import Settings
from domain.application import Opportunities, utc_now
from domain.momentum import MomentumPolicy
from projections.database import Database
from projections.storage import eventsourcing_env


@dataclass
class Services:
    settings: Settings
    opportunities: Opportunities
    database: Database
    keys: KeyStore
    idempotency: IdempotencyStore
    policy: MomentumPolicy
    clock: Callable[[], datetime] = field(default=utc_now)

    def close(self) -> None:
        self.opportunities.close()
        self.database.close()


def build_services(settings: Settings, clock: Callable[[], datetime] = utc_now) -> Services:
    storage = settings.storage()
    opportunities = Opportunities(eventsourcing_env(storage), clock=clock)
    database = Database(storage)
    return Services(
        settings=settings,
        opportunities=opportunities,
        database=database,
        keys=KeyStore(database),
        idempotency=IdempotencyStore(database, timedelta(hours=settings.idempotency_ttl_hours)),
        policy=settings.momentum_policy(),
        clock=clock,
    )
