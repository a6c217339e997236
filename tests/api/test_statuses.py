"""Every status the API answers, each from a real request (DESIGN section 4), 2xx to 415
(422 is in test_statuses_422.py). After every 4xx the store holds exactly what it held
before: nothing was recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest


def events_path(opportunity_id: str) -> str:
    return f"/v1/opportunities/{opportunity_id}/events"


# --- 2xx -----------------------------------------------------------------------------


def test_opening_answers_201_with_location_etag_1_and_the_new_state(api: Any) -> None:
    response = api.client.post(
        "/v1/opportunities",
        json={"title": "Acme scheduling rollout", "account": "Acme Corp", "amount": 48000},
        headers=api.auth(),
    )

    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"/v1/opportunities/{body['id']}"
    assert response.headers["etag"] == '"1"'
    assert body["version"] == 1
    assert body["status"] == "open"
    assert body["amount"] == 48000
    assert body["owner"] == "editor-key"  # default: the caller
    assert (
        api.client.get(response.headers["location"], headers=api.auth("viewer")).status_code == 200
    )


def test_recording_an_event_answers_201_with_the_new_state_and_its_etag(
    api: Any, deal: str
) -> None:
    response = api.post_event(
        deal, {"type": "MeetingGained", "contact": "Dana", "department": "IT"}
    )

    assert response.status_code == 201
    assert response.headers["etag"] == '"2"'
    body = response.json()
    assert body["version"] == 2
    assert body["stage"] == "meeting"
    assert body["next_small_win"] == "customer_data"
    assert [e["type"] for e in api.history(deal)] == ["OpportunityOpened", "MeetingGained"]


def test_reading_an_opportunity_answers_200_with_its_state_and_etag(api: Any, deal: str) -> None:
    api.record(deal, "CustomerDataGathered", summary="Three plants, manual scheduling")

    response = api.client.get(f"/v1/opportunities/{deal}", headers=api.auth("viewer"))

    assert response.status_code == 200
    assert response.headers["etag"] == '"2"'
    assert response.json()["id"] == deal
    assert response.json()["stage"] == "customer_data"


# --- 400 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b"{", b'{"type": "MeetingGained", "contact": "Dana",', b"{'type': 'Resumed'}", b"\xff\xfe{}"],
    ids=["unclosed", "truncated", "single-quoted", "not-utf8"],
)
def test_malformed_json_is_400_and_records_nothing(api: Any, deal: str, raw: bytes) -> None:
    headers = api.auth(**{"Content-Type": "application/json"})
    with api.nothing_recorded(deal):
        api.problem(
            api.client.post(events_path(deal), content=raw, headers=headers),
            400,
            "malformed-request",
        )
        api.problem(
            api.client.post("/v1/opportunities", content=raw, headers=headers),
            400,
            "malformed-request",
        )


# --- 401 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer nonsense", "Bearer sw_0000000000000000_secret", "Basic c3c6c3c="],
    ids=["absent", "empty", "no-token", "garbage", "unknown-key", "basic-scheme"],
)
def test_a_missing_or_invalid_key_is_401_and_records_nothing(
    api: Any, deal: str, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    with api.nothing_recorded(deal):
        response = api.post_event(deal, {"type": "Resumed"}, headers=headers)
        api.problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"].startswith("Bearer")
        api.problem(
            api.client.get(f"/v1/opportunities/{deal}", headers=headers), 401, "unauthorized"
        )


def test_a_key_with_the_wrong_secret_is_401(api: Any, deal: str) -> None:
    token = api.token("admin")
    key_id = token.split("_")[1]
    forged = f"sw_{key_id}_{'x' * 43}"
    with api.nothing_recorded(deal):
        response = api.post_event(
            deal,
            {"type": "CustomerDataGathered", "summary": "x"},
            {"Authorization": f"Bearer {forged}"},
        )
        api.problem(response, 401, "unauthorized")


def test_revoking_a_key_takes_effect_on_the_very_next_request(api: Any, deal: str) -> None:
    key, token = api.app.state.services.keys.create("leaver", "editor")
    headers = {"Authorization": f"Bearer {token}"}
    body = {"type": "CustomerDataGathered", "summary": "Three plants"}
    assert api.post_event(deal, body, headers).status_code == 201

    assert api.app.state.services.keys.revoke(key.key_id) == 1

    with api.nothing_recorded(deal):
        api.problem(api.post_event(deal, body, headers), 401, "unauthorized")
        replayable = {**headers, "Idempotency-Key": "after-revocation"}
        api.problem(api.post_event(deal, body, replayable), 401, "unauthorized")
        api.problem(
            api.client.get(f"/v1/opportunities/{deal}", headers=headers), 401, "unauthorized"
        )


# --- 403 -----------------------------------------------------------------------------


def test_a_viewer_cannot_open_or_record_and_gets_403(api: Any, deal: str) -> None:
    viewer = api.auth("viewer")
    with api.nothing_recorded(deal):
        response = api.client.post(
            "/v1/opportunities", json={"title": "T", "account": "A"}, headers=viewer
        )
        api.problem(response, 403, "forbidden")
        api.problem(
            api.post_event(deal, {"type": "Paused", "reason": "x"}, viewer), 403, "forbidden"
        )


# --- 404 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "unknown", [str(uuid4()), "not-a-uuid", "12345"], ids=["uuid", "word", "number"]
)
def test_an_unknown_or_malformed_opportunity_id_is_404_and_records_nothing(
    api: Any, deal: str, unknown: str
) -> None:
    viewer = api.auth("viewer")
    with api.nothing_recorded(deal):
        api.problem(
            api.client.get(f"/v1/opportunities/{unknown}", headers=viewer), 404, "not-found"
        )
        history = api.client.get(f"/v1/opportunities/{unknown}/history", headers=viewer)
        api.problem(history, 404, "not-found")
        response = api.post_event(unknown, {"type": "CustomerDataGathered", "summary": "x"})
        api.problem(response, 404, "not-found")


# --- 409 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "close", [{"type": "ClosedWon"}, {"type": "ClosedLost", "reason": "price"}]
)
def test_nothing_can_be_recorded_on_a_closed_deal_409(
    api: Any, deal: str, close: dict[str, str]
) -> None:
    assert api.post_event(deal, close).status_code == 201
    attempts = [
        {"type": "MeetingGained", "contact": "Dana", "department": "IT"},
        {"type": "Resumed"},
        {"type": "ClosedWon"},
        {
            "type": "InteractionPlanned",
            "contact": "D",
            "department": "IT",
            "channel": "email",
            "purpose": "p",
        },
    ]
    with api.nothing_recorded(deal):
        for attempt in attempts:
            body = api.problem(api.post_event(deal, attempt), 409, "invariant-violated")
            assert body["detail"]


def test_while_paused_only_resume_close_and_planning_are_allowed_409(api: Any, deal: str) -> None:
    api.record(deal, "Paused", reason="Wants to wait until next quarter")
    refused = [
        {"type": "MeetingGained", "contact": "Dana", "department": "IT"},
        {"type": "CustomerDataGathered", "summary": "x"},
        {
            "type": "StakeholderBoughtIn",
            "stakeholder": "Sam",
            "department": "Finance",
            "role": "economic_buyer",
        },
        {"type": "Paused", "reason": "again"},
    ]
    with api.nothing_recorded(deal):
        for attempt in refused:
            api.problem(api.post_event(deal, attempt), 409, "invariant-violated")

    planned = api.record(
        deal,
        "InteractionPlanned",
        contact="Dana",
        department="IT",
        channel="phone",
        purpose="Check in",
    )
    assert planned["status"] == "paused"
    assert api.record(deal, "Resumed")["status"] == "open"


def test_resuming_an_open_deal_is_409(api: Any, deal: str) -> None:
    with api.nothing_recorded(deal):
        api.problem(api.post_event(deal, {"type": "Resumed"}), 409, "invariant-violated")


def test_completing_an_unknown_or_completed_interaction_is_409(api: Any, deal: str) -> None:
    planned = api.record(
        deal,
        "InteractionPlanned",
        contact="Dana",
        department="IT",
        channel="video",
        purpose="Pilot review",
        commitment_objective="Agree to a proposal meeting",
    )
    interaction_id = planned["open_interactions"][0]["interaction_id"]
    with api.nothing_recorded(deal):
        unknown = {
            "type": "InteractionCompleted",
            "interaction_id": str(uuid4()),
            "commitment_gained": True,
        }
        api.problem(api.post_event(deal, unknown), 409, "invariant-violated")

    completion = {
        "type": "InteractionCompleted",
        "interaction_id": interaction_id,
        "commitment_gained": False,
    }
    assert api.post_event(deal, completion).status_code == 201
    with api.nothing_recorded(deal):
        api.problem(api.post_event(deal, completion), 409, "invariant-violated")


# --- 412 -----------------------------------------------------------------------------


def test_a_stale_or_unparseable_if_match_is_412_and_a_current_one_is_accepted(
    api: Any, deal: str
) -> None:
    body = {"type": "CustomerDataGathered", "summary": "Three plants"}
    api.record(deal, "MeetingGained", contact="Dana", department="IT")  # now at version 2
    with api.nothing_recorded(deal):
        for stale in ('"1"', '"3"', "garbage", '"abc"'):
            api.problem(
                api.post_event(deal, body, api.auth(**{"If-Match": stale})),
                412,
                "precondition-failed",
            )

    accepted = api.post_event(deal, body, api.auth(**{"If-Match": '"2"'}))
    assert accepted.status_code == 201
    assert accepted.headers["etag"] == '"3"'


# --- 413 -----------------------------------------------------------------------------


def _oversized(limit: int) -> bytes:
    return json.dumps({"type": "CustomerDataGathered", "summary": "x" * limit}).encode()


def test_a_body_over_the_limit_is_413_and_records_nothing(api: Any, deal: str) -> None:
    limit = api.app.state.services.settings.max_body_bytes
    headers = api.auth(**{"Content-Type": "application/json"})
    with api.nothing_recorded(deal):
        response = api.client.post(events_path(deal), content=_oversized(limit), headers=headers)
        api.problem(response, 413, "payload-too-large")
        response = api.client.post("/v1/opportunities", content=_oversized(limit), headers=headers)
        api.problem(response, 413, "payload-too-large")


def test_a_lying_or_absent_content_length_does_not_get_a_large_body_past_the_limit(
    api: Any, deal: str
) -> None:
    limit = api.app.state.services.settings.max_body_bytes
    body = _oversized(limit)

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    with api.nothing_recorded(deal):
        lying = api.auth(**{"Content-Type": "application/json", "Content-Length": "64"})
        api.problem(
            api.client.post(events_path(deal), content=body, headers=lying),
            413,
            "payload-too-large",
        )
        chunked = api.auth(**{"Content-Type": "application/json"})
        response = api.client.post(events_path(deal), content=chunks(), headers=chunked)
        api.problem(response, 413, "payload-too-large")


def test_a_body_of_exactly_the_limit_is_accepted(api: Any, deal: str) -> None:
    limit = api.app.state.services.settings.max_body_bytes
    compact = json.dumps({"type": "CustomerDataGathered", "summary": "Three plants"}).encode()
    padded = compact[:-1] + b" " * (limit - len(compact)) + b"}"
    assert len(padded) == limit

    response = api.client.post(
        events_path(deal), content=padded, headers=api.auth(**{"Content-Type": "application/json"})
    )

    assert response.status_code == 201


# --- 415 -----------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_declared_json_is_415(
    api: Any, deal: str, content_type: str | None
) -> None:
    headers = api.auth() if content_type is None else api.auth(**{"Content-Type": content_type})
    raw = json.dumps({"type": "CustomerDataGathered", "summary": "x"}).encode()
    with api.nothing_recorded(deal):
        response = api.client.post(events_path(deal), content=raw, headers=headers)
        api.problem(response, 415, "unsupported-media-type")


def test_a_json_content_type_with_charset_is_accepted(api: Any, deal: str) -> None:
    raw = json.dumps({"type": "CustomerDataGathered", "summary": "x"}).encode()
    headers = api.auth(**{"Content-Type": "application/json; charset=utf-8"})
    assert api.client.post(events_path(deal), content=raw, headers=headers).status_code == 201
