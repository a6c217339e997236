"""The Rep stories of shared/STORIES.md, end to end through HTTP, with the server's clock moved
day by day: "What is my next small win?" and "The customer wants to wait until next quarter."
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HALF_LIFE = 14.0
WEIGHTS = {
    "MeetingGained": 1,
    "CustomerDataGathered": 1,
    "InteractionCompleted": 1,
    "DemoScheduled": 2,
    "VerbalCommitment": 3,
}


def day(number: float) -> datetime:
    return START + timedelta(days=number)


def expected_score(wins: list[tuple[float, int]], now: float) -> float:
    """DESIGN section 3, for a deal that was never paused: sum of weight x 0.5^(days/14)."""
    return sum(weight * 0.5 ** ((now - at) / HALF_LIFE) for at, weight in wins if at <= now)


class Jo:
    """Jo, recording the Acme deal through the API on the day the clock says."""

    def __init__(self, api: Any, clock: Any) -> None:
        self.api = api
        self.clock = clock
        self.deal = ""
        self.wins: list[tuple[float, int]] = []

    def on(self, number: float) -> Jo:
        self.clock.now = day(number)
        return self

    def open(self) -> dict[str, Any]:
        state: dict[str, Any] = self.api.open(
            title="Acme scheduling rollout",
            account="Acme Corp",
            amount=48000,
            buying_departments=["Finance", "IT", "Operations"],
        )
        self.deal = state["id"]
        return state

    def record(self, event_type: str, weight: int | None = None, **fields: Any) -> dict[str, Any]:
        state: dict[str, Any] = self.api.record(self.deal, event_type, **fields)
        if weight is not None:
            self.wins.append(((self.clock.now - START) / timedelta(days=1), weight))
        return state

    def plan(self, contact: str, department: str, purpose: str, objective: str) -> str:
        state = self.record(
            "InteractionPlanned",
            contact=contact,
            department=department,
            channel="video",
            purpose=purpose,
            commitment_objective=objective,
        )
        planned = [i for i in state["open_interactions"] if i["purpose"] == purpose]
        assert planned[0]["commitment_objective"] == objective
        interaction_id: str = planned[0]["interaction_id"]
        return interaction_id

    def complete(self, interaction_id: str, outcome: str) -> dict[str, Any]:
        return self.record(
            "InteractionCompleted",
            WEIGHTS["InteractionCompleted"],
            interaction_id=interaction_id,
            commitment_gained=True,
            outcome=outcome,
        )

    def ask(self) -> dict[str, Any]:
        state: dict[str, Any] = self.api.state(self.deal)
        return state


def departments(state: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    return {
        d["name"]: (d["depth"], d["stakeholders"]) for d in state["relationships"]["departments"]
    }


def jos_acme_deal(jo: Jo) -> dict[str, Any]:
    """Five weeks of small wins, each interaction planned with a commitment objective."""
    opened = jo.on(0).open()
    assert (opened["stage"], opened["next_small_win"]) == ("none", "meeting")
    assert opened["momentum"]["score"] == 0
    assert opened["relationships"]["coverage"] == 0

    call = jo.on(1).plan(
        "Dana", "IT", "Introduce the scheduling pilot", "Agree to an initial meeting"
    )
    jo.on(2).complete(call, "Initial meeting booked")
    state = jo.on(3).record(
        "MeetingGained", WEIGHTS["MeetingGained"], contact="Dana", department="it ", kind="initial"
    )
    assert (state["stage"], state["next_small_win"]) == ("meeting", "customer_data")
    assert departments(state) == {"IT": ("contacted", [])}

    state = jo.on(8).record(
        "CustomerDataGathered",
        WEIGHTS["CustomerDataGathered"],
        summary="Three plants, manual scheduling pain",
    )
    assert (state["stage"], state["next_small_win"]) == ("customer_data", "decision_makers")

    call = jo.on(14).plan("Dana", "IT", "Walk through the pilot results", "Champion the rollout")
    state = jo.on(15).record(
        "StakeholderBoughtIn", 2, stakeholder="Dana", department="IT", role="champion"
    )
    jo.complete(call, "Dana will champion it")
    assert (state["stage"], state["next_small_win"]) == ("customer_data", "decision_makers")
    assert state["relationships"]["single_threaded"] is True
    assert state["relationships"]["coverage"] == pytest.approx(1 / 3, abs=1e-3)

    state = jo.on(21).record(
        "StakeholderBoughtIn",
        3,
        stakeholder="Sam",
        department="Finance",
        role="economic_buyer",
        title="CFO",
    )
    assert (state["stage"], state["next_small_win"]) == ("decision_makers", "demo")
    assert state["relationships"]["single_threaded"] is False

    state = jo.on(28).record(
        "DemoScheduled",
        WEIGHTS["DemoScheduled"],
        scheduled_for=(day(30) + timedelta(hours=6)).isoformat(),
        attendees=["Dana", "Sam"],
    )
    assert (state["stage"], state["next_small_win"]) == ("demo", "verbal_commitment")

    call = jo.on(34).plan("Sam", "Finance", "Review the proposal", "A verbal yes on the proposal")
    verbal = jo.on(35).record(
        "VerbalCommitment", WEIGHTS["VerbalCommitment"], stakeholder="Sam", amount=48000
    )
    jo.complete(call, "Sam said yes")
    return verbal


@pytest.fixture
def jo(api: Any, clock: Any) -> Jo:
    return Jo(api, clock)


def test_jo_knows_the_stage_next_small_win_momentum_and_dark_departments_of_the_acme_deal(
    jo: Jo,
) -> None:
    verbal = jos_acme_deal(jo)

    state = jo.on(35.5).ask()

    assert state["status"] == "open"
    assert state["stage"] == "verbal_commitment"
    assert state["next_small_win"] is None  # every rung reached
    assert state["resume_point"] == {
        "rung": 5,
        "name": "verbal_commitment",
        "version": verbal["version"],
        "occurred_at": "2026-04-06T09:00:00Z",
    }
    assert state["last_small_win"]["type"] == "InteractionCompleted"
    assert state["open_interactions"] == []

    momentum = state["momentum"]
    assert momentum["score"] > 0
    assert momentum["score"] == pytest.approx(expected_score(jo.wins, 35.5), abs=0.0011)
    week_ago = expected_score(jo.wins, 28.5)
    assert momentum["trend"] == ("rising" if momentum["score"] - week_ago >= 0.5 else "steady")
    assert momentum["stalled"] is False
    assert momentum["days_since_last_win"] == 0.5

    relationships = state["relationships"]
    assert departments(state) == {
        "IT": ("bought_in", ["Dana"]),
        "Finance": ("decision_maker", ["Sam"]),
    }
    assert relationships["bought_in_departments"] == 2
    assert relationships["coverage"] == pytest.approx(2 / 3, abs=1e-3)
    assert state["buying_departments"] == ["Finance", "IT", "Operations"]
    reached = {d["name"].lower() for d in relationships["departments"]}
    assert [d for d in state["buying_departments"] if d.lower() not in reached] == ["Operations"]


def test_a_paused_deal_holds_its_momentum_and_resumes_at_its_verbal_commitment(jo: Jo) -> None:
    jos_acme_deal(jo)
    resume_on = (day(36) + timedelta(weeks=10)).date()
    jo.on(36).record(
        "Paused",
        reason="The customer wants to wait until next quarter",
        resume_on=resume_on.isoformat(),
    )
    at_pause = jo.ask()
    assert at_pause["status"] == "paused"
    assert at_pause["paused"] == {
        "reason": "The customer wants to wait until next quarter",
        "since": "2026-04-07T09:00:00Z",
        "resume_on": resume_on.isoformat(),
    }
    assert at_pause["momentum"]["score"] == pytest.approx(expected_score(jo.wins, 36), abs=0.0011)

    for weeks in (1, 5, 10):
        while_paused = jo.on(36 + 7 * weeks).ask()
        assert while_paused["momentum"]["stalled"] is False
        assert while_paused["momentum"]["score"] == at_pause["momentum"]["score"]
        assert (
            while_paused["momentum"]["days_since_last_win"]
            == at_pause["momentum"]["days_since_last_win"]
        )
        assert while_paused["momentum"]["trend"] == "steady"
        assert while_paused["stage"] == "verbal_commitment"

    resumed = jo.on(106).record("Resumed")
    assert date.fromisoformat(at_pause["paused"]["resume_on"]) == day(106).date()
    assert resumed["status"] == "open"
    assert resumed["paused"] is None
    assert resumed["stage"] == "verbal_commitment"
    assert resumed["resume_point"] == at_pause["resume_point"]
    assert resumed["next_small_win"] is None
    assert resumed["momentum"]["score"] == at_pause["momentum"]["score"]
    assert resumed["momentum"]["stalled"] is False

    # Time counts again: two active weeks halve the score; three make the deal stalled.
    two_weeks_on = jo.on(120).ask()
    assert two_weeks_on["momentum"]["score"] == pytest.approx(
        at_pause["momentum"]["score"] / 2, abs=0.002
    )
    assert two_weeks_on["momentum"]["stalled"] is False
    assert jo.on(127).ask()["momentum"]["stalled"] is True


def test_a_deal_paused_before_the_commitment_resumes_naming_that_next_small_win(jo: Jo) -> None:
    jo.on(0).open()
    jo.on(3).record("MeetingGained", contact="Dana", department="IT")
    jo.on(8).record("CustomerDataGathered", summary="Three plants")
    demo = jo.on(28).record("DemoScheduled", scheduled_for=day(30).isoformat())
    jo.on(29).record("Paused", reason="Budget freeze", resume_on=day(99).date().isoformat())

    resumed = jo.on(99).record("Resumed")

    assert resumed["stage"] == "demo"
    assert resumed["next_small_win"] == "decision_makers"  # the lowest rung not reached yet
    assert resumed["resume_point"]["version"] == demo["version"]
    assert resumed["momentum"]["stalled"] is False
