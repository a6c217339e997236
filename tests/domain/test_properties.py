"""Properties of the derived values (DESIGN section 3) over random histories.

A history is a list of steps, each an event recorded through `Opportunity.record` some
hours after the one before, some of them backdated (never before the opening); events the
lifecycle rejects (a win while paused, resuming an open deal, completing an interaction
that is not open, anything but a reopening after the close) are skipped, as a user's
rejected request would be. Momentum is checked against `momentum_reference`, a naive
computation over the whole history written from DESIGN's definition."""

from __future__ import annotations

import contextlib
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from domain.errors import InvariantViolated
from domain.ladder import ladder
from domain.lifecycle import PAUSED_STATUS
from domain.momentum import MomentumPolicy
from domain.names import name_key, tidy
from domain.opportunity import Opportunity, Stamp
from domain.records import EventRecord
from domain.relationships import relationships
from domain.rules import ROLES
from domain.state import describe
from tests.domain.momentum_reference import assert_matches, reading

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
CLOSING = ("won", "lost", "reopen")


@dataclass(frozen=True)
class Step:
    kind: str
    hours_later: int
    backdated_hours: int  # how long before the clock it occurred (0: when recorded)
    person: str
    department: str
    role: str
    gained: bool


def histories(*, closing: bool) -> st.SearchStrategy[list[Step]]:
    step = st.builds(
        Step,
        kind=st.sampled_from(WORKING + CLOSING if closing else WORKING),
        hours_later=st.integers(0, 20 * 24),
        backdated_hours=st.one_of(st.just(0), st.integers(0, 30 * 24)),
        person=st.sampled_from(PEOPLE),
        department=st.sampled_from(DEPARTMENTS),
        role=st.sampled_from(ROLES),
        gained=st.booleans(),
    )
    return st.lists(step, max_size=25)


def fields_of(deal: Opportunity, step: Step, now: datetime) -> tuple[str, dict[str, Any]]:
    """The event type and fields `step` records on `deal`."""
    kind = step.kind
    if kind == "meeting":
        return "MeetingGained", {"contact": step.person, "department": step.department}
    if kind == "customer_data":
        return "CustomerDataGathered", {"summary": "Runs 40 warehouses"}
    if kind == "buy_in":
        return "StakeholderBoughtIn", {
            "stakeholder": step.person,
            "department": step.department,
            "role": step.role,
        }
    if kind == "demo":
        return "DemoScheduled", {"scheduled_for": now + timedelta(days=7)}
    if kind == "verbal":
        return "VerbalCommitment", {"stakeholder": step.person}
    if kind == "pause":
        return "Paused", {"reason": "Budget freeze"}
    if kind == "resume":
        return "Resumed", {}
    if kind == "plan":
        return "InteractionPlanned", {
            "contact": step.person,
            "department": step.department,
            "channel": "phone",
            "purpose": "Ask",
            "interaction_id": f"call-{deal.version + 1}",  # the same in every run
        }
    if kind == "complete":
        still_open = deal.deal.plans.ordered()
        wanted = still_open[0].interaction_id if still_open else "never-planned"
        return "InteractionCompleted", {"interaction_id": wanted, "commitment_gained": step.gained}
    if kind == "won":
        return "ClosedWon", {}
    if kind == "lost":
        return "ClosedLost", {"reason": "timing"}
    return "Reopened", {"reason": "The customer came back"}


def apply(deal: Opportunity, step: Step, now: datetime) -> None:
    """Record `step` on `deal` at `now`; a step the lifecycle rejects is skipped."""
    opened_at = deal.deal.lifecycle.opened_at
    assert opened_at is not None
    occurred = max(opened_at, now - timedelta(hours=step.backdated_hours))
    event_type, fields = fields_of(deal, step, now)
    with contextlib.suppress(InvariantViolated):
        deal.record(event_type, Stamp("bob", now, occurred), fields)


def run(steps: list[Step]) -> tuple[Opportunity, datetime]:
    """The deal after the history, and the clock after its last step."""
    now = T0
    deal = Opportunity.open(Stamp("alice", now), {"title": "Warehouse pilot", "account": "Acme"})
    for step in steps:
        now += timedelta(hours=step.hours_later)
        apply(deal, step, now)
    return deal, now


