"""The agenda, sellers and changes views are exactly-once views like the others: swept from zero
(alone or with helper processes) they hold the rows stepping through the log gives; a
rebuild refills them; another team time zone rebuilds the sellers view; and the sellers'
goals reach it in steps and sweeps alike."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from api.services import Services, build_services
from api.settings import Settings
from projections.runner import ProjectionRunner
from tests.projections.conftest import SMALL_POOLS
from tests.projections.drivers import open_deal, record, snapshot

WEEK_TABLES = {
    "agenda": "SELECT * FROM agenda ORDER BY opportunity_id, interaction_id",
    "seller_counts": "SELECT * FROM seller_counts ORDER BY opportunity_id, week, metric",
    "seller_wins": "SELECT * FROM seller_wins ORDER BY opportunity_id, version",
    "seller_deals": "SELECT * FROM seller_deals ORDER BY opportunity_id",
    "sellers": "SELECT * FROM sellers ORDER BY seller_id",
    "seller_goals": "SELECT * FROM seller_goals ORDER BY seller_id, version",
    "change_points": "SELECT * FROM change_points ORDER BY opportunity_id, version",
}


def week_rows(services: Services) -> dict[str, list[Any]]:
    with services.database.read() as cursor:
        found = {}
        for name, sql in WEEK_TABLES.items():
            cursor.execute(sql)
            found[name] = [tuple(row) for row in cursor.fetchall()]
    return found


def everything(services: Services) -> dict[str, list[Any]]:
    return {**snapshot(services), **week_rows(services)}


def a_busy_week(services: Services, clock: Any, deals: int = 6) -> list[Any]:
    """Deals with interactions planned, moved (late and early), cancelled and completed;
    wins with and without amounts; an owner changed; retractions; goals set twice."""
    app = services.opportunities
    ids = []
    for n in range(deals):
        deal = open_deal(services, owner=["jo", "Lee", "JO"][n % 3], amount=100 + n)
        planned = []
        for hours in (1, 30, None):
            fields = {"contact": "Dana", "department": "IT", "channel": "email",
                      "purpose": "follow up", "commitment_objective": "a demo" if n % 2 else None,
                      "planned_for": clock.now + timedelta(hours=hours) if hours else None}  # fmt: skip
            record(services, deal, "InteractionPlanned", **{k: v for k, v in fields.items() if v})
            planned.append(app.load(deal).deal.plans.ordered()[-1].interaction_id)
        clock.advance(hours=5)
        record(services, deal, "MeetingGained", contact="Dana", department="IT")
        record(services, deal, "InteractionRescheduled", interaction_id=planned[0],
               planned_for=clock.now + timedelta(days=2))  # fmt: skip
        record(services, deal, "InteractionCompleted", interaction_id=planned[1],
               commitment_gained=bool(n % 2))  # fmt: skip
        if n % 3 == 0:
            record(services, deal, "InteractionCancelled", interaction_id=planned[2], reason="no")
            record(services, deal, "ClosedWon", **({"amount": 500.5} if n else {}))
        if n % 3 == 1:
            record(services, deal, "DetailsChanged", owner="bea")
            record(services, deal, "Paused", reason="budget")
        if n % 3 == 2:
            record(services, deal, "EventRetracted", version=5, reason="wrong deal")  # the meeting
        clock.advance(days=3)
        ids.append(deal)
    for owner, target in (("jo", 1), ("Bea", 2), ("JO", 3)):
        app.set_goals(owner, recorded_by="jo", fields={"weekly": {"MeetingGained": target}})
    return ids


def stepped_in_log_order(services: Services) -> dict[str, list[Any]]:
    runner = services.runner
    runner.batch_size = 1_000_000
    for name in list(runner.views):
        runner.rebuild(name)
    runner.catch_up()
    return everything(services)


@pytest.fixture(params=[0, 2], ids=["alone", "helpers"])
def helpers(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.mark.parametrize("page_events", [10_000, 5], ids=["pages-by-deals", "pages-by-events"])
def test_a_sweep_from_zero_gives_the_week_views_the_rows_of_stepping_through_the_log(
    services: Services, clock: Any, helpers: int, page_events: int
) -> None:
    a_busy_week(services, clock)
    expected = stepped_in_log_order(services)
    assert expected["agenda"]
    assert expected["seller_wins"]
    assert len(expected["seller_goals"]) == 3
    # the opening and each event that changed what the review compares: not the plans,
    # the cancel, or a completion without a commitment (deals 0, 2, 4)
    assert len(expected["change_points"]) == 4 + 6 + 4 + 5 + 5 + 5
    runner = services.runner
    runner.batch_size = 5  # the log is longer: a view at zero is swept
    runner.sweep_page = 2
    runner.sweep_events = page_events  # 5: a deal a page (each has 8 or 9 events)
    runner.sweep_processes = helpers
    for name in list(runner.views):
        runner.rebuild(name)

    runner.catch_up()

    assert runner.position("sellers") == runner.position("agenda") == runner.head()
    assert runner.position("changes") == runner.head()
    assert everything(services) == expected


@pytest.mark.parametrize("memory", [0, 5_000], ids=["states-from-the-store", "remembered"])
def test_events_applied_as_they_are_recorded_give_the_rows_of_a_rebuild(
    services: Services, clock: Any, monkeypatch: pytest.MonkeyPatch, memory: int
) -> None:
    runner = services.runner
    runner.memory_size = memory  # 0: each batch's deals loaded from the store
    recorded = record

    def applied_at_once(*args: Any, **kwargs: Any) -> Any:
        found = recorded(*args, **kwargs)
        while runner.step():  # a batch of the new events, each deal from its state before
            pass
        return found

    monkeypatch.setitem(globals(), "record", applied_at_once)
    a_busy_week(services, clock)
    while runner.step():  # the goals set last
        pass
    live = everything(services)

    assert live == stepped_in_log_order(services)  # views emptied and swept from the log
    assert len(live["change_points"]) == 4 + 6 + 4 + 5 + 5 + 5


def test_another_team_time_zone_rebuilds_the_sellers_view_only(
    services: Services, clock: Any, database_url: str
) -> None:
    deal = open_deal(services, owner="jo")
    clock.now = clock.now.replace(hour=23, minute=30) + timedelta(days=6)  # Sunday night UTC
    record(services, deal, "MeetingGained", contact="Dana", department="IT")
    services.runner.catch_up()
    weeks = {row[1] for row in week_rows(services)["seller_counts"]}
    agenda_position = services.runner.position("agenda")

    tokyo = build_services(
        Settings(database_url=database_url, projections_in_process=False,
                 team_timezone="Asia/Tokyo", **SMALL_POOLS),
        clock=clock,
    )  # fmt: skip
    try:
        assert tokyo.runner.position("sellers") == 0  # rebuilt from the log
        assert tokyo.runner.position("agenda") == agenda_position  # kept
        tokyo.runner.catch_up()
        tokyo_weeks = {row[1] for row in week_rows(tokyo)["seller_counts"]}
    finally:
        tokyo.close()
    assert weeks == {"2025-W10"}
    assert tokyo_weeks == {"2025-W10", "2025-W11"}  # Monday morning in Tokyo


@pytest.fixture
def two_runners(services: Services) -> ProjectionRunner:
    return ProjectionRunner(
        services.opportunities, services.database, list(services.runner.views.values())
    )


def test_goals_reach_the_sellers_view_once_whichever_runner_applies_them(
    services: Services, clock: Any, two_runners: ProjectionRunner
) -> None:
    app = services.opportunities
    app.set_goals("jo", recorded_by="jo", fields={"weekly": {"MeetingGained": 1}})
    services.runner.catch_up()
    app.set_goals("Jo", recorded_by="jo", fields={"weekly": {"MeetingGained": 2}})
    clock.advance(days=1)
    app.set_goals("JO ", recorded_by="jo", fields={"weekly": {"DemoScheduled": 1}})

    two_runners.catch_up()
    services.runner.catch_up()

    goals = week_rows(services)["seller_goals"]
    assert [(row[1], row[2]) for row in goals] == [(2, "jo"), (3, "jo"), (4, "jo")]
    assert [row[2] for row in week_rows(services)["sellers"]] == ["jo"]
