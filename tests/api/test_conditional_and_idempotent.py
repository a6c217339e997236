"""Safe retries and safe concurrency (DESIGN section 4, "Writes and reads").

- `Idempotency-Key`: the same key and body replays the first response and records nothing;
  the same key with another body is 422; keys belong to one API key; they survive a restart.
- `If-Match`: of many writers holding the same version exactly one wins, the rest get 412.
- Unconditional writers racing on one opportunity never lose an event."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest

WRITERS = 8
OPENING = {"title": "Acme scheduling rollout", "account": "Acme Corp", "amount": 48000}


def in_parallel(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` on `count` threads released together; their results, in order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except BaseException as error:  # noqa: BLE001 (re-raised in the test thread below)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


# --- Idempotency-Key --------------------------------------------------------------------


def test_repeating_an_opening_with_the_same_key_replays_the_first_answer_and_opens_nothing(
    api: Any,
) -> None:
    headers = api.auth(**{"Idempotency-Key": "open-acme-1"})
    first = api.client.post("/v1/opportunities", json=OPENING, headers=headers)
    recorded = api.feed()

    again = api.client.post("/v1/opportunities", json=OPENING, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert api.feed() == recorded
    assert len(recorded) == 1


def test_repeating_an_event_with_the_same_key_and_same_json_records_it_once(api: Any) -> None:
    deal = api.open()["id"]
    path = f"/v1/opportunities/{deal}/events"
    headers = api.auth(**{"Idempotency-Key": "meeting-dana", "Content-Type": "application/json"})
    body = {"type": "MeetingGained", "contact": "Dana", "department": "IT"}

    first = api.client.post(path, content=json.dumps(body).encode(), headers=headers)
    # The same JSON, formatted differently and with its keys in another order.
    reformatted = json.dumps(dict(reversed(list(body.items()))), indent=2).encode()
    again = api.client.post(path, content=reformatted, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert [item["type"] for item in api.history(deal)] == ["OpportunityOpened", "MeetingGained"]


def test_the_same_key_with_another_body_or_path_is_422_and_records_nothing(api: Any) -> None:
    deal, other = api.open()["id"], api.open()["id"]
    headers = api.auth(**{"Idempotency-Key": "data-1"})
    body = {"type": "CustomerDataGathered", "summary": "Three plants"}
    assert api.post_event(deal, body, headers).status_code == 201
    recorded = api.feed()

    changed = api.post_event(deal, {**body, "summary": "Four plants"}, headers)
    elsewhere = api.post_event(other, body, headers)

    for response in (changed, elsewhere):
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "/problems/idempotency-key-reused"
    assert api.feed() == recorded


def test_idempotency_keys_belong_to_one_api_key(api: Any) -> None:
    jo = {"Authorization": f"Bearer {api.token('editor', name='jo')}", "Idempotency-Key": "shared"}
    kim = {
        "Authorization": f"Bearer {api.token('editor', name='kim')}",
        "Idempotency-Key": "shared",
    }

    first = api.client.post("/v1/opportunities", json=OPENING, headers=jo)
    second = api.client.post("/v1/opportunities", json=OPENING, headers=kim)

    assert first.status_code == second.status_code == 201
    assert "idempotent-replayed" not in second.headers
    assert first.json()["id"] != second.json()["id"]
    assert (first.json()["owner"], second.json()["owner"]) == ("jo", "kim")
    assert len(api.feed()) == 2


def test_a_replay_still_works_after_the_service_restarts(make_api: Callable[..., Any]) -> None:
    before_restart = make_api()
    headers = before_restart.auth(**{"Idempotency-Key": "survives-restart"})
    first = before_restart.client.post("/v1/opportunities", json=OPENING, headers=headers)
    assert first.status_code == 201

    after_restart = make_api()  # a new app, a new process as far as it knows; same database
    again = after_restart.client.post("/v1/opportunities", json=OPENING, headers=headers)

    assert again.status_code == 201
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert len(after_restart.feed()) == 1


def test_concurrent_repeats_of_one_keyed_request_record_it_once(api: Any) -> None:
    deal = api.open()["id"]
    headers = api.auth(**{"Idempotency-Key": "retry-storm"})
    body = {
        "type": "StakeholderBoughtIn",
        "stakeholder": "Sam",
        "department": "Finance",
        "role": "economic_buyer",
    }

    responses = in_parallel(WRITERS, lambda _i: api.post_event(deal, body, headers))

    assert {r.status_code for r in responses} <= {201, 409}
    created = [r for r in responses if r.status_code == 201]
    assert created
    assert len({r.content for r in created}) == 1
    assert sum(r.headers.get("idempotent-replayed") != "true" for r in created) == 1
    for refused in (r for r in responses if r.status_code == 409):
        assert refused.json()["type"] == "/problems/request-in-progress"
    assert [i["type"] for i in api.history(deal)] == ["OpportunityOpened", "StakeholderBoughtIn"]


@pytest.mark.parametrize("key", ["", "   ", "k" * 256], ids=["empty", "blank", "too-long"])
def test_an_unusable_idempotency_key_is_422(api: Any, key: str) -> None:
    recorded = api.feed()
    response = api.client.post(
        "/v1/opportunities", json=OPENING, headers=api.auth(**{"Idempotency-Key": key})
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/validation-error"
    assert api.feed() == recorded


# --- If-Match ---------------------------------------------------------------------------


def test_writers_holding_the_same_version_race_and_exactly_one_wins(api: Any) -> None:
    opened = api.client.post("/v1/opportunities", json=OPENING, headers=api.auth())
    deal, version = opened.json()["id"], opened.headers["etag"]
    headers = api.auth(**{"If-Match": version})

    def write(i: int) -> Any:
        return api.post_event(
            deal, {"type": "CustomerDataGathered", "summary": f"writer {i}"}, headers
        )

    responses = in_parallel(WRITERS, write)

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [412] * (WRITERS - 1)
    winner = next(r for r in responses if r.status_code == 201)
    assert winner.headers["etag"] == '"2"'
    history = api.history(deal)
    assert len(history) == 2
    assert f"writer {responses.index(winner)}" == history[1]["data"]["summary"]


def test_an_etag_from_one_write_makes_the_next_write_conditional(api: Any) -> None:
    opened = api.client.post("/v1/opportunities", json=OPENING, headers=api.auth())
    deal = opened.json()["id"]
    etag = opened.headers["etag"]
    for summary in ("Three plants", "Manual scheduling", "Night shift"):
        response = api.post_event(
            deal,
            {"type": "CustomerDataGathered", "summary": summary},
            api.auth(**{"If-Match": etag}),
        )
        assert response.status_code == 201
        assert int(response.headers["etag"].strip('"')) == int(etag.strip('"')) + 1
        etag = response.headers["etag"]
    wildcard = api.post_event(deal, {"type": "Resumed"}, api.auth(**{"If-Match": "*"}))
    assert wildcard.status_code == 409  # `*` matches any version: only the lifecycle refuses


def test_unconditional_writers_racing_on_one_deal_lose_no_event(api: Any) -> None:
    deal = api.open()["id"]
    per_writer = 5

    def write(i: int) -> list[int]:
        return [
            api.post_event(
                deal, {"type": "CustomerDataGathered", "summary": f"{i}/{j}"}
            ).status_code
            for j in range(per_writer)
        ]

    statuses = [status for batch in in_parallel(WRITERS, write) for status in batch]

    assert statuses == [201] * WRITERS * per_writer
    history = api.history(deal)
    assert [item["version"] for item in history] == list(range(1, WRITERS * per_writer + 2))
    summaries = sorted(item["data"]["summary"] for item in history[1:])
    assert summaries == sorted(f"{i}/{j}" for i in range(WRITERS) for j in range(per_writer))
    assert api.state(deal)["version"] == WRITERS * per_writer + 1
