"""Helpers to look at a whole store: its export bytes, histories, view rows, verification."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from api.services import Services, build_services
from api.settings import Settings
from demo import generate
from domain.errors import OpportunityNotFound
from domain.records import EventRecord
from storage.audit import all_opportunity_ids, verify_opportunity
from storage.transfer import export_events

# A fixed last day, so every run of the suite tells the same stories.
END = datetime(2025, 6, 30, tzinfo=UTC)
SMALL_POOLS: dict[str, Any] = {"postgres_pool_size": 2, "postgres_max_overflow": 8}


def open_services(url: str) -> Services:
    settings = Settings(database_url=url, projections_in_process=False, **SMALL_POOLS)
    return build_services(settings)


def demo(services: Services, opportunities: int, seed: int = 1, **options: Any) -> int:
    return generate(
        services.opportunities, opportunities=opportunities, seed=seed, end=END, **options
    ).events


def exported(services: Services) -> bytes:
    out = io.BytesIO()
    done = export_events(
        services.opportunities.recorder, services.database, services.integrity_key, out,
        people=services.people.records, personal_data=services.people.protection(),
    )  # fmt: skip
    assert done.unverified == 0
    return out.getvalue()


def opportunity_ids(services: Services) -> list[UUID]:
    return sorted(all_opportunity_ids(services.opportunities.recorder, services.database))


def histories(services: Services) -> dict[UUID, list[EventRecord]]:
    """Every opportunity's history (not the sellers' goals)."""
    app = services.opportunities
    found = {}
    for oid in opportunity_ids(services):
        try:
            found[oid] = app.history(oid)
        except OpportunityNotFound:  # a seller's aggregate
            continue
    return found


def all_verify(services: Services) -> bool:
    app, database, key = services.opportunities, services.database, services.integrity_key
    results = [
        verify_opportunity(app.recorder, database, key, o) for o in opportunity_ids(services)
    ]
    return bool(results) and all(r is not None and r.ok for r in results)


def view_rows(services: Services) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every view, sorted, after the views caught up with the log."""
    services.runner.catch_up()
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with services.database.read() as cursor:
        for view in services.runner.views.values():
            for table in view.tables:
                cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (a view's own table name)
                rows[table] = sorted((tuple(row) for row in cursor.fetchall()), key=repr)
    return rows


def is_empty(services: Services) -> bool:
    with services.database.read() as cursor:
        cursor.execute("SELECT COUNT(*) FROM event_chain")
        links = int(cursor.fetchone()[0])
    return not services.opportunities.recorder.max_notification_id() and links == 0
