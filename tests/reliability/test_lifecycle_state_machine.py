"""A hypothesis state machine drives one Opportunity aggregate through random events of the
first release's twelve types (`Opportunity.record`), valid and invalid (bad fields, a
business time in the future or before the opening, events the lifecycle forbids), with the
clock moving on between them, and checks after every step:

- the status only moves open -> paused -> open, and open or paused -> won or lost;
- of those types nothing is recorded on a won or lost deal (only a reopening or a
  retraction would be, not drawn here); a paused one takes only Resumed, ClosedWon,
  ClosedLost and InteractionPlanned; Paused needs open and Resumed needs paused;
- an event is accepted exactly when its fields are valid and the lifecycle allows it, and a
  refused one leaves the aggregate as it was (history, version, state);
- the stage never goes down and the resume point never lowers;
- without a new small win, momentum at a later instant never rises;
- versions are contiguous from 1, and replaying the recorded events gives the same state
  as the one kept one event at a time and as a fresh fold of the history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from domain.errors import DomainError, InvariantViolated
from domain.ladder import NO_STAGE, RUNGS, ladder
from domain.lifecycle import LOST, OPEN, PAUSED_STATUS, WON
from domain.momentum import MomentumPolicy
from domain.opportunity import Opportunity, Stamp
from domain.state import OpportunityState, describe, fold

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
POLICY = MomentumPolicy()
PEOPLE = ("Dana Lee", "Sam Ortiz", "Kim Park", "dana  lee")
DEPARTMENTS = ("IT", "Finance", "Legal")
CLOSINGS = ("ClosedWon", "ClosedLost")
# The event types of the first release, besides the opening.
RECORDED_TYPES = (
    "MeetingGained",
    "CustomerDataGathered",
    "StakeholderBoughtIn",
    "DemoScheduled",
    "VerbalCommitment",
    "Paused",
    "Resumed",
    "InteractionPlanned",
    "InteractionCompleted",
    *CLOSINGS,
)
# Of those, what a paused deal accepts (DESIGN section 2).
ALLOWED_WHILE_PAUSED = frozenset({"Resumed", "InteractionPlanned", *CLOSINGS})
# Closing ends the interesting part of a run, so the other types are drawn more often.
DRAWN_TYPES = tuple(sorted(set(RECORDED_TYPES) - set(CLOSINGS))) * 4 + CLOSINGS
TRANSITIONS = {
    (OPEN, PAUSED_STATUS): "Paused",
    (PAUSED_STATUS, OPEN): "Resumed",
    (OPEN, WON): "ClosedWon",
    (PAUSED_STATUS, WON): "ClosedWon",
    (OPEN, LOST): "ClosedLost",
    (PAUSED_STATUS, LOST): "ClosedLost",
}


@dataclass(frozen=True)
class Attempt:
    """An event to try: its type, its fields, its business time, whether every field (and
    the business time) is valid, and, for a completion, whether the interaction is open."""

    event_type: str
    fields: dict[str, Any]
    occurred_at: datetime | None
    valid: bool
    interaction_open: bool = True


def fields_for(event_type: str, valid: bool, draw: Any, now: datetime) -> dict[str, Any]:
    person, department = draw(st.sampled_from(PEOPLE)), draw(st.sampled_from(DEPARTMENTS))
    valid_fields: dict[str, dict[str, Any]] = {
        "MeetingGained": {"contact": person, "department": department},
        "CustomerDataGathered": {"summary": "Runs 40 warehouses"},
        "StakeholderBoughtIn": {
            "stakeholder": person,
            "department": department,
            "role": draw(st.sampled_from(["decision_maker", "champion", "user"])),
        },
        "DemoScheduled": {"scheduled_for": now + timedelta(days=7)},
        "VerbalCommitment": {"stakeholder": person},
        "Paused": {"reason": "Budget freeze"},
        "Resumed": {},
        "InteractionPlanned": {
            "contact": person,
            "department": department,
            "channel": "phone",
            "purpose": "Ask for the pilot",
            "commitment_objective": draw(st.sampled_from([None, "Agree the pilot scope"])),
        },
        "ClosedWon": {"amount": draw(st.sampled_from([None, 48_000]))},
        "ClosedLost": {"reason": "timing"},
    }
    invalid_fields: dict[str, dict[str, Any]] = {
        "MeetingGained": {"contact": "  ", "department": department},
        "CustomerDataGathered": {"summary": ""},
        "StakeholderBoughtIn": {"stakeholder": person, "department": department, "role": "king"},
        "DemoScheduled": {"scheduled_for": now.replace(tzinfo=None)},
        "VerbalCommitment": {"stakeholder": person, "amount": -5},
        "Paused": {"reason": " "},
        "InteractionPlanned": {
            "contact": person,
            "department": department,
            "channel": "carrier pigeon",
            "purpose": "Ask",
        },
        "ClosedWon": {"amount": float("nan")},
        "ClosedLost": {"reason": "bored"},
    }
    return (valid_fields if valid else invalid_fields)[event_type]


class OpportunityLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.deal = Opportunity.open(
            Stamp("alice", T0), {"title": "Warehouse pilot", "account": "Acme"}
        )
        self.events = self.deal.collect_events()
        self.status = OPEN
        self.highest_rung = 0
        self.momentum_seen: tuple[int, datetime, float] = (1, T0, 0.0)

    @initialize()
    def the_deal_opens(self) -> None:
        assert [r.type for r in self.deal.history] == ["OpportunityOpened"]

    @rule(hours=st.integers(0, 24 * 30))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @rule(
        event_type=st.sampled_from(DRAWN_TYPES),
        valid=st.sampled_from([True, True, True, False]),
        when=st.sampled_from(["now", "now", "now", "earlier", "future", "before opening"]),
        data=st.data(),
    )
    def record(self, event_type: str, valid: bool, when: str, data: Any) -> None:
        if event_type == "InteractionCompleted":
            self.complete_an_interaction(valid, data)
            return
        if event_type == "Resumed":
            valid = True  # it has no field that could be wrong
        fields = fields_for(event_type, valid, data.draw, self.now)
        occurred_at, time_valid = self.business_time(when, data)
        self.attempt(Attempt(event_type, fields, occurred_at, valid and time_valid))

    def complete_an_interaction(self, valid: bool, data: Any) -> None:
        plans = self.deal.deal.plans
        still_open = list(plans.open)  # in the order they were planned (the ids are random)
        completed = list(plans.ended)
        known = data.draw(st.sampled_from([True, True, False]))
        choices = still_open if known and still_open else [*completed, "never-planned"]
        interaction_id = data.draw(st.sampled_from(choices))
        gained = data.draw(st.booleans()) if valid else "yes"
        fields = {"interaction_id": interaction_id, "commitment_gained": gained}
        is_open = interaction_id in still_open
        self.attempt(Attempt("InteractionCompleted", fields, None, valid, is_open))

    def business_time(self, when: str, data: Any) -> tuple[datetime | None, bool]:
        opened_at = self.deal.deal.lifecycle.opened_at
        assert opened_at is not None
        if when == "earlier":
            hours = int((self.now - opened_at).total_seconds() // 3600)
            return opened_at + timedelta(hours=data.draw(st.integers(0, hours))), True
        if when == "future":
            return self.now + timedelta(minutes=data.draw(st.integers(6, 600))), False
        if when == "before opening":
            return opened_at - timedelta(minutes=data.draw(st.integers(1, 600))), False
        return None, True

    def lifecycle_allows(self, attempt: Attempt) -> bool:
        kind = attempt.event_type
        if self.status in (WON, LOST):
            return False
        if kind == "Paused":
            return self.status == OPEN
        if kind == "Resumed":
            return self.status == PAUSED_STATUS
        if self.status == PAUSED_STATUS and kind not in ALLOWED_WHILE_PAUSED:
            return False
        return kind != "InteractionCompleted" or attempt.interaction_open

    def attempt(self, attempt: Attempt) -> None:
        before = self.snapshot()
        expected = attempt.valid and self.lifecycle_allows(attempt)
        stamp = Stamp("bob", self.now, attempt.occurred_at)
        rejected: DomainError | None = None
        try:
            self.deal.record(attempt.event_type, stamp, attempt.fields)
        except DomainError as error:
            rejected = error
        if rejected is not None:
            assert not expected, f"{attempt} was rejected: {rejected!r}"
            if attempt.valid:  # well formed: only the lifecycle can have refused it
                assert isinstance(rejected, InvariantViolated), repr(rejected)
            assert self.snapshot() == before
            assert self.deal.collect_events() == []
            return
        assert expected, f"{attempt} was accepted in status {self.status}"
        assert [r.type for r in self.deal.history[len(before[0]) :]] == [attempt.event_type]
        self.events += self.deal.collect_events()
        new_status = self.deal.deal.lifecycle.status
        if new_status != self.status:
            assert TRANSITIONS.get((self.status, new_status)) == attempt.event_type
        self.status = new_status

    def snapshot(self) -> tuple[list[Any], int, OpportunityState]:
        """The history, the version and the state shown now (a frozen copy)."""
        return (list(self.deal.history), self.deal.version, self.state_at(self.deal))

    def state_at(self, deal: Opportunity) -> OpportunityState:
        return deal.deal.describe(self.now, POLICY)

    # --- invariants, checked after every step ----------------------------------------------

    @invariant()
    def the_status_is_one_of_four_and_follows_the_history(self) -> None:
        assert self.deal.deal.lifecycle.status == self.status
        assert self.status in (OPEN, PAUSED_STATUS, WON, LOST)

    @invariant()
    def versions_are_contiguous_from_one(self) -> None:
        versions = [r.version for r in self.deal.history]
        assert versions == list(range(1, len(versions) + 1))
        assert self.deal.version == len(versions)

    @invariant()
    def the_stage_never_goes_down_and_the_resume_point_never_lowers(self) -> None:
        found = ladder(self.deal.history)
        rung = found.resume_point.rung if found.resume_point else 0
        assert rung >= self.highest_rung
        assert found.stage == (RUNGS[rung - 1] if rung else NO_STAGE)
        self.highest_rung = rung

    @invariant()
    def momentum_without_a_new_win_never_rises_as_time_passes(self) -> None:
        # Only time passing: a new event may move the instant momentum is read at (a close
        # or a pause dated earlier freezes it there), which is the definition, not a rise.
        history = self.deal.history
        score = self.score(history, self.now)
        later = self.score(history, self.now + timedelta(days=30))
        assert later <= score
        seen_version, seen_at, seen_score = self.momentum_seen
        if self.deal.version == seen_version and self.now >= seen_at:
            assert score <= seen_score
        self.momentum_seen = (self.deal.version, self.now, score)

    @staticmethod
    def score(history: list[Any], at: datetime) -> float:
        momentum = describe(history, at, POLICY).momentum
        assert momentum is not None
        return momentum.score

    @invariant()
    def replaying_the_recorded_events_gives_the_same_state(self) -> None:
        replayed: Any = None
        for event in self.events:
            replayed = event.mutate(replayed)
        assert replayed.history == self.deal.history
        kept = self.state_at(self.deal)
        assert self.state_at(replayed) == kept
        assert fold(self.deal.history).describe(self.now, POLICY) == kept


OpportunityLifecycle.TestCase.settings = settings(
    max_examples=50,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,  # the same runs every time: CI stays stable
    database=None,
)
test_an_opportunity_driven_by_random_commands_keeps_every_lifecycle_invariant = (
    OpportunityLifecycle.TestCase
)
