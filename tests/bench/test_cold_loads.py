"""`python -m bench.worker loads` times loading deals nothing holds yet: it loads the
opportunities of the log, each once, and passes over a seller's goals. Speed is never
asserted."""

from __future__ import annotations

from bench.worker import cold_loads
from domain.application import Opportunities


def test_cold_loads_load_the_first_opened_deals_once_each_and_pass_over_sellers(
    opportunities: Opportunities,
) -> None:
    opportunities.set_goals("jo", recorded_by="jo", fields={"weekly": {"MeetingGained": 1}})
    for n in range(3):
        opened = opportunities.open(recorded_by="jo", fields={"title": f"T{n}", "account": "A"})
        opportunities.record(
            opened.opportunity_id, "MeetingGained", recorded_by="jo",
            fields={"contact": "Ana Silva", "department": "IT"},
        )  # fmt: skip

    assert cold_loads(opportunities, 2)[0] == 2
    loaded, microseconds = cold_loads(opportunities, 10)
    assert loaded == 3
    assert microseconds > 0
