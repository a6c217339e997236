"""Field rules of every event (DESIGN sections 2 and 11), specified given / when / then on the
Opportunity aggregate (`Opportunity.open` and `Opportunity.record`) with a fixed clock
passed through `Stamp`."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from domain.errors import InvalidValue
from domain.opportunity import Opportunity, Stamp
from domain.rules import CHANNELS, LOSS_REASONS, MEETING_KINDS, ROLES, SOURCES

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
    "InteractionRescheduled": {"interaction_id": "call-1", "planned_for": T0 + timedelta(days=3)},
    "InteractionCancelled": {"interaction_id": "call-1", "reason": "Dana declined"},
    # buying_departments too: see the DetailsChanged tests for a change that leaves it out
    "DetailsChanged": {"title": "Warehouse rollout", "buying_departments": ["IT"]},
    "EventRetracted": {"version": 2, "reason": "Recorded on the wrong deal"},
    "Reopened": {"reason": "The customer came back"},
}
# What a deal needs before it accepts the event (besides being open).
PRECONDITIONS: dict[str, tuple[str, ...]] = {
    "Resumed": ("Paused",),
    "InteractionCompleted": ("InteractionPlanned",),
    "InteractionRescheduled": ("InteractionPlanned",),
    "InteractionCancelled": ("InteractionPlanned",),
    "EventRetracted": ("MeetingGained",),  # version 2
    "Reopened": ("ClosedLost",),
}
RECORDED_TYPES = tuple(t for t in DEFAULT_FIELDS if t != OPENED)

Command = Callable[[Opportunity], None]


def stamp(
    *, now: datetime = LATER, occurred_at: datetime | None = None, note: str | None = None
) -> Stamp:
    return Stamp("bob", now, occurred_at, note)


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


def when(deal: Opportunity, event_type: str, at: Stamp | None = None, **fields: Any) -> Any:
    """The one event the command records."""
    command(event_type, at, **fields)(deal)
    [event] = deal.collect_events()
    assert type(event).__name__ == event_type
    return event


def recorded(event_type: str, at: Stamp | None = None, **fields: Any) -> Any:
    """The event recorded by `event_type`'s command on a deal that accepts it."""
    if event_type == OPENED:
        opening = at or Stamp("alice", T0)
        deal = Opportunity.open(opening, {**DEFAULT_FIELDS[OPENED], **fields})
        [event] = deal.collect_events()
        return event
    return when(given(*PRECONDITIONS.get(event_type, ())), event_type, at, **fields)


def rejected(event_type: str, at: Stamp | None = None, **fields: Any) -> InvalidValue:
    with pytest.raises(InvalidValue) as caught:
        recorded(event_type, at, **fields)
    return caught.value


# --- required strings: trimmed, empty rejected naming the field ---------------------------

REQUIRED_TEXT = [
    (OPENED, "title"),
    (OPENED, "account"),
    (OPENED, "owner"),
    ("MeetingGained", "contact"),
    ("MeetingGained", "department"),
    ("CustomerDataGathered", "summary"),
    ("StakeholderBoughtIn", "stakeholder"),
    ("StakeholderBoughtIn", "department"),
    ("VerbalCommitment", "stakeholder"),
    ("Paused", "reason"),
    ("InteractionPlanned", "contact"),
    ("InteractionPlanned", "department"),
    ("InteractionPlanned", "purpose"),
    ("InteractionCancelled", "reason"),
    ("EventRetracted", "reason"),
    ("Reopened", "reason"),
]
OPTIONAL_TEXT = [
    (OPENED, "referred_by"),
    (OPENED, "referrer_account"),
    (OPENED, "external_id"),
    ("StakeholderBoughtIn", "title"),
    ("InteractionPlanned", "commitment_objective"),
    ("InteractionCompleted", "outcome"),
    ("InteractionRescheduled", "reason"),
]


@pytest.mark.parametrize(("event_type", "field"), REQUIRED_TEXT)
def test_required_strings_are_recorded_trimmed(event_type: str, field: str) -> None:
    event = recorded(event_type, **{field: "  Dana Lee \n"})

    assert getattr(event, field) == "Dana Lee"


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
@pytest.mark.parametrize(("event_type", "field"), REQUIRED_TEXT)
def test_an_empty_required_string_is_rejected_naming_the_field(
    event_type: str, field: str, blank: str
) -> None:
    error = rejected(event_type, **{field: blank})

    assert error.field == field


