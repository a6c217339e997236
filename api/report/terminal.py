"""The win analysis as rich tables for the terminal, and the CLI's instant parsing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import typer
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table

from api.report.labels import days, path_text, percent, small_win, source_name, times

Analysis = Mapping[str, Any]


def parse_instant(value: str | None) -> datetime | None:
    """An RFC 3339 instant with an offset (`Z` allowed), or a plain date (its start, UTC);
    a date-time without an offset is refused, as by the API, since it would mean
    different instants on different machines."""
    if value is None:
        return None
    text = value.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is neither a date (2026-06-01) nor an RFC 3339 date-time"
            " (2026-06-01T00:00:00Z)"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        msg = f"{value!r} has no UTC offset; add one, e.g. {text}Z"
        raise typer.BadParameter(msg)
    return moment


def _outcomes(group: Mapping[str, Any]) -> str:
    return f"{group['won']}/{group['closed']} ({percent(group['win_rate'])})"


def _small_wins(analysis: Analysis) -> Table:
    table = Table(title="Small wins before the close", title_justify="left", min_width=40)
    for header in ("small win", "with: won/closed", "without: won/closed", "lift"):
        table.add_column(header, justify="left" if header == "small win" else "right")
    table.add_column("median days first win → close (won)", justify="right")
    for row in analysis["by_small_win"]:
        table.add_row(
            small_win(row["type"]),
            _outcomes(row["with"]),
            _outcomes(row["without"]),
            times(row["lift"]),
            days(row["median_days_to_close"]),
        )
    return table


def _paths(analysis: Analysis) -> Table:
    table = Table(title="Most common paths (repeats collapsed)", title_justify="left", min_width=40)
    table.add_column("path")
    table.add_column("won/closed", justify="right")
    for row in analysis["paths"]:
        table.add_row(path_text(row["path"]), _outcomes(row))
    return table


def _departments(analysis: Analysis) -> Table:
    table = Table(title="Win rate by departments bought in", title_justify="left", min_width=40)
    table.add_column("departments")
    table.add_column("won/closed", justify="right")
    for row in analysis["by_bought_in_departments"]:
        table.add_row(row["departments"], _outcomes(row))
    return table


def _sources(analysis: Analysis) -> Table:
    table = Table(title="Win rate by source", title_justify="left", min_width=40)
    table.add_column("source")
    table.add_column("won/closed", justify="right")
    table.add_column("median days opening → close (won)", justify="right")
    for row in analysis["by_source"]:
        table.add_row(source_name(row["source"]), _outcomes(row), days(row["median_days_to_close"]))
    return table


def _habits(analysis: Analysis) -> Table:
    table = Table(title="Commitment objectives and pauses", title_justify="left", min_width=40)
    table.add_column("deals")
    table.add_column("won/closed", justify="right")
    table.add_column("median days", justify="right")
    table.add_column("measured")
    objectives = analysis["commitment_objectives"]
    for name, group in (
        ("objectives on ≥ 80% of interactions", objectives["with"]),
        ("objectives on fewer", objectives["without"]),
    ):
        median = days(group["median_days_to_close"])
        table.add_row(name, _outcomes(group), median, "opening → close (won deals)")
    pauses = analysis["pauses"]
    table.add_row(
        "ever paused",
        f"{pauses['won']}/{pauses['paused']} ({percent(_share(pauses['won'], pauses['paused']))})",
        days(pauses["median_days_resume_to_next_win"]),
        "resumed → next small win",
    )
    return table


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def print_analysis(console: Console, analysis: Analysis, scope: str) -> None:
    headline = (
        f"[b]{analysis['closed']}[/] closed, [green]{analysis['won']} won[/], "
        f"[red]{analysis['lost']} lost[/]: win rate [b]{percent(analysis['win_rate'])}[/]"
    )
    console.print(Panel(Group(headline, f"[dim]{scope}[/]"), title="Win analysis"))
    for table in (_small_wins, _paths, _departments, _sources, _habits):
        console.print(table(analysis))
