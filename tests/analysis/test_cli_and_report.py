"""`smallwins analyze`: the terminal table, --json, --html; and the HTML report itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from api.cli import cli
from api.report.html import render_report
from api.services import build_services
from api.settings import Settings
from domain.application import Opportunities
from projections.analysis import Filters, analyze
from projections.render import rfc3339
from tests.analysis.builders import Clock, History

CHART_TITLES = (
    "Lift per small win",
    "Win rate by departments bought in",
    "Most common paths to a close",
    "Commitment objectives: with vs without",
    "Win rate by source",
    "Pause outcomes",
)
# Anything a browser would fetch: src/href/url() pointing off the page, @import, <link>, <script>.
REMOTE = re.compile(
    r"""(?:src|href|xlink:href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//"""
    r"""|@import|<link\b|<script\b""",
    re.IGNORECASE,
)


def record_story(history: History) -> None:
    history.deal(owner="Jo").meeting(1).data(2).buy_in(3).demo(4).verbal(5).won(9)
    history.deal(owner="Jo").meeting(1).buy_in(2, department="Finance", stakeholder="Sam").lost(7)
    history.deal(owner="Lee").plan(1, objective=True).complete(2, gained=True).pause(3).resume(5)
    history.deal(owner="Lee").meeting(1).pause(2).resume(4).demo(6).won(8)
    history.deal(owner="Lee").data(1).meeting(2).lost(3)


@pytest.fixture
def store(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[History, Opportunities]]:
    """A store with a story in it, which the CLI (reading SMALLWINS_*) will analyse."""
    monkeypatch.setenv("SMALLWINS_DATABASE_URL", database_url)
    monkeypatch.setenv("SMALLWINS_POSTGRES_POOL_SIZE", "2")
    monkeypatch.setenv("SMALLWINS_POSTGRES_MAX_OVERFLOW", "8")
    clock = Clock()
    services = build_services(Settings(), clock=clock)
    history = History(services.opportunities, clock)
    record_story(history)
    yield history, services.opportunities
    services.close()


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(cli, ["analyze", *args])
    assert result.exit_code == 0, result.output
    return result


def test_analyze_prints_the_json_answer_of_the_api(store: tuple[History, Opportunities]) -> None:
    history, app = store
    result = invoke("--json")
    assert orjson.loads(result.stdout) == analyze(app)
    as_of = history.clock.now
    history.clock.advance(days=1)
    history.deal().won(50)
    earlier = invoke("--json", "--as-of", rfc3339(as_of), "--owner", "lee")
    assert orjson.loads(earlier.stdout) == analyze(app, Filters(owner="Lee", as_of=as_of))


def test_analyze_prints_readable_tables_by_default(store: tuple[History, Opportunities]) -> None:
    output = invoke().stdout
    assert "4 closed, 2 won, 2 lost: win rate 50.0%" in output
    for heading in (
        "Small wins before the close",
        "Most common paths",
        "Win rate by departments",
        "Win rate by source",
    ):
        assert heading in output
    assert "Meeting → Data → Buy-in → Demo → Verbal" in output


@pytest.mark.parametrize("value", ["2026-01-01T00:00:00", "soon"])
def test_analyze_refuses_instants_without_an_offset(value: str) -> None:
    result = CliRunner().invoke(cli, ["analyze", "--as-of", value])
    assert result.exit_code == 2
    assert "--as-of" in result.output


def test_analyze_refuses_a_window_that_ends_before_it_starts() -> None:
    window = ["--closed-from", "2026-02-01T00:00:00Z", "--closed-to", "2026-01-01T00:00:00Z"]
    result = CliRunner().invoke(cli, ["analyze", *window])
    assert result.exit_code == 2
    assert "--closed-from must be before --closed-to" in result.output


def test_analyze_writes_a_self_contained_html_report(
    store: tuple[History, Opportunities], tmp_path: Path
) -> None:
    report = tmp_path / "wins.html"
    invoke("--html", str(report), "--closed-to", "2100-01-01T00:00:00Z")
    page = report.read_text(encoding="utf-8")
    assert page.count("<svg") == len(CHART_TITLES)
    assert "Win analysis" in page
    assert "50.0%" in page


def test_the_report_shows_each_chart_with_its_title_and_loads_nothing(
    app: Opportunities, history: History
) -> None:
    record_story(history)
    page = render_report(analyze(app), owner="Lee")

    assert page.startswith("<!DOCTYPE html>")
    sections = re.findall(r"<section><h2>(.*?)</h2>.*?</section>", page, re.DOTALL)
    assert tuple(sections[: len(CHART_TITLES)]) == CHART_TITLES
    for title in CHART_TITLES:
        section = page[page.index(f"<h2>{title}</h2>") :]
        section = section[: section.index("</section>")]
        assert section.count("<svg") == 1, title
        assert '<p class="why">' in section
        assert "<table>" in section
    assert REMOTE.search(page) is None
    assert "owner Lee" in page


def test_the_report_is_the_same_bytes_for_the_same_analysis_even_when_empty(
    app: Opportunities,
) -> None:
    empty = analyze(app)
    page = render_report(empty)
    assert page == render_report(empty)
    assert page.count("<svg") == len(CHART_TITLES)
    assert "No closed deals to show" in page
    assert REMOTE.search(page) is None


def test_the_report_and_the_table_show_win_rate_and_time_to_close_by_source(
    app: Opportunities, history: History
) -> None:
    history.deal(source="referral").meeting(1).won(5)
    history.deal(source="referral").lost(3)
    history.deal(source="inbound").won(9)
    analysis = analyze(app)
    page = render_report(analysis)
    section = page[page.index("<h2>Win rate by source</h2>") :]
    section = section[: section.index("</section>")]
    rows = re.findall(r"<tr>(.*?)</tr>", section)
    cells = [found for row in rows if (found := re.findall(r"<td>(.*?)</td>", row))]
    assert ["Referral", "2", "1", "50.0%", "5.0 d"] in cells
    assert ["Inbound", "1", "1", "100.0%", "9.0 d"] in cells
    assert ["Repeat", "0", "0", "n/a", "n/a"] in cells
    assert [row[0] for row in cells] == ["Inbound", "Outbound", "Referral", "Repeat", "Other"]
    assert section.count("<svg") == 1