@pytest.mark.parametrize(("event_type", "field"), [r for r in REQUIRED_TEXT if r[1] != "owner"])
def test_a_missing_required_string_is_rejected_naming_the_field(
    event_type: str, field: str
) -> None:
    error = rejected(event_type, **{field: None})

    assert error.field == field


@pytest.mark.parametrize(("event_type", "field"), OPTIONAL_TEXT)
def test_optional_strings_are_trimmed_and_blank_means_absent(event_type: str, field: str) -> None:
    assert getattr(recorded(event_type, **{field: " Pat Smith  "}), field) == "Pat Smith"
    assert getattr(recorded(event_type, **{field: "   "}), field) is None
    assert getattr(recorded(event_type), field) is None


@pytest.mark.parametrize(("event_type", "field"), REQUIRED_TEXT + OPTIONAL_TEXT)
def test_a_string_that_is_not_text_is_rejected_naming_the_field(
    event_type: str, field: str
) -> None:
    assert rejected(event_type, **{field: 42}).field == field


def test_a_completed_interaction_is_matched_by_its_trimmed_id() -> None:
    deal = given("InteractionPlanned")

    event = when(deal, "InteractionCompleted", interaction_id="  call-1 ")

    assert event.interaction_id == "call-1"


def test_a_blank_interaction_id_is_rejected_naming_the_field() -> None:
    assert rejected("InteractionCompleted", interaction_id="  ").field == "interaction_id"


# --- enums -----------------------------------------------------------------------------

ENUMS = [
    (OPENED, "source", SOURCES, "other"),
    ("MeetingGained", "kind", MEETING_KINDS, "initial"),
    ("StakeholderBoughtIn", "role", ROLES, None),
    ("InteractionPlanned", "channel", CHANNELS, None),
    ("ClosedLost", "reason", LOSS_REASONS, None),
]
ENUM_VALUES = [(t, f, v) for t, f, options, _ in ENUMS for v in options]


def test_the_enums_are_the_ones_the_design_names() -> None:
    assert SOURCES == ("inbound", "outbound", "referral", "repeat", "other")
    assert MEETING_KINDS == ("initial", "needs_analysis", "proposal", "decision_makers", "other")
    assert set(ROLES) == {
        "decision_maker",
        "economic_buyer",
        "champion",
        "influencer",
        "technical_evaluator",
        "user",
        "other",
    }
    assert CHANNELS == ("email", "phone", "meeting", "video", "other")
    assert LOSS_REASONS == ("no_fit", "price", "competitor", "no_decision", "timing", "other")


@pytest.mark.parametrize(("event_type", "field", "value"), ENUM_VALUES)
def test_every_value_of_an_enum_is_accepted(event_type: str, field: str, value: str) -> None:
    assert getattr(recorded(event_type, **{field: f" {value} "}), field) == value


@pytest.mark.parametrize("value", ["unknown", "Champion", "CHAMPION", "decision maker", "1"])
@pytest.mark.parametrize(("event_type", "field"), [(t, f) for t, f, _, _ in ENUMS])
def test_a_value_outside_an_enum_is_rejected_naming_the_field(
    event_type: str, field: str, value: str
) -> None:
    assert rejected(event_type, **{field: value}).field == field


@pytest.mark.parametrize(
    ("event_type", "field", "default"), [(t, f, d) for t, f, _, d in ENUMS if d is not None]
)
def test_an_absent_enum_with_a_default_takes_the_default(
    event_type: str, field: str, default: str
) -> None:
    assert getattr(recorded(event_type, **{field: None}), field) == default
    assert getattr(recorded(event_type, **{field: " "}), field) == default


@pytest.mark.parametrize(("event_type", "field"), [(t, f) for t, f, _, d in ENUMS if d is None])
def test_an_absent_enum_without_a_default_is_rejected_naming_the_field(
    event_type: str, field: str
) -> None:
    assert rejected(event_type, **{field: None}).field == field
    assert rejected(event_type, **{field: ""}).field == field


# --- amounts -----------------------------------------------------------------------------

