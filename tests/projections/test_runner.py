"""The runner applies every event exactly once: a batch that dies half-way leaves nothing
behind, a restart resumes where the tracking says, rebuilds equal the live views, and
concurrent writers on PostgreSQL never make it skip an event."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any
from uuid import UUID

import orjson
import pytest

from api.services import Services
from domain.momentum import MomentumPolicy
from domain.state import describe
from projections.pipeline import PipelineView
from projections.runner import ProjectionRunner
from projections.view import States
from storage.gateway import Cursor
from tests.projections.drivers import busy_history, catch_up_together, open_deal, record, snapshot


class Crash(RuntimeError):
    pass


class CrashingPipeline(PipelineView):
    """Dies after writing the rows of `survive` opportunities of a batch."""

    def __init__(self, inner: PipelineView, survive: int) -> None:
        super().__init__(inner.policy)
        self.survive = survive

    def project(self, cursor: Cursor, states: States, *, fresh: bool = False) -> None:
        ids = list(states)[: self.survive]
        super().project(cursor, {oid: states[oid] for oid in ids}, fresh=fresh)  # rows...
        raise Crash("killed in the middle of a batch")  # ...then the process dies


def test_a_batch_killed_half_way_leaves_no_trace_and_a_restart_equals_a_rebuild(
    services: Services, clock: Any
) -> None:
    busy_history(services, clock)
    runner = services.runner
    healthy = runner.views["pipeline"]
    runner.views["pipeline"] = CrashingPipeline(healthy, survive=3)  # type: ignore[assignment]
    with pytest.raises(Crash):
        runner.run_once("pipeline")
    assert runner.position("pipeline") == 0
    assert snapshot(services)["pipeline"] == []

    runner.views["pipeline"] = healthy
    runner.catch_up()
    assert runner.position("pipeline") == runner.head()
    resumed = snapshot(services)

    for name in list(runner.views):
        runner.rebuild(name)
    assert snapshot(services)["pipeline"] == []
    runner.catch_up()
    assert snapshot(services) == resumed


def test_two_runners_racing_apply_every_event_exactly_once(services: Services, clock: Any) -> None:
    busy_history(services, clock, deals=5)
    first = services.runner
    first.batch_size = 3
    second = ProjectionRunner(
        services.opportunities, services.database, list(first.views.values()), batch_size=3
    )
    catch_up_together(first, second)
    head = first.head()
    for name in first.views:
        assert first.applied[name] + second.applied[name] == head
        assert first.position(name) == head
    raced = snapshot(services)
    for name in list(first.views):
        first.rebuild(name)
    first.catch_up()
    assert snapshot(services) == raced


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_projections_tailing_many_concurrent_writers_skip_nothing(
    services: Services, clock: Any
) -> None:
    writers, deals_each, events_each = 8, 3, 6
    services.runner.batch_size = 7
    services.runner.poll_seconds = 0.001
    services.runner.start()
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for d in range(deals_each):
                deal = open_deal(services, account=f"W{worker}", title=f"{worker}-{d}")
                for _ in range(events_each):
                    record(services, deal, "CustomerDataGathered", summary="more data")
        except BaseException as error:  # noqa: BLE001 (reported by the assertion below)
            errors.append(error)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    head = services.runner.head()
    assert head == writers * deals_each * (events_each + 1)
    assert services.runner.wait_for(head, timeout=60)
    with services.database.read() as cursor:
        cursor.execute("SELECT version FROM pipeline")
        versions = [row[0] for row in cursor.fetchall()]
    assert versions == [events_each + 1] * (writers * deals_each)
    assert services.runner.applied == dict.fromkeys(services.runner.views, head)


def runner_with(services: Services, policy: MomentumPolicy) -> ProjectionRunner:
    """A runner starting on the same store, its views built with `policy`."""
    views = [type(view)(policy) for view in services.runner.views.values()]
    return ProjectionRunner(services.opportunities, services.database, views)


def test_a_view_built_with_other_momentum_settings_is_rebuilt_when_a_runner_starts(
    services: Services, clock: Any
) -> None:
    deal = open_deal(services)
    record(services, deal, "MeetingGained", contact="Dana", department="IT")
    clock.advance(days=2)
    record(services, deal, "ClosedWon")
    services.runner.catch_up()
    before = snapshot(services)
    assert services.runner.position("pipeline") == services.runner.head()

    same = runner_with(services, services.policy)
    assert same.position("pipeline") == services.runner.head()  # nothing to redo
    assert snapshot(services) == before

    slower = replace(services.policy, half_life_days=services.policy.half_life_days * 2)
    restarted = runner_with(services, slower)
    assert restarted.position("pipeline") == 0
    assert restarted.position("relationships") == services.runner.head()  # no momentum in it
    assert snapshot(services)["pipeline"] == []
    restarted.catch_up()
    state = snapshot(services)["pipeline"][0]
    fixed = describe(services.opportunities.history(UUID(str(deal))), clock.now, slower).momentum
    assert fixed is not None
    assert orjson.loads(state[-2])["momentum"]["score"] == fixed.score
    assert state[-1] == ""  # a closed deal's momentum is in its state: nothing to evaluate


def test_a_store_from_before_view_definitions_rebuilds_only_the_views_that_changed(
    services: Services, clock: Any
) -> None:
    deal = open_deal(services)
    record(services, deal, "MeetingGained", contact="Dana", department="IT")
    services.runner.catch_up()
    head = services.runner.head()
    with services.database.transaction() as cursor:
        cursor.execute("DELETE FROM projection_definitions")  # as an older release left it

    restarted = runner_with(services, services.policy)

    assert restarted.position("pipeline") == 0  # its rows changed (version 2)
    assert restarted.position("relationships") == head  # version 1, as it was


def test_a_runner_meeting_a_long_deal_first_reads_it_from_its_latest_snapshot(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    deal = open_deal(services, buying_departments=["IT"])
    for step in range(124):  # 249 events: the latest snapshot at 200
        record(services, deal, "MeetingGained", contact=f"Dana {step}", department="IT")
        record(services, deal, "CustomerDataGathered", summary=f"Step {step}")
    services.runner.catch_up()
    record(services, deal, "CustomerDataGathered", summary="One more")
    fresh = ProjectionRunner(
        services.opportunities, services.database, list(services.runner.views.values())
    )
    histories: list[int | None] = []
    whole = services.opportunities.history
    monkeypatch.setattr(services.opportunities, "history",
                        lambda oid, **kw: histories.append(kw.get("version")) or whole(oid, **kw))  # fmt: skip

    fresh.catch_up()

    assert histories == []  # no history read: the state came from the snapshot
    assert fresh.position("pipeline") == fresh.head()
    live = snapshot(services)
    for name in list(fresh.views):
        fresh.rebuild(name)
    fresh.catch_up()
    assert snapshot(services) == live
