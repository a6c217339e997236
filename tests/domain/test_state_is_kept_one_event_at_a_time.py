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

from hypothesis import given, note, settings
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
OPEN_KINDS = (
    *("MeetingGained", "CustomerDataGathered", "StakeholderBoughtIn") * 2,
    *("DemoScheduled", "VerbalCommitment", "InteractionPlanned", "Paused") * 2,
    "ClosedWon",
    "ClosedLost",
    "DetailsChanged",
    "EventRetracted",
)
PAUSED_KINDS = (
    *("Resumed",) * 3,
    "InteractionPlanned",
    "ClosedWon",
    "ClosedLost",
    "DetailsChanged",
    "EventRetracted",
)
CLOSED_KINDS = ("Reopened", "Reopened", "EventRetracted")
FOLLOW_UPS = (
    "InteractionRescheduled",
    "InteractionCancelled",
    *("InteractionCompleted",) * 2,
)


@dataclass(frozen=True)
class Step:
    """What to draw an event's fields from, and when it is recorded (hours after the event
    before) and occurred (hours before the clock, never before the opening)."""

    hours_later: int
    backdated_hours: int
    pick: int  # chooses the interaction, the event taken back, the detail changed
    person: str
    department: str
    role: str
    gained: bool
    offset_hours: int  # planned_for (from the clock) or resume_on (days from the pause)
    kind: str = ""


steps = st.builds(
    Step,
    hours_later=st.one_of(st.just(0), st.integers(0, 6), st.integers(0, 12 * 24)),
    backdated_hours=st.one_of(st.just(0), st.just(0), st.integers(0, 40 * 24)),
    pick=st.integers(0, 1000),
    person=st.sampled_from(PEOPLE),
    department=st.sampled_from(DEPARTMENTS),
    role=st.sampled_from(ROLES),
    gained=st.booleans(),
    offset_hours=st.integers(-72, 30 * 24),
)
waits = st.lists(st.integers(0, 60 * 24), min_size=1, max_size=4).map(sorted)


def kinds_for(deal: Opportunity) -> tuple[str, ...]:
    """The event types the deal's status admits (their own rules may still refuse them)."""
    state = deal.deal
    status = state.lifecycle.status
    if state.is_closed:
        return CLOSED_KINDS
    kinds = OPEN_KINDS if status == "open" else PAUSED_KINDS
    if state.plans.open:
        follow_ups = FOLLOW_UPS if status == "open" else FOLLOW_UPS[:2]
        kinds = (*kinds, *follow_ups * 2)
    return kinds


@dataclass
class Built:
    """A deal, the clock after its last recording, and its state as read (at the clock)
    after each event it accepted, as the writer presents it."""

    deal: Opportunity
    now: datetime
    presented: list[tuple[datetime, OpportunityState]]

    def __repr__(self) -> str:
        lines = [f"clock {since_t0(self.now)}"]
        lines += [
            f"  v{r.version} {r.type} occurred {since_t0(r.occurred_at)}"
            f" recorded {since_t0(r.recorded_at)} {dict(r.data)}"
            for r in self.deal.history
        ]
        return "\n".join(lines)


def since_t0(moment: datetime) -> str:
    return f"T0+{moment - T0}" if moment >= T0 else f"T0-{T0 - moment}"


@st.composite
def deals(draw: st.DrawFn) -> Built:
    """A deal opened (perhaps backdated) and a random valid history recorded on it."""
    buying = draw(st.lists(st.sampled_from(DEPARTMENTS), max_size=2, unique=True))
    opened_days_ago = draw(st.one_of(st.just(0), st.integers(0, 60)))
    fields = {
        "title": "Warehouse pilot",
        "account": "Acme",
        "buying_departments": buying,
        "expected_close": date(2025, 6, 30),
    }
    deal = Opportunity.open(Stamp("alice", T0, T0 - timedelta(days=opened_days_ago)), fields)
    built = Built(deal, T0, [])
    for _ in range(draw(st.integers(0, 40))):
        step = replace(draw(steps), kind=draw(st.sampled_from(kinds_for(deal))))
        built.now += timedelta(hours=step.hours_later)
        if attempt(deal, step, built.now):
            built.presented.append((built.now, deal.deal.describe(built.now, POLICY)))
    return built