AMOUNTS = [
    (OPENED, "amount"),
    ("VerbalCommitment", "amount"),
    ("ClosedWon", "amount"),
    ("DetailsChanged", "amount"),
]


@pytest.mark.parametrize(("event_type", "field"), AMOUNTS)
@pytest.mark.parametrize(("given_amount", "kept"), [(0, 0.0), (48000, 48000.0), (12.5, 12.5)])
def test_an_amount_of_zero_or_more_is_recorded_as_a_number(
    event_type: str, field: str, given_amount: float, kept: float
) -> None:
    value = getattr(recorded(event_type, **{field: given_amount}), field)

    assert value == kept
    assert isinstance(value, float)


@pytest.mark.parametrize(("event_type", "field"), AMOUNTS)
def test_an_amount_is_optional(event_type: str, field: str) -> None:
    assert getattr(recorded(event_type), field) is None


@pytest.mark.parametrize(
    "bad",
    [-0.01, -1, math.nan, math.inf, -math.inf, 10**400, True, "100", [100]],
    ids=["negative", "negative-int", "nan", "inf", "minus-inf", "too-big", "bool", "str", "list"],
)
@pytest.mark.parametrize(("event_type", "field"), AMOUNTS)
def test_an_amount_that_is_negative_or_not_a_finite_number_is_rejected(
    event_type: str, field: str, bad: object
) -> None:
    assert rejected(event_type, **{field: bad}).field == field


# --- the opening ---------------------------------------------------------------------------


def test_the_owner_defaults_to_the_caller() -> None:
    opened = recorded(OPENED, Stamp("  alice  ", T0))

    assert opened.owner == "alice"
    assert opened.recorded_by == "alice"


def test_an_explicit_owner_is_kept() -> None:
    assert recorded(OPENED, owner="carol").owner == "carol"


def test_the_currency_defaults_to_usd() -> None:
    assert recorded(OPENED).currency == "USD"
    assert recorded(OPENED, currency="  ").currency == "USD"


@pytest.mark.parametrize(("given_code", "kept"), [("eur", "EUR"), (" gbp ", "GBP"), ("JPY", "JPY")])
def test_the_currency_is_an_iso_4217_code_upper_cased(given_code: str, kept: str) -> None:
    assert recorded(OPENED, currency=given_code).currency == kept


@pytest.mark.parametrize("bad", ["XYZ", "EURO", "US", "€", "us dollar", "12"])
def test_a_currency_that_is_not_an_iso_4217_code_is_rejected(bad: str) -> None:
    assert rejected(OPENED, currency=bad).field == "currency"


def test_the_source_is_recorded_with_who_referred_the_deal() -> None:
    opened = recorded(OPENED, source="referral", referred_by=" Jo Park ")

    assert (opened.source, opened.referred_by) == ("referral", "Jo Park")


def test_buying_departments_are_optional() -> None:
    assert recorded(OPENED).buying_departments == []


def test_buying_departments_are_tidied_and_repeats_dropped_keeping_the_first_spelling() -> None:
    opened = recorded(
        OPENED, buying_departments=[" Human  Resources ", "IT", "human resources", "it  "]
    )

    assert opened.buying_departments == ["Human Resources", "IT"]


def test_an_empty_buying_department_is_rejected_naming_its_position() -> None:
    error = rejected(OPENED, buying_departments=["IT", "  "])

    assert error.field == "buying_departments.1"


# --- the other events' own fields --------------------------------------------------------


def test_a_demo_may_be_scheduled_for_a_date_far_in_the_future() -> None:
    far = LATER + timedelta(days=120)

    assert recorded("DemoScheduled", scheduled_for=far).scheduled_for == far


def test_a_demo_scheduled_without_an_offset_is_rejected() -> None:
    error = rejected("DemoScheduled", scheduled_for=datetime(2025, 3, 20, 10, 0))

    assert error.field == "scheduled_for"


def test_demo_attendees_are_optional_tidied_and_distinct() -> None:
    assert recorded("DemoScheduled").attendees == []
    event = recorded("DemoScheduled", attendees=[" Dana  Lee", "Sam", "dana lee"])

    assert event.attendees == ["Dana Lee", "Sam"]


def test_a_pause_may_name_the_day_to_resume_on() -> None:
    assert recorded("Paused").resume_on is None
    assert recorded("Paused", resume_on=date(2025, 7, 1)).resume_on == date(2025, 7, 1)


