"""Words and number formats shared by the terminal table and the HTML report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.records import (
    CUSTOMER_DATA_GATHERED,
    DEMO_SCHEDULED,
    MEETING_GAINED,
    STAKEHOLDER_BOUGHT_IN,
    VERBAL_COMMITMENT,
)
from projections.render import rfc3339

SMALL_WIN_LABELS = {
    MEETING_GAINED: "Meeting gained",
    CUSTOMER_DATA_GATHERED: "Customer data gathered",
    STAKEHOLDER_BOUGHT_IN: "Stakeholder bought in",
    DEMO_SCHEDULED: "Demo scheduled",
    VERBAL_COMMITMENT: "Verbal commitment",
}
SHORT_LABELS = {
    MEETING_GAINED: "Meeting",
    CUSTOMER_DATA_GATHERED: "Data",
    STAKEHOLDER_BOUGHT_IN: "Buy-in",
    DEMO_SCHEDULED: "Demo",
    VERBAL_COMMITMENT: "Verbal",
}
NO_PATH = "(no small win)"
NOT_AVAILABLE = "n/a"
TIMES = "\N{MULTIPLICATION SIGN}"


def small_win(kind: str) -> str:
    return SMALL_WIN_LABELS.get(kind, kind)


def source_name(source: str) -> str:
    """How a deal came (the opening's `source`) in words: "referral" -> "Referral"."""
    return source.capitalize()


def path_text(path: Sequence[str]) -> str:
    return " → ".join(SHORT_LABELS.get(k, k) for k in path) if path else NO_PATH


def percent(rate: float | None) -> str:
    return NOT_AVAILABLE if rate is None else f"{rate * 100:.1f}%"


def times(lift: float | None) -> str:
    return NOT_AVAILABLE if lift is None else f"{TIMES}{lift:.2f}"


def days(value: float | None) -> str:
    return NOT_AVAILABLE if value is None else f"{value:.1f} d"


def scope_text(
    owner: str | None,
    closed_from: datetime | None,
    closed_to: datetime | None,
    as_of: datetime | None,
) -> str:
    """Which deals an analysis covers, in one sentence."""
    parts = [f"owner {owner}" if owner else "all owners"]
    if closed_from or closed_to:
        start = rfc3339(closed_from) if closed_from else "the first close"
        end = f"before {rfc3339(closed_to)}" if closed_to else "now"
        parts.append(f"closed from {start} to {end}")
    parts.append(f"as recorded by {rfc3339(as_of)}" if as_of else "everything recorded so far")
    return "Deals closed: " + "; ".join(parts) + "."
