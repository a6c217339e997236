"""422: every invalid request names the offending field in `errors[].loc` / `field`, and
records nothing (DESIGN sections 2 and 4)."""

from __future__ import annotations

from typing import Any

import pytest

# --- 422 -----------------------------------------------------------------------------

MEETING = {"type": "MeetingGained", "contact": "Dana", "department": "IT"}

EVENT_CASES: list[tuple[str, dict[str, Any], list[str | int]]] = [
    ("missing-field", {"type": "MeetingGained", "contact": "Dana"}, ["body", "department"]),
    (
        "naive-occurred-at",
        {**MEETING, "occurred_at": "2026-03-02T09:00:00"},
        ["body", "occurred_at"],
    ),
    ("unknown-type", {"type": "ContractSigned", "contact": "Dana"}, ["body", "type"]),
    ("missing-type", {"contact": "Dana", "department": "IT"}, ["body", "type"]),
    ("extra-field", {**MEETING, "mood": "great"}, ["body", "mood"]),
    (
        "opening-as-event",
        {"type": "OpportunityOpened", "title": "T", "account": "A"},
        ["body", "type"],
    ),
    (
        "negative-amount",
        {"type": "VerbalCommitment", "stakeholder": "Sam", "amount": -1},
        ["body", "amount"],
    ),
    ("amount-as-string", {"type": "ClosedWon", "amount": "48000"}, ["body", "amount"]),
    ("blank-required", {**MEETING, "contact": "   "}, ["body", "contact"]),
    (
        "bad-enum",
        {
            "type": "StakeholderBoughtIn",
            "stakeholder": "Sam",
            "department": "Finance",
            "role": "boss",
        },
        ["body", "role"],
    ),
    (
        "bool-as-string",
        {"type": "InteractionCompleted", "interaction_id": "x", "commitment_gained": "yes"},
        ["body", "commitment_gained"],
    ),
    (
        "bad-date",
        {"type": "Paused", "reason": "later", "resume_on": "next quarter"},
        ["body", "resume_on"],
    ),
    ("note-too-long", {**MEETING, "note": "n" * 2001}, ["body", "note"]),
]


def assert_field_error(api: Any, response: Any, loc: list[str | int]) -> None:
    body = api.problem(response, 422, "validation-error")
    assert body["detail"]
    locs = [error["loc"] for error in body["errors"]]
    assert loc in locs, locs
    for error in body["errors"]:
        assert error["field"] == ".".join(str(part) for part in error["loc"][1:])
        assert error["message"]


@pytest.mark.parametrize(
    ("body", "loc"), [c[1:] for c in EVENT_CASES], ids=[c[0] for c in EVENT_CASES]
)
def test_an_invalid_event_is_422_naming_the_field(
    api: Any, deal: str, body: dict[str, Any], loc: list[str | int]
) -> None:
    with api.nothing_recorded(deal):
        assert_field_error(api, api.post_event(deal, body), loc)


def test_occurred_at_more_than_five_minutes_ahead_is_422(api: Any, deal: str, clock: Any) -> None:
    with api.nothing_recorded(deal):
        assert_field_error(
            api,
            api.post_event(deal, {**MEETING, "occurred_at": clock.iso(minutes=6)}),
            ["body", "occurred_at"],
        )
    assert api.post_event(deal, {**MEETING, "occurred_at": clock.iso(minutes=4)}).status_code == 201


def test_occurred_at_before_the_opening_is_422(api: Any, deal: str, clock: Any) -> None:
    with api.nothing_recorded(deal):
        assert_field_error(
            api,
            api.post_event(deal, {**MEETING, "occurred_at": clock.iso(seconds=-1)}),
            ["body", "occurred_at"],
        )


OPEN_CASES: list[tuple[str, dict[str, Any], list[str | int]]] = [
    ("missing-title", {"account": "Acme Corp"}, ["body", "title"]),
    ("blank-account", {"title": "T", "account": " "}, ["body", "account"]),
    ("negative-amount", {"title": "T", "account": "A", "amount": -5}, ["body", "amount"]),
    ("unknown-currency", {"title": "T", "account": "A", "currency": "ZZZ"}, ["body", "currency"]),
    ("short-currency", {"title": "T", "account": "A", "currency": "US"}, ["body", "currency"]),
    ("bad-source", {"title": "T", "account": "A", "source": "cold"}, ["body", "source"]),
    (
        "blank-department",
        {"title": "T", "account": "A", "buying_departments": ["IT", " "]},
        ["body", "buying_departments", 1],
    ),
    ("extra-field", {"title": "T", "account": "A", "id": "x"}, ["body", "id"]),
    (
        "naive-occurred-at",
        {"title": "T", "account": "A", "occurred_at": "2026-03-02T09:00:00"},
        ["body", "occurred_at"],
    ),
]


@pytest.mark.parametrize(
    ("body", "loc"), [c[1:] for c in OPEN_CASES], ids=[c[0] for c in OPEN_CASES]
)
def test_an_invalid_opening_is_422_naming_the_field(
    api: Any, deal: str, body: dict[str, Any], loc: list[str | int]
) -> None:
    with api.nothing_recorded():
        assert_field_error(
            api, api.client.post("/v1/opportunities", json=body, headers=api.auth()), loc
        )


def test_a_json_body_that_is_not_an_object_is_422(api: Any, deal: str) -> None:
    with api.nothing_recorded(deal):
        for body in ([MEETING], "MeetingGained", 42, None):
            response = api.client.post(
                f"/v1/opportunities/{deal}/events", json=body, headers=api.auth()
            )
            api.problem(response, 422, "validation-error")