def test_a_pause_may_resume_on_its_own_day_but_not_before() -> None:
    assert recorded("Paused", resume_on=LATER.date()).resume_on == LATER.date()
    assert rejected("Paused", resume_on=LATER.date() - timedelta(days=1)).field == "resume_on"


def test_resume_on_is_compared_with_the_day_the_pause_occurred() -> None:
    backdated = stamp(occurred_at=T0)  # recorded on day 1, paused on day 0

    assert recorded("Paused", backdated, resume_on=T0.date()).resume_on == T0.date()
    error = rejected("Paused", backdated, resume_on=T0.date() - timedelta(days=1))
    assert error.field == "resume_on"


def test_a_resumption_carries_only_the_common_fields() -> None:
    event = recorded("Resumed", stamp(note="back on"))

    assert (event.recorded_by, event.note, event.occurred_at) == ("bob", "back on", LATER)


def test_the_server_assigns_each_planned_interaction_a_new_id() -> None:
    deal = given()
    fields = {"contact": "Dana", "department": "IT", "channel": "email", "purpose": "Intro"}
    deal.record("InteractionPlanned", stamp(), fields)
    deal.record("InteractionPlanned", stamp(), fields)

    first, second = (e.interaction_id for e in deal.collect_events())
    assert first
    assert second
    assert first != second
    assert list(deal.deal.plans.open) == [first, second]


def test_a_planned_interaction_records_its_commitment_objective() -> None:
    event = recorded("InteractionPlanned", commitment_objective=" Agree to a proposal meeting ")

    assert event.commitment_objective == "Agree to a proposal meeting"


@pytest.mark.parametrize("gained", [True, False])
def test_a_completed_interaction_records_whether_the_commitment_was_gained(gained: bool) -> None:
    assert recorded("InteractionCompleted", commitment_gained=gained).commitment_gained is gained


@pytest.mark.parametrize("bad", ["yes", 1, 0, None])
def test_commitment_gained_must_be_true_or_false(bad: object) -> None:
    assert rejected("InteractionCompleted", commitment_gained=bad).field == "commitment_gained"


def test_a_change_of_details_must_change_at_least_one_detail() -> None:
    assert rejected("DetailsChanged", title=None, buying_departments=None).field == (
        "DetailsChanged"
    )


def test_a_change_of_details_to_the_value_it_already_has_is_rejected_naming_it() -> None:
    assert rejected("DetailsChanged", title=" Warehouse pilot ").field == "title"


def test_a_change_of_details_needs_only_the_detail_it_changes() -> None:
    deal = given()

    event = when(deal, "DetailsChanged", buying_departments=None)

    assert event.title == "Warehouse rollout"
    assert deal.deal.profile["title"] == "Warehouse rollout"


def test_a_change_of_details_leaves_the_details_it_does_not_name_as_they_were() -> None:
    deal = Opportunity.open(
        Stamp("alice", T0), {**DEFAULT_FIELDS[OPENED], "buying_departments": ["IT", "Finance"]}
    )

    deal.record("DetailsChanged", stamp(), {"title": "Warehouse rollout"})

    assert deal.deal.profile["title"] == "Warehouse rollout"
    assert deal.deal.profile["buying_departments"] == ["IT", "Finance"]


def test_a_stakeholder_longer_than_a_name_is_rejected() -> None:
    assert rejected("StakeholderBoughtIn", stakeholder="x" * 201).field == "stakeholder"


# --- the common fields of every event ------------------------------------------------------

EVERY_TYPE = (OPENED, *RECORDED_TYPES)


def clock_for(event_type: str) -> datetime:
    """The clock at which `recorded` records `event_type`."""
    return T0 if event_type == OPENED else LATER


def stamp_for(
    event_type: str, occurred_at: datetime | None = None, note: str | None = None
) -> Stamp:
    who = "alice" if event_type == OPENED else "bob"
    return Stamp(who, clock_for(event_type), occurred_at, note)


@pytest.mark.parametrize("event_type", EVERY_TYPE)
def test_occurred_at_defaults_to_now_and_the_server_stamps_who_and_when(event_type: str) -> None:
    event = recorded(event_type, stamp_for(event_type))

    assert event.occurred_at == clock_for(event_type)
    assert event.timestamp == clock_for(event_type)  # recorded_at
    assert event.recorded_by == ("alice" if event_type == OPENED else "bob")