def fields_of(deal: Opportunity, step: Step, now: datetime, occurred: datetime) -> dict[str, Any]:
    """The fields of `step`'s event on `deal`, drawn to be valid where they can be."""
    kind = step.kind
    opened_at = deal.deal.lifecycle.opened_at
    assert opened_at is not None
    later = max(opened_at, now + timedelta(hours=step.offset_hours))
    if kind in FOLLOW_UPS:
        return follow_up(deal, step, later)
    if kind == "DetailsChanged":
        return details(step)
    if kind == "EventRetracted":
        return retraction(deal, step)
    resume_on = occurred.date() + timedelta(days=max(0, step.offset_hours // 24))
    person, department = step.person, step.department
    simple: dict[str, dict[str, Any]] = {
        "MeetingGained": {"contact": person, "department": department},
        "CustomerDataGathered": {"summary": "Runs 40 warehouses"},
        "StakeholderBoughtIn": {"stakeholder": person, "department": department, "role": step.role},
        "DemoScheduled": {"scheduled_for": later},
        "VerbalCommitment": {
            "stakeholder": person,
            "amount": float(step.pick % 3 * 10_000) or None,
        },
        "Paused": {"reason": "Budget freeze", "resume_on": resume_on if step.gained else None},
        "Resumed": {},
        "InteractionPlanned": {
            "contact": person,
            "department": department,
            "channel": "phone",
            "purpose": "Walk through the pilot",
            "interaction_id": f"call-{deal.version + 1}",  # the same in every run
            "planned_for": later if step.gained else None,
        },
        "ClosedWon": {"amount": 48_000.0 if step.gained else None},
        "ClosedLost": {"reason": "timing"},
        "Reopened": {"reason": "The customer came back"},
    }
    return simple[kind]


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
    """Mostly one of the events that still stand (not the opening), which the domain may
    refuse (a later event depends on it); now and then any version, refused unless it is
    one of those."""
    candidates = [r.version for r in standing(deal.history) if r.version > 1]
    if candidates and step.pick % 8:
        version = candidates[step.pick % len(candidates)]
    else:
        version = 1 + step.pick % (len(deal.history) + 1)
    return {"version": version, "reason": "Recorded by mistake"}


def attempt(deal: Opportunity, step: Step, now: datetime) -> bool:
    """Record `step` on `deal` at `now`; False when the domain refuses it."""
    opened_at = deal.deal.lifecycle.opened_at
    assert opened_at is not None
    occurred = max(opened_at, now - timedelta(hours=step.backdated_hours))
    try:
        deal.record(step.kind, Stamp("bob", now, occurred), fields_of(deal, step, now, occurred))
    except DomainError:
        return False
    return True


def without_version(state: OpportunityState) -> OpportunityState:
    return replace(state, version=0)


# --- (a) the state kept one event at a time is a fresh fold's ---------------------------------


@BOUNDED
@given(deals(), waits)
def test_the_state_kept_one_event_at_a_time_is_the_state_of_a_fresh_fold(
    built: Built, hours_after: list[int]
) -> None:
    deal, now = built.deal, built.now
    note(repr(built))

    for at, shown in built.presented:  # after each event, as it was recorded
        assert shown == fold(deal.history[: shown.version]).describe(at, POLICY)
    for hours in hours_after:
        at = now + timedelta(hours=hours)
        assert deal.deal.describe(at, POLICY) == fold(deal.history).describe(at, POLICY)


# --- (b) retracted events count as never recorded ---------------------------------------------


@BOUNDED
@given(deals(), waits)
def test_the_state_is_that_of_the_history_without_the_retracted_events(
    built: Built, hours_after: list[int]
) -> None:
    deal, now = built.deal, built.now
    note(repr(built))
    kept = standing(deal.history)

    for hours in hours_after:
        at = now + timedelta(hours=hours)
        shown = deal.deal.describe(at, POLICY)
        assert shown.version == len(deal.history)
        assert without_version(shown) == without_version(fold(kept).describe(at, POLICY))


# --- (c) momentum from the kept summary is the definition --------------------------------------


@BOUNDED
@given(deals(), waits)
def test_momentum_from_the_kept_summary_is_the_definition_over_the_standing_events(
    built: Built, hours_after: list[int]
) -> None:
    deal, now = built.deal, built.now
    note(repr(built))
    state = deal.deal

    for hours in hours_after:
        at = now + timedelta(hours=hours)
        expected = reading(deal.history, at, POLICY)
        assert_matches(state.describe(at, POLICY).momentum, expected)
        if not state.is_closed:
            assert_matches(evaluate(state.summary(POLICY), at, POLICY), expected)
