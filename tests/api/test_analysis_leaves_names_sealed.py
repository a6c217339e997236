"""The win analysis counts people but never shows them, so it reads the log without opening
a single sealed name or text, and finds exactly what it finds with every name opened."""

from __future__ import annotations

from typing import Any

import pytest

import storage.personal
import storage.sealing
from projections.analysis import analyze
from projections.analysis.replay import closed_deals, log_records
from storage.personal import SEALED, names_left_sealed


def deals_with_people(api: Any) -> None:
    for n, (stakeholder, again) in enumerate([("Sam Ortiz", " sam  ortiz"), ("Ana Lee", "Kofi")]):
        deal = api.open(title=f"Rollout {n}", referred_by="Dee Park", source="referral")["id"]
        api.record(deal, "MeetingGained", contact=stakeholder, department="IT")
        api.record(deal, "InteractionPlanned", contact=stakeholder, department="IT",
                   channel="email", purpose=f"follow up with {stakeholder}",
                   commitment_objective="a demo date")  # fmt: skip
        api.record(deal, "StakeholderBoughtIn", stakeholder=stakeholder, department="IT",
                   role="decision_maker", title="CTO")  # fmt: skip
        api.record(deal, "StakeholderBoughtIn", stakeholder=again, department="Finance",
                   role="economic_buyer", note=f"{stakeholder} agreed")  # fmt: skip
        api.record(deal, "Paused", reason=f"{stakeholder} on leave")
        api.record(deal, "Resumed")
        api.record(deal, "ClosedWon" if n == 0 else "ClosedLost",
                   **({} if n == 0 else {"reason": "price"}))  # fmt: skip


def test_the_analysis_opens_no_name_and_counts_as_it_does_with_every_name_open(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    deals_with_people(api)
    app = api.app.state.services.opportunities
    opened = list(closed_deals(log_records(app)))
    assert any("Sam Ortiz" in str(r.data) for _k, r in log_records(app))  # names do open
    with names_left_sealed():
        sealed_records = [r for _k, r in log_records(app)]
        left_sealed = list(closed_deals(log_records(app)))
    assert "Sam Ortiz" not in str([r.data for r in sealed_records])
    assert any(SEALED in str(r.data) for r in sealed_records)
    assert left_sealed == opened

    def refuse(*_args: Any) -> None:
        raise AssertionError("the analysis opened a sealed box")

    storage.sealing.forget()  # nothing opened above is kept for the analysis to find
    monkeypatch.setattr(storage.personal, "open_box", refuse)  # names
    monkeypatch.setattr(storage.sealing, "open_box", refuse)  # names of the first form
    monkeypatch.setattr(storage.sealing.Opener, "open", refuse)  # texts
    answer = analyze(app)
    assert (answer["closed"], answer["won"], answer["lost"]) == (2, 1, 1)
    assert [row["departments"] for row in answer["by_bought_in_departments"]
            if row["closed"]] == ["2"]  # fmt: skip
    response = api.client.get("/v1/analytics/wins", headers=api.auth("viewer"))
    assert response.status_code == 200, response.text
    assert response.json()["closed"] == 2
