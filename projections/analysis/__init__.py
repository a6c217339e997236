"""Win analysis (DESIGN section 4): replay the event log to see which small wins, paths and
habits led to closes.

`analyze(app, filters)` streams the log in position order (memory grows with the number
of opportunities, not of events), folds each deal into a compact accumulator
(`deals`), sums the closed deals up (`summary`) and returns the JSON answer. The same log
and filters always give the same answer, key for key and digit for digit: rates, lifts
and medians are rounded half-to-even to 4 decimals (`stats`)."""

from __future__ import annotations

from typing import Any

from domain.application import Opportunities
from projections.analysis.replay import Progress, closed_deals, log_records
from projections.analysis.summary import Filters, render, summarise
from storage.personal import names_left_sealed

__all__ = ["Filters", "analyze"]


def analyze(
    app: Opportunities, filters: Filters | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """The win analysis of every deal closed in the log (as recorded by `filters.as_of`)."""
    filters = filters or Filters()
    with names_left_sealed():  # people are counted, never shown: no name is opened
        deals = closed_deals(log_records(app, progress=progress), filters.as_of, app.histories)
        return render(summarise(deals, filters))
