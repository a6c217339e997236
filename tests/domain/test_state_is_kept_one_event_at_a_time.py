"""The aggregate keeps its state one event at a time (`DealState`, advanced by each recorded
event; a retraction folds the history again). Over random valid histories, recorded
through `Opportunity.record` with a moving clock (events backdated within the allowed
range, pauses and resumptions, interactions planned, rescheduled, cancelled and
completed, closes and reopenings, changes of details, and retractions of earlier events
where the domain accepts them), read at several instants after the last recording:

(a) the state kept one event at a time is the state of a fresh fold of the whole history;
(b) it is the state of the same history with the retracted events and the retractions left
    out (all but the version, which counts every recorded event);
(c) its momentum, evaluated from the summary the state keeps, is DESIGN's definition
    computed naively over the events that still stand (`momentum_reference`).

Commands the domain refuses (a lifecycle rule, an interaction not open, a retraction a
later event depends on, a change that changes nothing) are skipped, as a user's refused
request would be."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import DomainError
from domain.momentum import MomentumPolicy, evaluate
from domain.opportunity import Opportunity, Stamp
from domain.rules import ROLES
from domain.state import OpportunityState, fold
from tests.domain.momentum_reference import assert_matches, reading, standing

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # the clock when the deal is opened
POLICY = MomentumPolicy()
BOUNDED = settings(max_examples=80, deadline=None)

PEOPLE = ("Dana Lee", "Sam Ortiz", "Kim Park")
DEPARTMENTS = ("IT", "Finance", "Legal")
# Weighted by repetition: the small wins and the plan's events most, closing least.
KINDS = (
    *("MeetingGained", "CustomerDataGathered", "StakeholderBoughtIn") * 2,
    *("DemoScheduled", "VerbalCommitment") * 2,
    *("Paused", "Resumed") * 3,
    *("InteractionPlanned", "InteractionCompleted") * 2,
    "InteractionRescheduled",
    "InteractionCancelled",
    "ClosedWon",
    "ClosedLost",
    *("Reopened",) * 2,
    "DetailsChanged",
    *("EventRetracted",) * 3,
)


@dataclass(frozen=True)
class Step:
    """One event to try: its type, when (hours after the step before; how long before the
    clock it occurred) and what to draw its fields from."""

    kind: str
    hours_later: int
    backdated_hours: int
    pick: int  # chooses the interaction, the event taken back, the detail changed
    person: str
    department: str
    role: str
    gained: bool
    offset_hours: int  # planned_for (from the clock) or resume_on (days from the pause)


@dataclass(frozen=True)
class History:
    opened_days_ago: int  # the opening's occurred_at before its recording
    buying_departments: tuple[str, ...]
    steps: tuple[Step, ...]


steps = st.builds(
    Step,
    kind=st.sampled_from(KINDS),
    hours_later=st.one_of(st.just(0), st.integers(0, 12 * 24)),
    backdated_hours=st.one_of(st.just(0), st.just(0), st.integers(0, 40 * 24)),
    pick=st.integers(0, 1000),
    person=st.sampled_from(PEOPLE),
    department=st.sampled_from(DEPARTMENTS),
    role=st.sampled_from(ROLES),
    gained=st.booleans(),
    offset_hours=st.integers(-72, 30 * 24),
)
histories = st.builds(
    History,
    opened_days_ago=st.one_of(st.just(0), st.integers(0, 60)),
    buying_departments=st.lists(st.sampled_from(DEPARTMENTS), max_size=2, unique=True).map(
        tuple
    ),
    steps=st.lists(steps, max_size=30).map(tuple),
)
waits = st.lists(st.integers(0, 60 * 24), min_size=1, max_size=4).map(sorted)


def fields_of(deal: Opportunity, step: Step, now: datetime, occurred: datetime) -> dict[str, Any]:
    """The fields of `step`'s event on `deal`, drawn to be valid where they can be."""
    kind, state = step.kind, deal.deal
    opened_at = state.lifecycle.opened_at
    assert opened_at is not None
    people = {"department": step.department}
    later = max(opened_at, now + timedelta(hours=step.offset_hours))
    if kind == "MeetingGained":
        return {"contact": step.person, **people}
    if kind == "CustomerDataGathered":
        return {"summary": "Runs 40 warehouses"}
    if kind == "StakeholderBoughtIn":
        return {"stakeholder": step.person, "role": step.role, **people}
    if kind == "DemoScheduled":
        return {"scheduled_for": later}
    if kind == "VerbalCommitment":
        return {"stakeholder": step.person, "amount": float(step.pick % 3 * 10_000) or None}
    if kind == "Paused":
        resume_on = occurred.date() + timedelta(days=max(0, step.offset_hours // 24))
        return {"reason": "Budget freeze", "resume_on": resume_on if step.gained else None}
    if kind == "InteractionPlanned":
        return {
            "contact": step.person,
            "channel": "phone",
            "purpose": "Walk through the pilot",
            "interaction_id": f"call-{deal.version + 1}",  # the same in every run
            "planned_for": later if step.gained else None,
            **people,
        }
    if kind in ("InteractionRescheduled", "InteractionCancelled", "InteractionCompleted"):
        return follow_up(deal, step, later)
    if kind == "ClosedWon":
        return {"amount": 48_000.0 if step.gained else None}
    if kind == "ClosedLost":
        return {"reason": "timing"}
    if kind == "Reopened":
        return {"reason": "The customer came back"}
    if kind == "DetailsChanged":
        return details(step)
    return retraction(deal, step)


def follow_up(deal: Opportunity, step: Step, later: datetime) -> dict[str, Any]:
    """An open interaction mostly; now and then one that ended or never was."""
    plans = deal.deal.plans
    still_open = sorted(plans.open)
    others = [*sorted(plans.ended), "never-planned"]
    if still_open and step.pick % 5:
        wanted = still_open[step.pick % len(still_open)]
    else:
        wanted = others[step.pick % len(others)]
    if step.kind == "InteractionRescheduled":
        return {"interaction_id": wanted, "planned_for": later, "reason": "Dana is away"}
    if step.kind == "InteractionCancelled":
        return {"interaction_id": wanted, "reason": "The customer declined the call"}
    return {"interaction_id": wanted, "commitment_gained": step.gained}


def details(step: Step) -> dict[str, Any]:
    choices: list[dict[str, Any]] = [
        {"title": f"Warehouse pilot {step.pick % 4}"},
        {"amount": float(step.pick % 4 * 5_000)},
        {"expected_close": date(2025, 4, 1) + timedelta(days=step.pick % 90)},
        {"owner": ("jo", "lee")[step.pick % 2]},
    ]
    changed = choices[step.pick % len(choices)]
    # buying_departments named too, every other time (a change that leaves it out keeps it)
    if step.gained:
        changed["buying_departments"] = list(DEPARTMENTS[: 1 + step.pick % 3])
    return changed


def retraction(deal: Opportunity, step: Step) -> dict[str, Any]:
    """One of the events that still stand (not the opening); the domain may refuse it."""
    candidates = [r.version for r in standing(deal.history) if r.version > 1]
    version = candidates[step.pick % len(candidates)] if candidates else 1 + step.pick % 3
    return {"version": version, "reason": "Recorded by mistake"}


def record(deal: Opportunity, history: History) -> datetime:
    """Every step of `history` on `deal` (those the domain accepts); the clock at the end.
    The new state is read after every accepted event, as the writer presents it, and is
    then already the state of a fresh fold."""
    now = T0
    for step in history.steps:
        now += timedelta(hours=step.hours_later)
        opened_at = deal.deal.lifecycle.opened_at
        assert opened_at is not None
        occurred = max(opened_at, now - timedelta(hours=step.backdated_hours))
        try:
            fields = fields_of(deal, step, now, occurred)
            deal.record(step.kind, Stamp("bob", now, occurred), fields)
        except DomainError:
            continue
        assert deal.deal.describe(now, POLICY) == fold(deal.history).describe(now, POLICY)
    return now


def opened(history: History) -> Opportunity:
    fields = {
        "title": "Warehouse pilot",
        "account": "Acme",
        "buying_departments": list(history.buying_departments),
        "expected_close": date(2025, 6, 30),
    }
    when = T0 - timedelta(days=history.opened_days_ago)
    return Opportunity.open(Stamp("alice", T0, when), fields)


def build(history: History) -> tuple[Opportunity, datetime]:
    deal = opened(history)
    return deal, record(deal, history)


def without_version(state: OpportunityState) -> OpportunityState:
    return replace(state, version=0)


# --- (a) the state kept one event at a time is a fresh fold's ---------------------------------


@BOUNDED
@given(histories, waits)
def test_the_state_kept_one_event_at_a_time_is_the_state_of_a_fresh_fold(
    history: History, hours_after: list[int]
) -> None:
    deal, now = build(history)

    for hours in hours_after:
        at = now + timedelta(hours=hours)
        assert deal.deal.describe(at, POLICY) == fold(deal.history).describe(at, POLICY)


# --- (b) retracted events count as never recorded ---------------------------------------------


@BOUNDED
@given(histories, waits)
def test_the_state_is_that_of_the_history_without_the_retracted_events(
    history: History, hours_after: list[int]
) -> None:
    deal, now = build(history)
    kept = standing(deal.history)

    for hours in hours_after:
        at = now + timedelta(hours=hours)
        shown = deal.deal.describe(at, POLICY)
        assert shown.version == len(deal.history)
        assert without_version(shown) == without_version(fold(kept).describe(at, POLICY))


# --- (c) momentum from the kept summary is the definition --------------------------------------


@BOUNDED
@given(histories, waits)
def test_momentum_from_the_kept_summary_is_the_definition_over_the_standing_events(
    history: History, hours_after: list[int]
) -> None:
    deal, now = build(history)
    state = deal.deal

    for hours in hours_after:
        at = now + timedelta(hours=hours)
        expected = reading(deal.history, at, POLICY)
        assert_matches(state.describe(at, POLICY).momentum, expected)
        if not state.is_closed:
            assert_matches(evaluate(state.summary(POLICY), at, POLICY), expected)
