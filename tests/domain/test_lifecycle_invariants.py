"""Lifecycle invariants (DESIGN sections 2 and 11), specified given / when / then on the
Opportunity aggregate (`Opportunity.record`) with a fixed clock passed through `Stamp`: open,
paused, won, lost, reopened; interactions planned, rescheduled, cancelled and completed;
retractions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.errors import (
    InteractionNotOpen,
    InvalidValue,
    InvariantViolated,
    NotClosed,
    NotPaused,
    OpportunityClosed,
    OpportunityPaused,
    RetractionRefused,
)
from domain.lifecycle import Lifecycle
from domain.momentum import MomentumPolicy
from domain.opportunity import Opportunity, Stamp
from domain.state import fold

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # the clock when the deal is opened
LATER = T0 + timedelta(days=1)  # the clock when later events are recorded
OPENED = "OpportunityOpened"
POLICY = MomentumPolicy()

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
    "InteractionRescheduled": {"interaction_id": "call-1", "planned_for": T0 + timedelta(days=3)},
    "InteractionCancelled": {"interaction_id": "call-1", "reason": "Dana declined"},
    "DetailsChanged": {"title": "Warehouse rollout", "buying_departments": ["IT"]},
    "EventRetracted": {"version": 2, "reason": "Recorded on the wrong deal"},
    "Reopened": {"reason": "The customer came back"},
}
# The twelve event types of the first release, and the corrections (DESIGN section 11).
ORIGINAL_TYPES = (
    "MeetingGained",
    "CustomerDataGathered",
    "StakeholderBoughtIn",
    "DemoScheduled",
    "VerbalCommitment",
    "Paused",
    "Resumed",
    "InteractionPlanned",
    "InteractionCompleted",
    "ClosedWon",
    "ClosedLost",
)
RECORDED_TYPES = tuple(t for t in DEFAULT_FIELDS if t != OPENED)
FOLLOW_UPS = ("InteractionRescheduled", "InteractionCancelled", "InteractionCompleted")
SMALL_WINS = (
    "MeetingGained",
    "CustomerDataGathered",
    "StakeholderBoughtIn",
    "DemoScheduled",
    "VerbalCommitment",
)
ALLOWED_WHILE_PAUSED = (
    "Resumed",
    "ClosedWon",
    "ClosedLost",
    "InteractionPlanned",
    "InteractionRescheduled",
    "InteractionCancelled",
    "DetailsChanged",
    "EventRetracted",
)
ALLOWED_WHILE_CLOSED = ("Reopened", "EventRetracted")
CLOSINGS = ("ClosedWon", "ClosedLost")
# What a deal needs before it accepts the event, whatever its status.
NEEDS: dict[str, tuple[str, ...]] = {
    "InteractionCompleted": ("InteractionPlanned",),
    "InteractionRescheduled": ("InteractionPlanned",),
    "InteractionCancelled": ("InteractionPlanned",),
}

Command = Callable[[Opportunity], None]


def stamp(*, now: datetime = LATER, occurred_at: datetime | None = None) -> Stamp:
    return Stamp("bob", now, occurred_at)


def command(event_type: str, at: Stamp | None = None, **fields: Any) -> Command:
    data = {**DEFAULT_FIELDS[event_type], **fields}

    def run(deal: Opportunity) -> None:
        deal.record(event_type, at or stamp(), data)

    return run


def given(*history: str | Command) -> Opportunity:
    deal = Opportunity.open(Stamp("alice", T0), DEFAULT_FIELDS[OPENED])
    for step in history:
        (command(step) if isinstance(step, str) else step)(deal)
    deal.collect_events()
    return deal


def lifecycle(deal: Opportunity) -> Lifecycle:
    return deal.deal.lifecycle


def open_ids(deal: Opportunity) -> list[str]:
    return [i.interaction_id for i in deal.deal.plans.ordered()]


def when(deal: Opportunity, event_type: str, **fields: Any) -> list[str]:
    """The types of the events the command records."""
    command(event_type, **fields)(deal)
    return [type(e).__name__ for e in deal.collect_events()]


def then_rejected(
    deal: Opportunity, event_type: str, error: type[Exception], **fields: Any
) -> InvariantViolated:
    """The command raises `error` (an invariant) and records nothing."""
    version = deal.version
    shown = deal.deal.describe(LATER, POLICY)
    with pytest.raises(error) as caught:
        when(deal, event_type, **fields)
    assert isinstance(caught.value, InvariantViolated)
    assert deal.version == version
    assert deal.collect_events() == []
    assert deal.deal.describe(LATER, POLICY) == shown
    return caught.value


# --- open --------------------------------------------------------------------------------


def setup_for(event_type: str) -> tuple[str, ...]:
    """What an open deal needs to have recorded before it accepts `event_type`."""
    if event_type == "EventRetracted":
        return ("MeetingGained",)  # version 2, the one the retraction takes back
    return NEEDS.get(event_type, ())


def test_a_new_deal_is_open() -> None:
    deal = given()

    assert lifecycle(deal).status == "open"
    assert lifecycle(deal).opened_at == T0
    assert deal.version == 1


@pytest.mark.parametrize(
    "event_type", [t for t in RECORDED_TYPES if t not in ("Resumed", "Reopened")]
)
def test_an_open_deal_accepts_every_event_but_a_resumption_or_a_reopening(
    event_type: str,
) -> None:
    deal = given(*setup_for(event_type))

    assert when(deal, event_type) == [event_type]


def test_an_open_deal_cannot_be_reopened() -> None:
    then_rejected(given(), "Reopened", NotClosed)


def test_small_wins_may_come_in_any_order() -> None:
    deal = given()

    for event_type in reversed(SMALL_WINS):
        assert when(deal, event_type) == [event_type]
    assert lifecycle(deal).status == "open"


# --- won and lost --------------------------------------------------------------------------

REFUSED_WHILE_CLOSED = [t for t in RECORDED_TYPES if t not in ALLOWED_WHILE_CLOSED]


@pytest.mark.parametrize("event_type", REFUSED_WHILE_CLOSED)
@pytest.mark.parametrize("closing", CLOSINGS)
def test_a_closed_deal_accepts_nothing_but_a_reopening_or_a_retraction(
    closing: str, event_type: str
) -> None:
    deal = given("InteractionPlanned", "Paused", "Resumed", closing)

    then_rejected(deal, event_type, OpportunityClosed)


@pytest.mark.parametrize("event_type", REFUSED_WHILE_CLOSED)
@pytest.mark.parametrize("closing", CLOSINGS)
def test_a_deal_closed_while_paused_accepts_nothing_but_a_reopening_or_a_retraction(
    closing: str, event_type: str
) -> None:
    deal = given("InteractionPlanned", "Paused", closing)

    then_rejected(deal, event_type, OpportunityClosed)


@pytest.mark.parametrize("event_type", ALLOWED_WHILE_CLOSED)
@pytest.mark.parametrize("closing", CLOSINGS)
def test_a_closed_deal_accepts_a_reopening_and_a_retraction(closing: str, event_type: str) -> None:
    deal = given("MeetingGained", closing)  # the retraction takes back the meeting

    assert when(deal, event_type) == [event_type]


@pytest.mark.parametrize(("closing", "status"), [("ClosedWon", "won"), ("ClosedLost", "lost")])
def test_closing_sets_the_status_and_the_close_time(closing: str, status: str) -> None:
    deal = given()

    when(deal, closing)

    assert lifecycle(deal).status == status
    assert lifecycle(deal).closed_at == LATER
    assert lifecycle(deal).is_closed


@pytest.mark.parametrize("closing", CLOSINGS)
def test_closing_a_paused_deal_ends_the_pause(closing: str) -> None:
    deal = given("Paused")

    assert when(deal, closing) == [closing]
    assert lifecycle(deal).paused is None


# --- reopened --------------------------------------------------------------------------------


@pytest.mark.parametrize("closing", CLOSINGS)
def test_reopening_a_closed_deal_opens_it_again_without_a_close_time(closing: str) -> None:
    deal = given("MeetingGained", closing)

    assert when(deal, "Reopened") == ["Reopened"]
    assert lifecycle(deal).status == "open"
    assert lifecycle(deal).closed_at is None
    assert when(deal, "DemoScheduled") == ["DemoScheduled"]


def test_a_deal_closed_while_paused_is_reopened_open_not_paused() -> None:
    deal = given("Paused", "ClosedLost")

    when(deal, "Reopened")

    assert lifecycle(deal).status == "open"
    assert lifecycle(deal).paused is None


def test_a_reopened_deal_may_be_closed_again_at_a_new_close_time() -> None:
    deal = given("ClosedLost", "Reopened")
    again = LATER + timedelta(days=5)

    command("ClosedWon", stamp(now=again))(deal)

    assert (lifecycle(deal).status, lifecycle(deal).closed_at) == ("won", again)


def test_a_reopened_deal_cannot_be_reopened_again() -> None:
    then_rejected(given("ClosedWon", "Reopened"), "Reopened", NotClosed)


# --- paused --------------------------------------------------------------------------------


def test_pausing_an_open_deal_records_the_reason_and_since_when() -> None:
    deal = given()

    when(deal, "Paused", reason="Wants to wait until next quarter")

    paused = lifecycle(deal).paused
    assert lifecycle(deal).status == "paused"
    assert paused is not None
    assert paused.reason == "Wants to wait until next quarter"
    assert paused.since == LATER
    assert paused.version == 2


@pytest.mark.parametrize("event_type", ALLOWED_WHILE_PAUSED)
def test_a_paused_deal_accepts_a_resumption_a_close_the_plans_events_details_or_a_retraction(
    event_type: str,
) -> None:
    # the retraction takes back version 2: the pause itself
    deal = given(*NEEDS.get(event_type, ()), "Paused")

    assert when(deal, event_type) == [event_type]


def test_a_paused_deal_accepts_a_planned_interaction() -> None:
    deal = given("Paused")

    assert when(deal, "InteractionPlanned") == ["InteractionPlanned"]
    assert lifecycle(deal).status == "paused"
    assert open_ids(deal) == ["call-1"]


@pytest.mark.parametrize("event_type", SMALL_WINS)
def test_a_paused_deal_rejects_a_small_win(event_type: str) -> None:
    deal = given("Paused")

    then_rejected(deal, event_type, OpportunityPaused)


def test_a_paused_deal_rejects_completing_an_interaction() -> None:
    deal = given("InteractionPlanned", "Paused")

    then_rejected(deal, "InteractionCompleted", OpportunityPaused)
    assert open_ids(deal) == ["call-1"]


def test_a_paused_deal_cannot_be_reopened() -> None:
    then_rejected(given("Paused"), "Reopened", OpportunityPaused)


def test_a_paused_deal_cannot_be_paused_again() -> None:
    deal = given("Paused")

    then_rejected(deal, "Paused", InvariantViolated)
    paused = lifecycle(deal).paused
    assert paused is not None
    assert paused.version == 2


@pytest.mark.parametrize("closing", CLOSINGS)
def test_a_closed_deal_cannot_be_paused(closing: str) -> None:
    then_rejected(given(closing), "Paused", OpportunityClosed)


# --- resumed --------------------------------------------------------------------------------


def test_resuming_a_paused_deal_opens_it_again() -> None:
    deal = given("Paused")

    assert when(deal, "Resumed") == ["Resumed"]
    assert lifecycle(deal).status == "open"
    assert lifecycle(deal).paused is None


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
    assert lifecycle(deal).status == "paused"


# --- interactions -----------------------------------------------------------------------------


def test_completing_a_planned_interaction_closes_it() -> None:
    deal = given("InteractionPlanned")

    assert when(deal, "InteractionCompleted") == ["InteractionCompleted"]
    assert open_ids(deal) == []
    assert deal.deal.plans.state_of("call-1") == "completed"


def test_cancelling_a_planned_interaction_closes_it() -> None:
    deal = given("InteractionPlanned")

    assert when(deal, "InteractionCancelled") == ["InteractionCancelled"]
    assert open_ids(deal) == []
    assert deal.deal.plans.state_of("call-1") == "cancelled"


def test_rescheduling_a_planned_interaction_moves_it_and_keeps_it_open() -> None:
    deal = given("InteractionPlanned")
    moved_to = T0 + timedelta(days=9)

    assert when(deal, "InteractionRescheduled", planned_for=moved_to) == ["InteractionRescheduled"]
    [interaction] = deal.deal.plans.ordered()
    assert (interaction.interaction_id, interaction.planned_for) == ("call-1", moved_to)
    assert when(deal, "InteractionRescheduled", planned_for=moved_to + timedelta(days=1)) == [
        "InteractionRescheduled"
    ]


def test_a_reschedule_recorded_after_the_time_it_replaced_is_a_slip() -> None:
    deal = given(command("InteractionPlanned", planned_for=LATER + timedelta(hours=1)))

    command(
        "InteractionRescheduled",
        stamp(now=LATER + timedelta(days=1)),
        planned_for=LATER + timedelta(days=4),
    )(deal)
    command("InteractionRescheduled", planned_for=LATER + timedelta(days=5))(deal)

    [interaction] = deal.deal.plans.ordered()
    assert (interaction.slips, deal.deal.slips) == (1, 1)


def test_an_interaction_may_not_be_rescheduled_before_the_opening() -> None:
    deal = given("InteractionPlanned")

    with pytest.raises(InvalidValue) as caught:
        when(deal, "InteractionRescheduled", planned_for=T0 - timedelta(seconds=1))
    assert caught.value.field == "planned_for"


@pytest.mark.parametrize("follow_up", FOLLOW_UPS)
def test_following_up_an_interaction_that_was_never_planned_is_rejected(follow_up: str) -> None:
    deal = given("InteractionPlanned")

    error = then_rejected(deal, follow_up, InteractionNotOpen, interaction_id="call-9")
    assert "call-9" in str(error)


@pytest.mark.parametrize("follow_up", FOLLOW_UPS)
def test_following_up_an_interaction_on_a_deal_without_any_is_rejected(follow_up: str) -> None:
    then_rejected(given(), follow_up, InteractionNotOpen)


def test_completing_an_interaction_twice_is_rejected() -> None:
    deal = given("InteractionPlanned", "InteractionCompleted")

    error = then_rejected(deal, "InteractionCompleted", InteractionNotOpen)
    assert "already completed" in str(error)


@pytest.mark.parametrize("follow_up", FOLLOW_UPS)
@pytest.mark.parametrize(
    ("ending", "state"),
    [("InteractionCompleted", "completed"), ("InteractionCancelled", "cancelled")],
)
def test_an_interaction_that_ended_cannot_be_followed_up(
    ending: str, state: str, follow_up: str
) -> None:
    deal = given("InteractionPlanned", ending)

    error = then_rejected(deal, follow_up, InteractionNotOpen)
    assert f"already {state}" in str(error)


def test_only_the_completed_interaction_is_closed() -> None:
    deal = given(
        command("InteractionPlanned", interaction_id="call-1"),
        command("InteractionPlanned", interaction_id="call-2"),
    )

    when(deal, "InteractionCompleted", interaction_id="call-2")

    assert open_ids(deal) == ["call-1"]
    then_rejected(deal, "InteractionCompleted", InteractionNotOpen, interaction_id="call-2")


def test_an_interaction_planned_while_paused_can_be_completed_after_resuming() -> None:
    deal = given("Paused", "InteractionPlanned", "Resumed")

    assert when(deal, "InteractionCompleted") == ["InteractionCompleted"]


# --- retractions -------------------------------------------------------------------------------


def retract(version: int) -> Command:
    return command("EventRetracted", version=version)


def test_a_retracted_event_counts_as_if_it_had_never_been_recorded() -> None:
    deal = given("MeetingGained", "Paused")

    when(deal, "EventRetracted", version=3)

    assert lifecycle(deal).status == "open"
    assert lifecycle(deal).paused is None
    assert deal.deal.retracted == {3: 4}
    assert [r.type for r in deal.history][-2:] == ["Paused", "EventRetracted"]
    assert deal.version == 4


def test_a_retracted_close_leaves_the_deal_open() -> None:
    deal = given("ClosedWon")

    when(deal, "EventRetracted", version=2)

    assert (lifecycle(deal).status, lifecycle(deal).closed_at) == ("open", None)


@pytest.mark.parametrize(
    ("version", "field"),
    [(1, "version"), (3, "version"), (9, "version")],
    ids=["the-opening", "a-retraction", "no-such-version"],
)
def test_the_opening_a_retraction_or_a_missing_version_cannot_be_retracted(
    version: int, field: str
) -> None:
    deal = given("MeetingGained", retract(2))

    with pytest.raises(InvalidValue) as caught:
        when(deal, "EventRetracted", version=version)

    assert caught.value.field == field
    assert deal.version == 3


def test_an_event_cannot_be_retracted_twice() -> None:
    deal = given("MeetingGained", retract(2))

    error = then_rejected(deal, "EventRetracted", RetractionRefused, version=2)
    assert "already taken back" in str(error)


@pytest.mark.parametrize(
    ("history", "version"),
    [
        (("Paused", "Resumed"), 2),  # a Resumed would follow no pause
        (("InteractionPlanned", "InteractionCompleted"), 2),  # completes a never-planned one
        (("InteractionPlanned", "InteractionRescheduled"), 2),
        (("InteractionPlanned", "InteractionCancelled"), 2),
        (("Paused", "Resumed", "MeetingGained"), 3),  # a win while paused
        (("ClosedLost", "Reopened"), 2),  # an open deal reopened
        (("Paused", "ClosedWon", "Reopened", "Paused"), 4),  # paused twice
    ],
)
def test_an_event_a_later_one_depends_on_cannot_be_retracted(
    history: tuple[str, ...], version: int
) -> None:
    deal = given(*history)

    then_rejected(deal, "EventRetracted", RetractionRefused, version=version)


# --- replay ------------------------------------------------------------------------------------


def test_replaying_the_recorded_events_gives_the_same_state() -> None:
    deal = Opportunity.open(Stamp("alice", T0), DEFAULT_FIELDS[OPENED])
    for step in (
        "InteractionPlanned",
        "MeetingGained",
        "Paused",
        "InteractionRescheduled",
        "Resumed",
        "ClosedWon",
        "Reopened",
        retract(3),  # the meeting
        "DetailsChanged",
        "ClosedLost",
    ):
        (command(step) if isinstance(step, str) else step)(deal)
    events = deal.collect_events()

    replayed: Opportunity | None = None
    for event in events:
        replayed = event.mutate(replayed)

    assert replayed is not None
    assert replayed.history == deal.history
    now = LATER + timedelta(days=30)
    shown = deal.deal.describe(now, POLICY)
    assert replayed.deal.describe(now, POLICY) == shown == fold(deal.history).describe(now, POLICY)
    assert shown.status == "lost"
    assert shown.ladder.stage == "none"
