"""A view that starts from zero on a log longer than a batch is swept by opportunity: each
opportunity's rows computed once from its history up to a fixed head, a page of
opportunities per transaction, the sweep's progress kept with the rows. The result is the
one stepping through the log in order gives; a sweep cut short resumes where it stopped;
runners share one sweep; what is recorded during a sweep is applied after it."""

from __future__ import annotations

import gc
import logging
import sys
import types
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from api.services import Services
from projections.pipeline import PipelineView
from projections.runner import ProjectionRunner
from projections.sweep import LogPages
from projections.sweep_pool import SweepPool, job_for
from projections.tracking import read_sweep
from projections.view import Rows
from storage.collector import THRESHOLDS
from storage.gateway import Cursor
from tests.projections.drivers import busy_history, catch_up_together, open_deal, record, snapshot

DEALS = 7


def events_of(services: Services, deals: Sequence[Any]) -> int:
    return sum(len(services.opportunities.history(deal)) for deal in deals)


def in_sweep_order(deals: Sequence[Any]) -> list[Any]:
    return sorted(deals, key=str)  # a sweep's pages follow the opportunity ids


def stepped_in_log_order(services: Services) -> dict[str, list[Any]]:
    """The views as stepping through the whole log in one batch leaves them."""
    runner = services.runner
    runner.batch_size = 1_000_000
    for name in list(runner.views):
        runner.rebuild(name)
    runner.catch_up()
    return snapshot(services)


@pytest.fixture(params=[0, 2], ids=["alone", "helpers"])
def helpers(request: pytest.FixtureRequest) -> int:
    """Sweeps by the runner alone, and with two helper processes reading and computing."""
    return int(request.param)


def sweeping(services: Services, helpers: int, page: int = 2) -> ProjectionRunner:
    runner = services.runner
    runner.batch_size = 5  # the log is longer: a view at zero is swept
    runner.sweep_page = page
    runner.sweep_processes = helpers
    for name in list(runner.views):
        runner.rebuild(name)
    runner.applied = dict.fromkeys(runner.views, 0)  # count from the rebuild on
    return runner


def sweep_of(services: Services, name: str) -> tuple[int, int] | None:
    with services.database.read() as cursor:
        return read_sweep(cursor, name)


def test_a_sweep_from_zero_gives_the_rows_of_stepping_through_the_log(
    services: Services, clock: Any, helpers: int
) -> None:
    deals = busy_history(services, clock, deals=DEALS)
    expected = stepped_in_log_order(services)
    runner = sweeping(services, helpers, page=2)
    head = runner.head()

    first = runner.step()

    assert first == events_of(services, in_sweep_order(deals)[:2])  # two whole histories
    assert runner.position("pipeline") == 0  # the position moves at the sweep's end
    swept = sweep_of(services, "pipeline")
    assert swept is not None
    assert swept[0] == head
    assert len(snapshot(services)["pipeline"]) == 2
    assert first + runner.catch_up() == head
    assert runner.position("pipeline") == head
    assert runner.position("relationships") == head
    assert sweep_of(services, "pipeline") is None
    assert runner.applied == dict.fromkeys(runner.views, head)
    assert snapshot(services) == expected


def test_a_log_no_longer_than_a_batch_is_stepped_in_log_order(
    services: Services, clock: Any, helpers: int
) -> None:
    busy_history(services, clock, deals=2)
    runner = sweeping(services, helpers)
    runner.batch_size = runner.head()

    runner.step()

    assert runner.position("pipeline") == runner.head()
    assert sweep_of(services, "pipeline") is None


class Crash(RuntimeError):
    pass


class DiesOnSecondPage(PipelineView):
    def __init__(self, inner: PipelineView) -> None:
        super().__init__(inner.policy)
        self.pages = 0

    def write_rows(
        self, cursor: Cursor, ids: Sequence[str], new: Rows, *, fresh: bool = False
    ) -> None:
        self.pages += 1
        super().write_rows(cursor, ids, new, fresh=fresh)
        if self.pages == 2:
            raise Crash("killed in the middle of a sweep")


def test_a_sweep_cut_short_resumes_after_its_last_committed_page(
    services: Services, clock: Any, helpers: int
) -> None:
    deals = busy_history(services, clock, deals=DEALS)
    expected = stepped_in_log_order(services)
    runner = sweeping(services, helpers, page=3)
    healthy = runner.views["pipeline"]
    assert isinstance(healthy, PipelineView)
    runner.views["pipeline"] = DiesOnSecondPage(healthy)

    with pytest.raises(Crash):
        runner.catch_up()
    progress = sweep_of(services, "pipeline")
    assert progress is not None
    assert UUID(progress[1]) == in_sweep_order(deals)[2]  # the first page stands
    assert len(snapshot(services)["pipeline"]) == 3  # and nothing of the second

    others = [runner.views["relationships"], runner.views["accounts"]]
    restarted = ProjectionRunner(
        services.opportunities, services.database, [healthy, *others],
        batch_size=5, sweep_page=3, sweep_processes=helpers,
    )  # fmt: skip
    restarted.catch_up()

    first_page = events_of(services, in_sweep_order(deals)[:3])
    assert restarted.applied["pipeline"] == runner.head() - first_page  # not page 1 again
    assert restarted.position("pipeline") == runner.head()
    assert snapshot(services) == expected


