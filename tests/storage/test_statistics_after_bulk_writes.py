"""After a bulk write, PostgreSQL's planner has statistics of the tables it filled
(storage.statistics): a demo, and a projection catching up from far behind. Without them
an account's people were read with a scan of every word of every name."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.services import Services
from storage.gateway import Database
from tests.ops.stores import demo, open_services

pytestmark = pytest.mark.postgres

LOG_AND_PEOPLE = ("smallwins_events", "event_chain", "chain_heads", "people", "people_parts")


@pytest.fixture
def services(postgres_database_url: str) -> Iterator[Services]:
    opened = open_services(postgres_database_url)
    yield opened
    opened.close()


def analyzed(database: Database, tables: tuple[str, ...]) -> dict[str, bool]:
    """Whether each table has statistics: ANALYZE sets `reltuples`, -1 until then."""
    with database.read() as cursor:
        found = {}
        for table in tables:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(?)", (table,))
            found[table] = cursor.fetchone()[0] >= 0
        return found


def test_a_demo_leaves_statistics_of_the_log_and_the_people(services: Services) -> None:
    assert services.opportunities.recorder.events_table_name in LOG_AND_PEOPLE
    assert not any(analyzed(services.database, LOG_AND_PEOPLE).values())  # none yet

    demo(services, 30)

    assert all(analyzed(services.database, LOG_AND_PEOPLE).values())


def test_views_caught_up_from_far_behind_get_statistics(services: Services) -> None:
    demo(services, 30)
    runner = services.runner
    tables = tuple(table for view in runner.views.values() for table in view.tables)
    runner.statistics_after = 10**9
    runner.catch_up()
    assert not any(analyzed(services.database, tables).values())  # too few events to bother

    for name in runner.views:
        runner.rebuild(name)
    runner.statistics_after = 100
    runner.catch_up()

    assert all(analyzed(services.database, tables).values())
