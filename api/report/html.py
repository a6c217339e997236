"""The self-contained HTML win-analysis report: headline numbers, six charts with a
one-line explanation and the exact numbers under each, and how each number is computed.
Inline CSS and SVG only: it opens offline, and can be mailed or shared as one file."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from html import escape
from typing import Any

from api.report import charts
from api.report.labels import (
    days,
    path_text,
    percent,
    scope_text,
    small_win,
    source_name,
    times,
)

Analysis = Mapping[str, Any]
Table = tuple[Sequence[str], Sequence[Sequence[str]]]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
margin:2rem auto;max-width:62rem;padding:0 1rem;color:#1d2a30;line-height:1.45}
h1{margin-bottom:.2rem}.scope{color:#5b6b73;margin-top:0}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1.2rem 0}
.card{border:1px solid #d8dee2;border-radius:.5rem;padding:.6rem 1rem;min-width:8rem}
.card b{display:block;font-size:1.6rem}.card span{color:#5b6b73;font-size:.85rem}
section{margin:2.2rem 0}.why{color:#3d4c53;margin:.2rem 0 .6rem}
figure{margin:0}figure svg{width:100%;max-width:48rem;height:auto}
table{border-collapse:collapse;font-size:.85rem;margin-top:.6rem}
th,td{border-bottom:1px solid #e3e8eb;padding:.25rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}dt{font-weight:600;margin-top:.6rem}
"""

DEFINITIONS = (
    (
        "Analysed deals",
        "Opportunities closed (won or lost) in the chosen window and for the"
        " chosen owner, counting only what had been recorded by the report's as-of instant.",
    ),
    (
        "Before the close",
        "A small win counts for a deal when it occurred at or before the"
        " close (events are ordered by when they occurred, then by version).",
    ),
    (
        "Lift",
        "Win rate of deals where that small win happened before the close, divided by"
        " the win rate of deals where it did not. n/a when either group is empty or the second"
        " never won.",
    ),
    (
        "Paths",
        "The small wins of the ladder in the order they occurred, a repeated step"
        " shown once; the ten most common.",
    ),
    (
        "Departments bought in",
        "Departments where at least one stakeholder bought in, at the close.",
    ),
    (
        "Commitment objectives",
        "With: the deal planned interactions and at least 80% of them"
        " named what the customer should commit to next. Without: it planned some, fewer had"
        " one. Deals that planned none are in neither group.",
    ),
    (
        "Source",
        "How the deal came, as set when it was opened: inbound, outbound, referral, repeat"
        " business or other.",
    ),
    (
        "Days",
        "Calendar days. Medians are over won deals (resumptions: over every Resumed"
        " followed by a small win before the close). Rates and medians are rounded to 4"
        " decimals in the data, shown to 1 here.",
    ),
)


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _small_win_table(a: Analysis) -> Table:
    head = [
        "Small win",
        "With: won/closed",
        "Win rate",
        "Without: won/closed",
        "Win rate",
        "Lift",
        "Median days, first such win to close",
    ]
    rows = [
        [
            small_win(r["type"]),
            f"{r['with']['won']}/{r['with']['closed']}",
            percent(r["with"]["win_rate"]),
            f"{r['without']['won']}/{r['without']['closed']}",
            percent(r["without"]["win_rate"]),
            times(r["lift"]),
            days(r["median_days_to_close"]),
        ]
        for r in a["by_small_win"]
    ]
    return head, rows


def _departments_table(a: Analysis) -> Table:
    rows = [
        [r["departments"], str(r["closed"]), str(r["won"]), percent(r["win_rate"])]
        for r in a["by_bought_in_departments"]
    ]
    return ["Departments bought in", "Closed", "Won", "Win rate"], rows


def _paths_table(a: Analysis) -> Table:
    rows = [
        [path_text(r["path"]), str(r["closed"]), str(r["won"]), percent(r["win_rate"])]
        for r in a["paths"]
    ]
    return ["Path", "Closed", "Won", "Win rate"], rows