def test_events_recorded_during_a_sweep_are_applied_after_it(
    services: Services, clock: Any, helpers: int
) -> None:
    deals = busy_history(services, clock, deals=DEALS)
    runner = sweeping(services, helpers, page=2)
    runner.step()  # the sweep's head is fixed now
    record(services, deals[0], "CustomerDataGathered", summary="budget owner named")
    record(services, deals[-1], "CustomerDataGathered", summary="usage figures")
    late = open_deal(services, title="Opened during the sweep")
    record(services, late, "MeetingGained", contact="Lee", department="Ops")

    runner.catch_up()

    assert runner.position("pipeline") == runner.head()
    swept = snapshot(services)
    assert len(swept["pipeline"]) == DEALS + 1
    assert swept == stepped_in_log_order(services)


def test_runners_sweeping_together_apply_each_page_once_and_agree_with_a_rebuild(
    services: Services, clock: Any, helpers: int
) -> None:
    busy_history(services, clock, deals=DEALS)
    expected = stepped_in_log_order(services)
    first = sweeping(services, helpers, page=1)
    second = ProjectionRunner(
        services.opportunities, services.database, list(first.views.values()),
        batch_size=5, sweep_page=1, sweep_processes=helpers,
    )  # fmt: skip
    catch_up_together(first, second)

    head = first.head()
    for name in first.views:
        assert first.applied[name] + second.applied[name] == head
        assert first.position(name) == head
    assert snapshot(services) == expected


def test_a_runner_whose_helper_processes_break_sweeps_alone(
    services: Services,
    clock: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    busy_history(services, clock, deals=DEALS)
    expected = stepped_in_log_order(services)
    runner = sweeping(services, 2, page=2)

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise BrokenProcessPool("a helper died")

    monkeypatch.setattr(SweepPool, "next", broken)
    with caplog.at_level(logging.WARNING, logger="smallwins.projections"):
        runner.catch_up()

    assert runner.sweep_processes == 0
    assert "sweeps alone" in caplog.text
    assert runner.position("pipeline") == runner.head()
    assert snapshot(services) == expected


def test_pages_hold_fewer_deals_where_their_events_reach_the_bound(
    services: Services, clock: Any
) -> None:
    deals = busy_history(services, clock, deals=DEALS)  # 3 or 4 events each
    runner = services.runner
    pages = LogPages(runner.events_table, postgres=services.database.is_postgres)
    head = runner.head()
    with services.database.read() as cursor:
        by_deals = pages.pages(cursor, pages.start, head, 1_000, 10, 1_000_000)
        by_events = pages.pages(cursor, pages.start, head, 1_000, 10, 7)
        first_two = pages.pages(cursor, pages.start, head, 1_000, 2, 7)

    ordered = [UUID(str(deal)) for deal in in_sweep_order(deals)]
    assert [(UUID(p.high), p.last) for p in by_deals] == [(ordered[-1], True)]
    # two deals a page (3 and 4 events: 7), the last page what is left
    assert [UUID(p.high) for p in by_events] == [ordered[i] for i in (1, 3, 5, 6)]
    assert [p.last for p in by_events] == [False, False, False, True]
    assert [p.high for p in first_two] == [p.high for p in by_events[:2]]
    assert not first_two[-1].last


def test_a_sweep_of_a_deal_a_page_with_helpers_gives_the_rows_of_stepping(
    services: Services, clock: Any
) -> None:
    busy_history(services, clock, deals=DEALS)
    expected = stepped_in_log_order(services)
    runner = sweeping(services, 2, page=1_000)
    runner.sweep_events = 1  # every deal its own page

    runner.catch_up()

    assert runner.position("pipeline") == runner.head()
    assert snapshot(services) == expected


def test_helpers_start_without_the_programs_main_module(
    services: Services, clock: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    imported = tmp_path / "imported"
    program = tmp_path / "program.py"
    program.write_text(f"from pathlib import Path\nPath({str(imported)!r}).write_text('yes')\n")
    main = types.ModuleType("__main__")
    main.__file__ = str(program)  # a program run from its file, as the command line is
    monkeypatch.setitem(sys.modules, "__main__", main)
    busy_history(services, clock, deals=DEALS)
    expected = stepped_in_log_order(services)
    runner = sweeping(services, 2, page=2)

    runner.catch_up()

    assert runner.sweep_processes == 2  # the helpers swept
    assert snapshot(services) == expected
    assert not imported.exists()
    assert sys.modules["__main__"] is main


def test_helpers_run_the_garbage_collector_as_smallwins_processes_do(services: Services) -> None:
    runner = services.runner
    job = job_for(runner.app, services.database.config, "stored_events", [])
    pool = SweepPool(job, processes=1, page_size=10, page_events=100)
    try:
        found = pool._executor.submit(gc.get_threshold).result(timeout=120)
    finally:
        pool.close()
    assert found[:2] == THRESHOLDS[:2]  # a newer Python's incremental collector has no third