@pytest.mark.parametrize("event_type", EVERY_TYPE)
def test_occurred_at_may_be_up_to_five_minutes_in_the_future(event_type: str) -> None:
    ahead = clock_for(event_type) + timedelta(minutes=5)

    assert recorded(event_type, stamp_for(event_type, ahead)).occurred_at == ahead


@pytest.mark.parametrize("event_type", EVERY_TYPE)
def test_occurred_at_more_than_five_minutes_in_the_future_is_rejected(event_type: str) -> None:
    ahead = clock_for(event_type) + timedelta(minutes=5, seconds=1)

    assert rejected(event_type, stamp_for(event_type, ahead)).field == "occurred_at"


@pytest.mark.parametrize("event_type", EVERY_TYPE)
def test_occurred_at_without_a_utc_offset_is_rejected(event_type: str) -> None:
    naive = clock_for(event_type).replace(tzinfo=None)

    assert rejected(event_type, stamp_for(event_type, naive)).field == "occurred_at"


@pytest.mark.parametrize("event_type", EVERY_TYPE)
def test_occurred_at_with_any_utc_offset_is_accepted_as_the_same_instant(event_type: str) -> None:
    berlin = (clock_for(event_type) - timedelta(hours=1)).astimezone(timezone(timedelta(hours=2)))

    event = recorded(event_type, stamp_for(event_type, berlin))

    assert event.occurred_at == clock_for(event_type) - timedelta(hours=1)


@pytest.mark.parametrize("event_type", EVERY_TYPE)
def test_a_backdated_occurred_at_is_kept(event_type: str) -> None:
    backdated = T0 - timedelta(days=30) if event_type == OPENED else T0 + timedelta(hours=1)

    assert recorded(event_type, stamp_for(event_type, backdated)).occurred_at == backdated


@pytest.mark.parametrize("event_type", RECORDED_TYPES)
def test_occurred_at_before_the_opening_is_rejected(event_type: str) -> None:
    before_opening = T0 - timedelta(seconds=1)

    assert rejected(event_type, stamp(occurred_at=before_opening)).field == "occurred_at"


def test_occurred_at_at_the_very_moment_of_opening_is_accepted() -> None:
    assert recorded("MeetingGained", stamp(occurred_at=T0)).occurred_at == T0


def test_a_default_occurred_at_never_falls_before_a_future_dated_opening() -> None:
    opened_at = T0 + timedelta(minutes=4)
    deal = Opportunity.open(Stamp("alice", T0, opened_at), DEFAULT_FIELDS[OPENED])

    deal.record(
        "MeetingGained",
        Stamp("bob", T0 + timedelta(minutes=1)),
        {"contact": "Dana", "department": "IT"},
    )

    assert deal.history[-1].occurred_at == opened_at


@pytest.mark.parametrize("event_type", EVERY_TYPE)
def test_a_note_of_up_to_2000_characters_is_recorded_trimmed(event_type: str) -> None:
    note = "n" * 2000

    assert recorded(event_type, stamp_for(event_type, note=f"  {note} ")).note == note
    assert recorded(event_type, stamp_for(event_type, note="   ")).note is None
    assert recorded(event_type, stamp_for(event_type)).note is None


@pytest.mark.parametrize("event_type", EVERY_TYPE)
def test_a_note_longer_than_2000_characters_is_rejected(event_type: str) -> None:
    assert rejected(event_type, stamp_for(event_type, note="n" * 2001)).field == "note"


@pytest.mark.parametrize("event_type", EVERY_TYPE)
def test_an_event_without_a_recorder_is_rejected(event_type: str) -> None:
    anonymous = Stamp("  ", clock_for(event_type))

    assert rejected(event_type, anonymous).field == "recorded_by"


@pytest.mark.parametrize("event_type", RECORDED_TYPES)
def test_a_rejected_event_records_nothing(event_type: str) -> None:
    deal = given(*PRECONDITIONS.get(event_type, ()))
    version = deal.version

    with pytest.raises(InvalidValue):
        when(deal, event_type, stamp(note="n" * 2001))

    assert deal.version == version
    assert deal.collect_events() == []