def status(deal: Opportunity) -> str:
    return deal.deal.lifecycle.status


def record(deal: Opportunity, event_type: str, at: datetime, **fields: Any) -> None:
    deal.record(event_type, Stamp("bob", at), fields)


def rung(records: list[EventRecord]) -> int:
    point = ladder(records).resume_point
    return point.rung if point else 0


def raw_score(records: list[EventRecord], at: datetime) -> float:
    """The unrounded momentum at `at`, by the definition (the domain's, rounded, is
    `describe(...).momentum.score`)."""
    return reading(records, at, POLICY).score


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
    if status(deal) == PAUSED_STATUS:
        record(deal, "Resumed", now)
    before = ladder(deal.history).resume_point
    paused_at = now + timedelta(hours=pause_after)
    record(deal, "Paused", paused_at, reason="Next quarter")
    record(deal, "Resumed", paused_at + timedelta(hours=resume_after))
    history = deal.history

    assert ladder(history).resume_point == before
    assert deal.deal.ladder().resume_point == before
    for n, event in enumerate(history):
        if event.type in ("Paused", "Resumed"):
            assert ladder(history[: n + 1]).resume_point == ladder(history[:n]).resume_point


# --- momentum -------------------------------------------------------------------------------


@BOUNDED
@given(histories(closing=True), st.lists(hours, min_size=1, max_size=4))
def test_momentum_is_the_definition_at_every_reading_instant(
    steps: list[Step], waits: list[int]
) -> None:
    deal, now = run(steps)
    history = deal.history
    note(
        "\n".join(
            f"v{r.version} {r.type} {r.occurred_at} (recorded {r.recorded_at})" for r in history
        )
    )

    for wait in sorted(waits):
        at = now + timedelta(hours=wait)
        expected = reading(history, at, POLICY)
        assert_matches(describe(history, at, POLICY).momentum, expected)
        assert_matches(deal.deal.describe(at, POLICY).momentum, expected)


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
    assert score(history, later) <= score(history, sooner)


@BOUNDED
@given(histories(closing=False), hours, st.integers(1, 90 * 24), hours)
def test_time_spent_paused_does_not_decay_momentum(
    steps: list[Step], pause_after: int, paused_for: int, then: int
) -> None:
    deal, now = run(steps)
    if status(deal) == PAUSED_STATUS:
        record(deal, "Resumed", now)
    paused_at = now + timedelta(hours=pause_after)
    resumed_at = paused_at + timedelta(hours=paused_for)
    without_pause = list(deal.history)
    record(deal, "Paused", paused_at, reason="Next quarter")

    still_paused = list(deal.history)
    assert_same_momentum(still_paused, resumed_at, still_paused, paused_at)

    record(deal, "Resumed", resumed_at)
    after_resuming = resumed_at + timedelta(hours=then)
    same_active_time = paused_at + timedelta(hours=then)
    assert_same_momentum(deal.history, after_resuming, without_pause, same_active_time)


def score(records: list[EventRecord], at: datetime) -> float:
    momentum = describe(records, at, POLICY).momentum
    assert momentum is not None
    return momentum.score


def assert_same_momentum(
    records: list[EventRecord], at: datetime, other: list[EventRecord], other_at: datetime
) -> None:
    """The same score (unrounded, and as reported to 3 decimals) and active days since the
    last win (to one decimal)."""
    assert raw_score(records, at) == pytest.approx(raw_score(other, other_at))
    reported = describe(records, at, POLICY).momentum
    expected = describe(other, other_at, POLICY).momentum
    assert reported is not None
    assert expected is not None
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
    record(
        deal, "StakeholderBoughtIn", now, stakeholder=first, department=first_department, role=role
    )
    record(
        deal,
        "StakeholderBoughtIn",
        now,
        stakeholder=second,
        department=second_department,
        role=other,
    )

    rels = relationships(deal.history)

    assert rels.single_threaded is True
    assert {name_key(s) for d in rels.departments for s in d.stakeholders} == {name_key(first)}
    assert ladder(deal.history).stage == "none"