def _objectives_table(a: Analysis) -> Table:
    groups = a["commitment_objectives"]
    rows = [
        [
            name,
            str(g["closed"]),
            str(g["won"]),
            percent(g["win_rate"]),
            days(g["median_days_to_close"]),
        ]
        for name, g in (("With (≥ 80%)", groups["with"]), ("Without", groups["without"]))
    ]
    return ["Deals", "Closed", "Won", "Win rate", "Median days to close (won)"], rows


def _sources_table(a: Analysis) -> Table:
    rows = [
        [
            source_name(r["source"]),
            str(r["closed"]),
            str(r["won"]),
            percent(r["win_rate"]),
            days(r["median_days_to_close"]),
        ]
        for r in a["by_source"]
    ]
    return ["Source", "Closed", "Won", "Win rate", "Median days to close (won)"], rows


def _pauses_table(a: Analysis) -> Table:
    p = a["pauses"]
    rows = [
        [str(p["paused"]), str(p["won"]), str(p["lost"]), days(p["median_days_resume_to_next_win"])]
    ]
    return ["Ever paused", "Won", "Lost", "Median days, resumed to next small win"], rows


SECTIONS: tuple[tuple[str, str, Callable[[Analysis], str], Callable[[Analysis], Table]], ...] = (
    (
        "Lift per small win",
        "Bars reaching past the dashed line: deals where this small win happened before the close"
        " were won more often than deals without it.",
        charts.lift_chart,
        _small_win_table,
    ),
    (
        "Win rate by departments bought in",
        "Selling is a team effort: how often deals were won by the number of the customer's"
        " departments where someone bought in.",
        charts.departments_chart,
        _departments_table,
    ),
    (
        "Most common paths to a close",
        "The order in which deals reached their small wins (repeats shown once), with how many"
        " deals took each path and how many of those were won.",
        charts.paths_chart,
        _paths_table,
    ),
    (
        "Commitment objectives: with vs without",
        "Deals whose planned interactions mostly (≥ 80%) named a commitment objective, against"
        " deals whose interactions mostly did not: win rate and time to close.",
        charts.objectives_chart,
        _objectives_table,
    ),
    (
        "Win rate by source",
        "Relationships are a seller's equity: how often, and how fast, deals were won by how"
        " they came — inbound, outbound, a referral, repeat business or other.",
        charts.sources_chart,
        _sources_table,
    ),
    (
        "Pause outcomes",
        "Paused deals never start over: how the deals that were ever paused ended, and how soon"
        " a small win followed a resumption.",
        charts.pauses_chart,
        _pauses_table,
    ),
)


def render_report(
    analysis: Analysis,
    *,
    owner: str | None = None,
    closed_from: datetime | None = None,
    closed_to: datetime | None = None,
    as_of: datetime | None = None,
) -> str:
    """The whole page, as one string."""
    cards = (
        ("Closed deals", str(analysis["closed"])),
        ("Won", str(analysis["won"])),
        ("Lost", str(analysis["lost"])),
        ("Win rate", percent(analysis["win_rate"])),
        ("Ever paused", str(analysis["pauses"]["paused"])),
    )
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Win analysis</title><style>{_CSS}</style></head><body>",
        "<h1>Win analysis: what led to closes</h1>",
        f'<p class="scope">{escape(scope_text(owner, closed_from, closed_to, as_of))}</p>',
        '<div class="cards">',
        *(f'<div class="card"><b>{escape(v)}</b><span>{escape(k)}</span></div>' for k, v in cards),
        "</div>",
    ]
    for title, why, chart, table in SECTIONS:
        parts += [
            f'<section><h2>{escape(title)}</h2><p class="why">{escape(why)}</p>',
            f'<figure role="img" aria-label="{escape(title)}">{chart(analysis)}</figure>',
            _table(*table(analysis)),
            "</section>",
        ]
    parts.append("<section><h2>How the numbers are computed</h2><dl>")
    parts += [f"<dt>{escape(term)}</dt><dd>{escape(text)}</dd>" for term, text in DEFINITIONS]
    parts.append("</dl></section></body></html>\n")
    return "\n".join(parts)
