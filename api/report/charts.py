"""The report's six charts, drawn with matplotlib (object API, no pyplot state) as inline
SVG: text is drawn as paths, so nothing (not even a font) is loaded from anywhere, and a
fixed hash salt makes the same analysis give the same bytes."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from api.report.labels import (
    NOT_AVAILABLE,
    days,
    path_text,
    percent,
    small_win,
    source_name,
    times,
)

WON, LOST, WITH, WITHOUT, INK = "#2a9d8f", "#e76f51", "#2a9d8f", "#adb5bd", "#264653"
WIDTH = 7.5
NO_DEALS = "No closed deals to show"
_PREAMBLE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_STYLE: dict[Any, Any] = {  # matplotlib rc keys
    "svg.hashsalt": "smallwins",
    "svg.fonttype": "path",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}

Analysis = Mapping[str, Any]


def to_svg(figure: Figure) -> str:
    """The figure as an <svg> element ready to inline (no XML prolog, no metadata)."""
    buffer = io.StringIO()
    with mpl.rc_context(_STYLE):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return _METADATA.sub("", _PREAMBLE.sub("", buffer.getvalue())).strip()


def _axes(height: float, columns: int = 1) -> tuple[Figure, list[Axes]]:
    with mpl.rc_context(_STYLE):
        figure = Figure(figsize=(WIDTH, height), layout="constrained")
        axes = figure.subplots(1, columns, squeeze=False)[0]
    return figure, list(axes)


def placeholder(message: str) -> str:
    """A short strip saying why a chart has nothing to draw."""
    figure, (ax,) = _axes(0.6)
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", color=INK, transform=ax.transAxes)
    return to_svg(figure)


def _rate_bars(ax: Axes, labels: Sequence[str], rows: Sequence[Analysis], colors: Any) -> None:
    """Vertical win-rate bars (percent), each labelled with its rate and deal count."""
    heights = [(r["win_rate"] or 0) * 100 for r in rows]
    bars = ax.bar(labels, heights, color=colors)
    ax.bar_label(bars, [f"{percent(r['win_rate'])}\nof {r['closed']}" for r in rows], padding=2)
    ax.set_ylim(0, 119)
    ax.set_ylabel("Win rate (%)")


def lift_chart(analysis: Analysis) -> str:
    """Lift per small win: how much more often deals with it were won."""
    rows = list(analysis["by_small_win"])
    if not analysis["closed"]:
        return placeholder(NO_DEALS)
    figure, (ax,) = _axes(3.2)
    labels = [small_win(r["type"]) for r in rows][::-1]
    lifts = [r["lift"] for r in rows][::-1]
    bars = ax.barh(
        labels, [x or 0 for x in lifts], color=[WON if (x or 0) >= 1 else LOST for x in lifts]
    )
    ax.bar_label(bars, [times(x) for x in lifts], padding=3)
    ax.axvline(1.0, color=INK, linestyle="--", linewidth=1)
    ax.set_xlim(0, max([1.0, *(x or 0 for x in lifts)]) * 1.25)
    ax.set_xlabel("Lift = win rate with it ÷ win rate without it  (dashed line: no difference)")
    ax.set_title("Lift per small win")
    return to_svg(figure)


def departments_chart(analysis: Analysis) -> str:
    rows = list(analysis["by_bought_in_departments"])
    if not analysis["closed"]:
        return placeholder(NO_DEALS)
    figure, (ax,) = _axes(3.0)
    _rate_bars(ax, [r["departments"] for r in rows], rows, INK)
    ax.set_xlabel("Departments bought in at the close")
    ax.set_title("Win rate by departments bought in")
    return to_svg(figure)


def paths_chart(analysis: Analysis) -> str:
    rows = list(analysis["paths"])
    if not rows:
        return placeholder(NO_DEALS)
    figure, (ax,) = _axes(1.2 + 0.38 * len(rows))
    labels = [path_text(r["path"]) for r in rows][::-1]
    counts = [r["closed"] for r in rows][::-1]
    bars = ax.barh(range(len(rows)), counts, color=INK)
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.bar_label(bars, [f"{percent(r['win_rate'])} won" for r in rows][::-1], padding=3, fontsize=8)
    ax.set_xlim(0, max(counts) * 1.3)
    ax.set_xlabel("Closed deals that followed this path")
    ax.set_title("Most common paths of small wins")
    return to_svg(figure)


def objectives_chart(analysis: Analysis) -> str:
    groups = analysis["commitment_objectives"]
    rows = [groups["with"], groups["without"]]
    if not any(r["closed"] for r in rows):
        return placeholder("No analysed deal planned an interaction")
    figure, (rate_ax, days_ax) = _axes(3.0, columns=2)
    labels = ["With (≥ 80%)", "Without"]
    _rate_bars(rate_ax, labels, rows, [WITH, WITHOUT])
    rate_ax.set_title("Win rate")
    medians = [r["median_days_to_close"] for r in rows]
    bars = days_ax.bar(labels, [m or 0 for m in medians], color=[WITH, WITHOUT])
    days_ax.bar_label(bars, [NOT_AVAILABLE if m is None else f"{m:.1f} d" for m in medians])
    days_ax.set_ylim(0, max([1.0, *(m or 0 for m in medians)]) * 1.25)
    days_ax.set_ylabel("Median days, opening to close (won deals)")
    days_ax.set_title("Time to close")
    figure.suptitle("Commitment objectives on most interactions: with vs without")
    return to_svg(figure)


def sources_chart(analysis: Analysis) -> str:
    """Win rate and time to close by how the deals came (inbound, referral, ...)."""
    rows = list(analysis["by_source"])
    if not analysis["closed"]:
        return placeholder(NO_DEALS)
    figure, (rate_ax, days_ax) = _axes(3.0, columns=2)
    labels = [source_name(r["source"]) for r in rows]
    _rate_bars(rate_ax, labels, rows, INK)
    rate_ax.set_title("Win rate")
    medians = [r["median_days_to_close"] for r in rows]
    bars = days_ax.bar(labels, [m or 0 for m in medians], color=INK)
    days_ax.bar_label(bars, [NOT_AVAILABLE if m is None else f"{m:.1f} d" for m in medians])
    days_ax.set_ylim(0, max([1.0, *(m or 0 for m in medians)]) * 1.25)
    days_ax.set_ylabel("Median days, opening to close (won deals)")
    days_ax.set_title("Time to close")
    for ax in (rate_ax, days_ax):
        ax.tick_params(axis="x", labelsize=8)
    figure.suptitle("Where the deals came from")
    return to_svg(figure)


def pauses_chart(analysis: Analysis) -> str:
    pauses = analysis["pauses"]
    if not pauses["paused"]:
        return placeholder("No analysed deal was ever paused")
    figure, (ax,) = _axes(2.4)
    bars = ax.barh(["Lost", "Won"], [pauses["lost"], pauses["won"]], color=[LOST, WON])
    ax.bar_label(bars, padding=3)
    ax.set_xlim(0, max(pauses["won"], pauses["lost"]) * 1.25)
    resumed = days(pauses["median_days_resume_to_next_win"])
    ax.set_xlabel(
        f"Deals, of the {pauses['paused']} ever paused"
        f"  (median from resuming to the next small win: {resumed})"
    )
    ax.set_title("How paused deals ended")
    return to_svg(figure)


CHARTS = (
    lift_chart,
    departments_chart,
    paths_chart,
    objectives_chart,
    sources_chart,
    pauses_chart,
)
