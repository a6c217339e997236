"""bench.reads measures every read that answers 200 and names the ones that do not, on a
tiny SQLite dataset (30 opportunities, 5 requests a URL). Speed is never asserted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.reads import NOT_PRESENT, measure

ROOT = Path(__file__).resolve().parents[2]
ABSENT = ("a route no version has", "/v1/no-such-route")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    workdir = tmp_path_factory.mktemp("reads")
    with pytest.MonkeyPatch.context() as patch:
        # The generator and the server are subprocesses that import bench and api.
        patch.chdir(ROOT)
        patch.setenv("PYTHONPATH", str(ROOT))
        return measure("sqlite", 30, 5, 20.0, workdir, cache=workdir / "datasets",
                       extra=(ABSENT,))  # fmt: skip


def test_every_present_read_reports_positive_latencies_over_the_requests(
    tiny_run: dict[str, Any],
) -> None:
    present = [r for r in tiny_run["reads"] if r["status"] != NOT_PRESENT]
    names = {r["name"] for r in present}
    # The routes every version has are always measured.
    assert {"search", "search by expected close", "agenda", "agenda, one owner, overdue",
            "scorecard, this week", "scorecard, a past week", "sellers"} <= names  # fmt: skip
    for read in present:
        assert read["requests"] == 5, read
        assert 0 < read["median_ms"] <= read["p95_ms"] <= read["p99_ms"], read


def test_a_route_that_does_not_answer_200_is_reported_not_present(
    tiny_run: dict[str, Any],
) -> None:
    absent = next(r for r in tiny_run["reads"] if r["url"] == ABSENT[1])
    assert absent["status"] == NOT_PRESENT
    assert absent["http_status"] == 404
    assert "median_ms" not in absent


def test_the_queries_come_from_the_data_and_the_run_records_its_load(
    tiny_run: dict[str, Any],
) -> None:
    urls = {r["name"]: r["url"] for r in tiny_run["reads"]}
    assert "q=" in urls["search"]
    assert "sort=expected_close" in urls["search by expected close"]
    assert "overdue=true" in urls["agenda, one owner, overdue"]
    assert tiny_run["dataset"]["opportunities"] == 30
    assert len(tiny_run["load_average"]["before"]) == 3
