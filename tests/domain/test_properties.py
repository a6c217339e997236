"""Properties of the derived values (DESIGN section 3) over random histories.

A history is a list of steps, each a command of the aggregate recorded some hours after the
one before; commands the lifecycle rejects (a win while paused, resuming an open deal,
completing an interaction that is not open, anything after the close) are skipped, as a
user's rejected request would be."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.active_time import pause_intervals
from domain.errors import InvariantViolated
from domain.ladder import ladder
from domain.lifecycle import PAUSED_STATUS, fold
from domain.momentum import MomentumPolicy, momentum_inputs, score_at
from domain.names import name_key, tidy
from domain.opportunity import Opportunity, Stamp
from domain.records import EventRecord
from domain.relationships import relationships
from domain.rules import ROLES
from domain.state import describe

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
POLICY = MomentumPolicy()
BOUNDED = settings(max_examples=100, deadline=None)

PEOPLE = ("Dana Lee", "Sam Ortiz", "Kim Park")
DEPARTMENTS = ("IT", "Finance", "Legal")
WORKING = (
    "meeting",
    "customer_data",
    "buy_in",
    "demo",
    "verbal",
    "pause",
    "resume",
    "plan",
    "complete",
)
CLOSING = ("won", "lost")


@dataclass(frozen=True)
class Step:
    kind: str
    hours_later: int
    person: str
    department: str
    role: str
    gained: bool


def histories(*, closing: bool) -> st.SearchStrategy[list[Step]]:
    step = st.builds(
        Step,
        kind=st.sampled_from(WORKING + CLOSING if closing else WORKING),
        hours_later=st.integers(0, 20 * 24),
        person=st.sampled_from(PEOPLE),
        department=st.sampled_from(DEPARTMENTS),
        role=st.sampled_from(ROLES),
        gained=st.booleans(),
    )
    return st.lists(step, max_size=25)


def apply(deal: Opportunity, step: Step, at: Stamp) -> None:
    """Record `step` on `deal`; a step the lifecycle rejects is skipped."""
    kind = step.kind
    try:
        if kind == "meeting":
            deal.gain_meeting(at, contact=step.person, department=step.department)
        elif kind == "customer_data":
            deal.gather_customer_data(at, summary="Runs 40 warehouses")
        elif kind == "buy_in":
            deal.record_buy_in(
                at, stakeholder=step.person, department=step.department, role=step.role
            )
        elif kind == "demo":
            deal.schedule_demo(at, scheduled_for=at.now + timedelta(days=7))
        elif kind == "verbal":
            deal.commit_verbally(at, stakeholder=step.person)
        elif kind == "pause":
            deal.pause(at, reason="Budget freeze")
        elif kind == "resume":
            deal.resume(at)
        elif kind == "plan":
            deal.plan_interaction(
                at, contact=step.person, department=step.department, channel="phone", purpose="Ask"
            )
        elif kind == "complete":
            still_open = deal.lifecycle.open_interactions
            wanted = still_open[0].data["interaction_id"] if still_open else "never-planned"
            deal.complete_interaction(at, interaction_id=wanted, commitment_gained=step.gained)
        elif kind == "won":
            deal.close_won(at)
        else:
            deal.close_lost(at, reason="timing")
    except InvariantViolated:
        pass


def run(steps: list[Step]) -> tuple[Opportunity, datetime]:
    """The deal after the history, and the clock after its last step."""
    now = T0
    deal = Opportunity.open(Stamp("alice", now), title="Warehouse pilot", account="Acme")
    for step in steps:
        now += timedelta(hours=step.hours_later)
        apply(deal, step, Stamp("bob", now))
    return deal, now


def rung(records: list[EventRecord]) -> int:
    point = ladder(records).resume_point
    return point.rung if point else 0


def raw_score(records: list[EventRecord], at: datetime) -> float:
    """The unrounded momentum at `at` (the rounded one is `describe(...).momentum.score`)."""
    inputs = momentum_inputs(records, fold(records))
    paused = pause_intervals(inputs.finished_pauses, inputs.paused_since, at)
    return score_at(inputs.wins, at, paused, POLICY.half_life_days)


hours = st.integers(0, 60 * 24)


# --- the ladder ---------------------------------------------------------------------------


@BOUNDED
@given(histories(closing=True))
def test_the_stage_never_goes_down_as_events_are_appended(steps: list[Step]) -> None:
    history = run(steps)[0].history

    reached = [rung(history[:n]) for n in range(1, len(history) + 1)]

    assert reached == sorted(reached)


@BOUNDED
@given(histories(closing=False), hours, hours)
def test_pausing_and_resuming_never_lower_the_resume_point(
    steps: list[Step], pause_after: int, resume_after: int
) -> None:
    deal, now = run(steps)
    if deal.lifecycle.status == PAUSED_STATUS:
        deal.resume(Stamp("bob", now))
    before = ladder(deal.history).resume_point
    paused_at = now + timedelta(hours=pause_after)
    deal.pause(Stamp("bob", paused_at), reason="Next quarter")
    deal.resume(Stamp("bob", paused_at + timedelta(hours=resume_after)))
    history = deal.history

    assert ladder(history).resume_point == before
    for n, record in enumerate(history):
        if record.type in ("Paused", "Resumed"):
            assert ladder(history[: n + 1]).resume_point == ladder(history[:n]).resume_point


# --- momentum -------------------------------------------------------------------------------


@BOUNDED
@given(histories(closing=True), hours, hours)
def test_without_a_new_win_momentum_never_rises_as_time_passes(
    steps: list[Step], wait: int, wait_more: int
) -> None:
    deal, now = run(steps)
    history = deal.history
    sooner = now + timedelta(hours=wait)
    later = sooner + timedelta(hours=wait_more)

    assert raw_score(history, later) <= raw_score(history, sooner)
    assert (
        describe(history, later, POLICY).momentum.score
        <= describe(history, sooner, POLICY).momentum.score
    )


@BOUNDED
@given(histories(closing=False), hours, st.integers(1, 90 * 24), hours)
def test_time_spent_paused_does_not_decay_momentum(
    steps: list[Step], pause_after: int, paused_for: int, then: int
) -> None:
    deal, now = run(steps)
    if deal.lifecycle.status == PAUSED_STATUS:
        deal.resume(Stamp("bob", now))
    paused_at = now + timedelta(hours=pause_after)
    resumed_at = paused_at + timedelta(hours=paused_for)
    without_pause = list(deal.history)
    deal.pause(Stamp("bob", paused_at), reason="Next quarter")

    still_paused = list(deal.history)
    assert_same_momentum(still_paused, resumed_at, still_paused, paused_at)

    deal.resume(Stamp("bob", resumed_at))
    after_resuming = resumed_at + timedelta(hours=then)
    same_active_time = paused_at + timedelta(hours=then)
    assert_same_momentum(deal.history, after_resuming, without_pause, same_active_time)


def assert_same_momentum(
    records: list[EventRecord], at: datetime, other: list[EventRecord], other_at: datetime
) -> None:
    """The same score (unrounded, and as reported to 3 decimals) and active days since the
    last win (to one decimal)."""
    assert raw_score(records, at) == pytest.approx(raw_score(other, other_at))
    reported = describe(records, at, POLICY).momentum
    expected = describe(other, other_at, POLICY).momentum
    assert reported.score == pytest.approx(expected.score, abs=0.0011)
    assert reported.days_since_last_win == pytest.approx(expected.days_since_last_win, abs=0.11)


# --- names ------------------------------------------------------------------------------------


@BOUNDED
@given(st.text(max_size=40))
def test_normalising_a_name_twice_changes_nothing(name: str) -> None:
    shown, key = tidy(name), name_key(name)

    assert tidy(shown) == shown
    assert name_key(key) == key
    assert name_key(shown) == key
    assert shown == shown.strip()
    assert "  " not in shown


LETTERS = string.ascii_letters + "éÉüÜøØñÑß"
words = st.lists(st.text(LETTERS, min_size=1, max_size=10), min_size=1, max_size=3)
spaces = st.text(" \t", min_size=1, max_size=3)


@st.composite
def spelling_of(draw: st.DrawFn, name_words: list[str]) -> str:
    """The same name with each letter's case and the spaces around and between words varied."""
    recased = [
        "".join(c.swapcase() if draw(st.booleans()) else c for c in word) for word in name_words
    ]
    gaps = [draw(spaces) for _ in recased[1:]]
    inner = recased[0] + "".join(gap + word for gap, word in zip(gaps, recased[1:], strict=True))
    return draw(st.sampled_from(["", " ", "  "])) + inner + draw(st.sampled_from(["", "\t", " "]))


@st.composite
def two_spellings(draw: st.DrawFn) -> tuple[str, str]:
    name_words = draw(words)
    return " ".join(name_words), draw(spelling_of(name_words))


@BOUNDED
@given(
    two_spellings(),
    st.sampled_from(DEPARTMENTS),
    st.sampled_from(DEPARTMENTS),
    st.sampled_from(ROLES),
    st.sampled_from(ROLES),
)
def test_two_spellings_of_one_stakeholder_leave_a_deal_single_threaded(
    names: tuple[str, str], first_department: str, second_department: str, role: str, other: str
) -> None:
    first, second = names
    deal, now = run([])
    deal.record_buy_in(Stamp("bob", now), stakeholder=first, department=first_department, role=role)
    deal.record_buy_in(
        Stamp("bob", now), stakeholder=second, department=second_department, role=other
    )

    rels = relationships(deal.history)

    assert rels.single_threaded is True
    assert {name_key(s) for d in rels.departments for s in d.stakeholders} == {name_key(first)}
    assert ladder(deal.history).stage == "none"
