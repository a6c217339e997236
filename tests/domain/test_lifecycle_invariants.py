"""Lifecycle invariants (DESIGN section 2), specified given / when / then on the Opportunity
aggregate with a fixed clock passed through `Stamp`: open, paused, won, lost."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.application import COMMANDS
from domain.errors import (
    InteractionNotOpen,
    InvariantViolated,
    NotPaused,
    OpportunityClosed,
    OpportunityPaused,
)
from domain.lifecycle import fold
from domain.opportunity import Opportunity, Stamp

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # the clock when the deal is opened
LATER = T0 + timedelta(days=1)  # the clock when later events are recorded
OPENED = "OpportunityOpened"

DEFAULT_FIELDS: dict[str, dict[str, Any]] = {
    OPENED: {"title": "Warehouse pilot", "account": "Acme"},
    "MeetingGained": {"contact": "Dana Lee", "department": "IT"},
    "CustomerDataGathered": {"summary": "Runs 40 warehouses"},
    "StakeholderBoughtIn": {"stakeholder": "Dana Lee", "department": "IT", "role": "champion"},
    "DemoScheduled": {"scheduled_for": T0 + timedelta(days=14)},
    "VerbalCommitment": {"stakeholder": "Dana Lee"},
    "Paused": {"reason": "Budget freeze"},
    "Resumed": {},
    "InteractionPlanned": {
        "contact": "Dana Lee",
        "department": "IT",
        "channel": "video",
        "purpose": "Walk through the pilot",
        "interaction_id": "call-1",
    },
    "InteractionCompleted": {"interaction_id": "call-1", "commitment_gained": True},
    "ClosedWon": {},
    "ClosedLost": {"reason": "price"},
}
RECORDED_TYPES = tuple(t for t in DEFAULT_FIELDS if t != OPENED)
SMALL_WINS = (
    "MeetingGained",
    "CustomerDataGathered",
    "StakeholderBoughtIn",
    "DemoScheduled",
    "VerbalCommitment",
)
ALLOWED_WHILE_PAUSED = ("Resumed", "ClosedWon", "ClosedLost", "InteractionPlanned")
CLOSINGS = ("ClosedWon", "ClosedLost")

Command = Callable[[Opportunity], object]


def stamp(*, now: datetime = LATER, occurred_at: datetime | None = None) -> Stamp:
    return Stamp("bob", now, occurred_at)


def command(event_type: str, at: Stamp | None = None, **fields: Any) -> Command:
    data = {**DEFAULT_FIELDS[event_type], **fields}

    def run(deal: Opportunity) -> object:
        return COMMANDS[event_type](deal, at or stamp(), **data)

    return run


def given(*history: str | Command) -> Opportunity:
    deal = Opportunity.open(Stamp("alice", T0), **DEFAULT_FIELDS[OPENED])
    for step in history:
        (command(step) if isinstance(step, str) else step)(deal)
    deal.collect_events()
    return deal


def when(deal: Opportunity, event_type: str, **fields: Any) -> list[str]:
    """The types of the events the command records."""
    command(event_type, **fields)(deal)
    return [type(e).__name__ for e in deal.collect_events()]


def then_rejected(
    deal: Opportunity, event_type: str, error: type[Exception], **fields: Any
) -> InvariantViolated:
    """The command raises `error` (an invariant) and records nothing."""
    version = deal.version
    with pytest.raises(error) as caught:
        when(deal, event_type, **fields)
    assert isinstance(caught.value, InvariantViolated)
    assert deal.version == version
    assert deal.collect_events() == []
    return caught.value


# --- open --------------------------------------------------------------------------------


def test_a_new_deal_is_open() -> None:
    deal = given()

    assert deal.lifecycle.status == "open"
    assert deal.lifecycle.opened_at == T0
    assert deal.version == 1


@pytest.mark.parametrize("event_type", [t for t in RECORDED_TYPES if t != "Resumed"])
def test_an_open_deal_accepts_every_event_but_a_resumption(event_type: str) -> None:
    setup = ("InteractionPlanned",) if event_type == "InteractionCompleted" else ()
    deal = given(*setup)

    assert when(deal, event_type) == [event_type]


def test_small_wins_may_come_in_any_order() -> None:
    deal = given()

    for event_type in reversed(SMALL_WINS):
        assert when(deal, event_type) == [event_type]
    assert deal.lifecycle.status == "open"


# --- won and lost --------------------------------------------------------------------------


@pytest.mark.parametrize("event_type", RECORDED_TYPES)
@pytest.mark.parametrize("closing", CLOSINGS)
def test_a_closed_deal_accepts_nothing(closing: str, event_type: str) -> None:
    deal = given("InteractionPlanned", "Paused", "Resumed", closing)

    then_rejected(deal, event_type, OpportunityClosed)


@pytest.mark.parametrize("event_type", RECORDED_TYPES)
@pytest.mark.parametrize("closing", CLOSINGS)
def test_a_deal_closed_while_paused_accepts_nothing(closing: str, event_type: str) -> None:
    deal = given("InteractionPlanned", "Paused", closing)

    then_rejected(deal, event_type, OpportunityClosed)


@pytest.mark.parametrize(("closing", "status"), [("ClosedWon", "won"), ("ClosedLost", "lost")])
def test_closing_sets_the_status_and_the_close_time(closing: str, status: str) -> None:
    deal = given()

    when(deal, closing)

    assert deal.lifecycle.status == status
    assert deal.lifecycle.closed_at == LATER
    assert deal.lifecycle.is_closed


@pytest.mark.parametrize("closing", CLOSINGS)
def test_closing_a_paused_deal_ends_the_pause(closing: str) -> None:
    deal = given("Paused")

    assert when(deal, closing) == [closing]
    assert deal.lifecycle.paused is None


# --- paused --------------------------------------------------------------------------------


def test_pausing_an_open_deal_records_the_reason_and_since_when() -> None:
    deal = given()

    when(deal, "Paused", reason="Wants to wait until next quarter")

    assert deal.lifecycle.status == "paused"
    assert deal.lifecycle.paused is not None
    assert deal.lifecycle.paused.reason == "Wants to wait until next quarter"
    assert deal.lifecycle.paused.since == LATER
    assert deal.lifecycle.paused.version == 2


@pytest.mark.parametrize("event_type", ALLOWED_WHILE_PAUSED)
def test_a_paused_deal_accepts_a_resumption_a_close_or_a_planned_interaction(
    event_type: str,
) -> None:
    deal = given("Paused")

    assert when(deal, event_type) == [event_type]


def test_a_paused_deal_accepts_a_planned_interaction() -> None:
    deal = given("Paused")

    assert when(deal, "InteractionPlanned") == ["InteractionPlanned"]
    assert deal.lifecycle.status == "paused"
    assert [r.data["interaction_id"] for r in deal.lifecycle.open_interactions] == ["call-1"]


@pytest.mark.parametrize("event_type", SMALL_WINS)
def test_a_paused_deal_rejects_a_small_win(event_type: str) -> None:
    deal = given("Paused")

    then_rejected(deal, event_type, OpportunityPaused)


def test_a_paused_deal_rejects_completing_an_interaction() -> None:
    deal = given("InteractionPlanned", "Paused")

    then_rejected(deal, "InteractionCompleted", OpportunityPaused)
    assert len(deal.lifecycle.open_interactions) == 1


def test_a_paused_deal_cannot_be_paused_again() -> None:
    deal = given("Paused")

    then_rejected(deal, "Paused", InvariantViolated)
    assert deal.lifecycle.paused is not None
    assert deal.lifecycle.paused.version == 2


@pytest.mark.parametrize("closing", CLOSINGS)
def test_a_closed_deal_cannot_be_paused(closing: str) -> None:
    then_rejected(given(closing), "Paused", OpportunityClosed)


# --- resumed --------------------------------------------------------------------------------


def test_resuming_a_paused_deal_opens_it_again() -> None:
    deal = given("Paused")

    assert when(deal, "Resumed") == ["Resumed"]
    assert deal.lifecycle.status == "open"
    assert deal.lifecycle.paused is None


def test_an_open_deal_cannot_be_resumed() -> None:
    then_rejected(given(), "Resumed", NotPaused)


def test_a_resumed_deal_cannot_be_resumed_again() -> None:
    then_rejected(given("Paused", "Resumed"), "Resumed", NotPaused)


@pytest.mark.parametrize("closing", CLOSINGS)
def test_a_closed_deal_cannot_be_resumed(closing: str) -> None:
    then_rejected(given("Paused", closing), "Resumed", OpportunityClosed)


def test_a_resumed_deal_accepts_small_wins_and_may_be_paused_again() -> None:
    deal = given("Paused", "Resumed")

    assert when(deal, "MeetingGained") == ["MeetingGained"]
    assert when(deal, "Paused") == ["Paused"]
    assert deal.lifecycle.status == "paused"


# --- interactions -----------------------------------------------------------------------------


def test_completing_a_planned_interaction_closes_it() -> None:
    deal = given("InteractionPlanned")

    assert when(deal, "InteractionCompleted") == ["InteractionCompleted"]
    assert deal.lifecycle.open_interactions == ()
    assert deal.lifecycle.planned == frozenset({"call-1"})


def test_completing_an_interaction_that_was_never_planned_is_rejected() -> None:
    deal = given("InteractionPlanned")

    error = then_rejected(deal, "InteractionCompleted", InteractionNotOpen, interaction_id="call-9")
    assert "call-9" in str(error)


def test_completing_an_interaction_on_a_deal_without_any_is_rejected() -> None:
    then_rejected(given(), "InteractionCompleted", InteractionNotOpen)


def test_completing_an_interaction_twice_is_rejected() -> None:
    deal = given("InteractionPlanned", "InteractionCompleted")

    error = then_rejected(deal, "InteractionCompleted", InteractionNotOpen)
    assert "already completed" in str(error)


def test_only_the_completed_interaction_is_closed() -> None:
    deal = given(
        command("InteractionPlanned", interaction_id="call-1"),
        command("InteractionPlanned", interaction_id="call-2"),
    )

    when(deal, "InteractionCompleted", interaction_id="call-2")

    assert [r.data["interaction_id"] for r in deal.lifecycle.open_interactions] == ["call-1"]
    then_rejected(deal, "InteractionCompleted", InteractionNotOpen, interaction_id="call-2")


def test_an_interaction_planned_while_paused_can_be_completed_after_resuming() -> None:
    deal = given("Paused", "InteractionPlanned", "Resumed")

    assert when(deal, "InteractionCompleted") == ["InteractionCompleted"]


# --- replay ------------------------------------------------------------------------------------


def test_replaying_the_recorded_events_gives_the_same_lifecycle() -> None:
    deal = Opportunity.open(Stamp("alice", T0), **DEFAULT_FIELDS[OPENED])
    for event_type in ("InteractionPlanned", "MeetingGained", "Paused", "Resumed", "ClosedWon"):
        command(event_type)(deal)
    events = deal.collect_events()

    replayed: Opportunity | None = None
    for event in events:
        replayed = event.mutate(replayed)

    assert replayed is not None
    assert replayed.lifecycle == deal.lifecycle == fold(deal.history)
    assert replayed.history == deal.history
    assert replayed.lifecycle.status == "won"
