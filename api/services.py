"""The one place that wires the parts together from settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from api.idempotency import IdempotencyStore
from api.keys import KeyStore
from api.metrics import Metrics
from api.settings import Settings
from api.webhooks.service import Webhooks
from domain.application import Opportunities, utc_now
from domain.momentum import MomentumPolicy
from domain.state import DealState
from projections.accounts import AccountsView
from projections.agenda import AgendaView
from projections.changes import ChangesView
from projections.pipeline import PipelineView
from projections.relationships import RelationshipView
from projections.render import render_full
from projections.runner import ProjectionRunner
from projections.sellers import SellersView
from storage.async_reads import AsyncReads
from storage.config import StorageConfig, eventsourcing_env
from storage.gateway import Database, schema_lock
from storage.keycheck import check_key
from storage.people import People
from storage.personal import install_people
from storage.writer import GroupCommitWriter, Present


@dataclass
class Services:
    settings: Settings
    opportunities: Opportunities
    database: Database
    keys: KeyStore
    idempotency: IdempotencyStore
    runner: ProjectionRunner
    policy: MomentumPolicy
    in_process: bool
    integrity_key: bytes
    writer: GroupCommitWriter
    people: People
    webhooks: Webhooks  # subscriptions; their deliveries run where the projections run
    clock: Callable[[], datetime] = field(default=utc_now)
    metrics: Metrics = field(default_factory=Metrics)
    # PostgreSQL only: reads awaited on the event loop, opened by the app's lifespan.
    async_reads: AsyncReads | None = None

    def start(self) -> None:
        if self.in_process:
            self.runner.start()
            self.webhooks.start()

    def close(self) -> None:
        self.writer.stop()
        self.webhooks.stop()
        self.runner.stop()
        self.opportunities.close()
        self.people.close()
        if self.runner.database is not self.database:
            self.runner.database.close()
        self.database.close()


def build_runner(
    settings: Settings, opportunities: Opportunities, database: Database
) -> ProjectionRunner:
    policy = settings.momentum_policy()
    return ProjectionRunner(
        opportunities,
        views_database(database),
        [
            PipelineView(policy),
            RelationshipView(policy),
            AccountsView(policy),
            AgendaView(policy),
            SellersView(policy, settings.team_zone()),
            ChangesView(policy),
        ],
        sweep_processes=settings.sweep_processes,
    )


def views_database(database: Database) -> Database:
    """Where the projections write. On SQLite with `synchronous=FULL`, a gateway of its own
    with `NORMAL`: a view commit then waits for no fsync. Nothing is lost by it: the views
    are derived, rows and tracking position commit together, so after a power cut the WAL
    holds a consistent earlier state and the runner projects the rest again; and the next
    event commit fsyncs the shared WAL, view commits before it included."""
    config = database.config
    if config.backend != "sqlite" or config.synchronous != "FULL":
        return database
    return Database(replace(config, synchronous="NORMAL"))


def presenter(policy: MomentumPolicy) -> Present:
    """How the writer presents a deal's new state: the API's JSON, momentum read at the
    moment of the write."""

    def present(opportunity_id: UUID, state: DealState, now: datetime) -> dict[str, Any]:
        return render_full(str(opportunity_id), state.describe(now, policy), now)

    return present


def build_services(settings: Settings, clock: Callable[[], datetime] = utc_now) -> Services:
    storage = settings.storage()
    key = settings.chain_key()
    with schema_lock(storage):
        return _build(settings, storage, key, clock)


def _build(
    settings: Settings, storage: StorageConfig, key: str, clock: Callable[[], datetime]
) -> Services:
    opportunities = Opportunities(eventsourcing_env(storage, key), clock=clock)
    database = Database(storage)
    try:
        check_key(database, opportunities.recorder, bytes.fromhex(key))
        people = People.open(storage, bytes.fromhex(key))
    except BaseException:
        database.close()
        opportunities.close()
        raise
    install_people(opportunities, people, writes=True)
    people.mark(empty_store=not opportunities.recorder.max_notification_id())
    metrics = Metrics()
    return Services(
        settings=settings,
        opportunities=opportunities,
        database=database,
        keys=KeyStore(database),
        idempotency=IdempotencyStore(database, timedelta(hours=settings.idempotency_ttl_hours)),
        runner=build_runner(settings, opportunities, database),
        policy=settings.momentum_policy(),
        in_process=settings.runs_projections(),
        integrity_key=bytes.fromhex(key),
        people=people,
        writer=GroupCommitWriter(
            opportunities,
            max_batch=settings.write_batch_max,
            observe_batch=metrics.observe_batch,
            present=presenter(settings.momentum_policy()),
        ),
        webhooks=Webhooks(opportunities, database, settings.webhook_allow_private),
        clock=clock,
        metrics=metrics,
        async_reads=AsyncReads(storage) if storage.backend == "postgres" else None,
    )
