"""The /v1/webhooks routes on both backends: admin only; the secret shown once; a new webhook
stands at the head of the log; list, show, delete; attempts paged; bad input is a clear
problem+json 4xx, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.webhooks.conftest import Api, attempts, record_events, show, subscribe
from tests.webhooks.receiver import Receiver

NO_SUCH = "00000000-0000-4000-8000-000000000000"
ROUTES = (
    ("POST", "/v1/webhooks"),
    ("GET", "/v1/webhooks"),
    ("GET", "/v1/webhooks/{id}"),
    ("DELETE", "/v1/webhooks/{id}"),
    ("GET", "/v1/webhooks/{id}/deliveries"),
    ("POST", "/v1/webhooks/{id}/replay"),
    ("POST", "/v1/webhooks/{id}/enable"),
)


def test_an_admin_creates_lists_shows_and_deletes_a_webhook_whose_secret_is_shown_once(
    hooks: Api, receiver: Receiver
) -> None:
    recorded = record_events(hooks, deals=1, each=1)
    created = subscribe(
        hooks, receiver.url, event_types=["ClosedWon", "ClosedWon"], description="Wins"
    )
    assert created["secret"].startswith("whsec_")
    assert len(created["secret"]) > 40
    assert created["position"] == recorded[-1]  # the head: only what comes next is sent
    assert created["status"] == "active"
    assert created["event_types"] == ["ClosedWon"]
    assert created["created_by"] == "admin-key"
    shown = show(hooks, created["id"])
    assert shown == {k: v for k, v in created.items() if k != "secret"}
    other = subscribe(hooks, receiver.url)
    assert other["event_types"] is None

    listed = hooks.client.get("/v1/webhooks", headers=hooks.auth("admin")).json()
    assert sorted(h["id"] for h in listed["items"]) == sorted([created["id"], other["id"]])
    assert listed["next_cursor"] is None
    assert created["secret"] not in str(listed)
    first = hooks.client.get("/v1/webhooks?limit=1", headers=hooks.auth("admin")).json()
    rest = hooks.client.get(
        "/v1/webhooks", params={"cursor": first["next_cursor"]}, headers=hooks.auth("admin")
    ).json()
    assert [h["id"] for h in first["items"] + rest["items"]] == [h["id"] for h in listed["items"]]

    deleted = hooks.client.delete(f"/v1/webhooks/{created['id']}", headers=hooks.auth("admin"))
    assert deleted.status_code == 204
    assert deleted.content == b""
    gone = hooks.client.get(f"/v1/webhooks/{created['id']}", headers=hooks.auth("admin"))
    hooks.problem(gone, 404, "not-found")
    again = hooks.client.delete(f"/v1/webhooks/{created['id']}", headers=hooks.auth("admin"))
    hooks.problem(again, 404, "not-found")


def test_the_attempts_are_listed_latest_first_and_paged(hooks: Api, receiver: Receiver) -> None:
    hook = subscribe(hooks, receiver.url)
    recorded = record_events(hooks, deals=1, each=2)
    assert receiver.wait_for(lambda: len(attempts(hooks, hook["id"])) == len(recorded))
    every = attempts(hooks, hook["id"])
    assert [a["position"] for a in every] == list(reversed(recorded))
    assert {a["delivery_id"] for a in every} == {r.delivery_id for r in receiver.received}
    pages: list[dict[str, Any]] = []
    params = {"limit": "2"}
    for _ in range(len(recorded)):  # bounded: one page per attempt at most
        page = hooks.client.get(
            f"/v1/webhooks/{hook['id']}/deliveries", params=params, headers=hooks.auth("admin")
        ).json()
        pages += page["items"]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert pages == every


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_only_an_admin_may_touch_webhooks(api: Api, role: str) -> None:
    for method, path in ROUTES:
        body = {"url": "https://example.com/hook"} if path == "/v1/webhooks" else {"after": 0}
        response = api.client.request(
            method, path.format(id=NO_SUCH), json=body, headers=api.auth(role)
        )
        api.problem(response, 403, "forbidden")
        unauthenticated = api.client.request(method, path.format(id=NO_SUCH), json=body)
        api.problem(unauthenticated, 401, "unauthorized")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "url"),
        ({"url": "https://example.com/h", "event_types": ["MeetingWon"]}, "event_types.0"),
        ({"url": "https://example.com/h", "event_types": []}, "event_types"),
        ({"url": "https://example.com/h", "secret": "mine"}, "secret"),
        ({"url": "https://example.com/" + "a" * 2048}, "url"),
        ({"url": 42}, "url"),
        ({"url": "https://example.com/h", "description": "d" * 501}, "description"),
    ],
)
def test_a_bad_subscription_is_a_422_naming_its_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    response = api.client.post("/v1/webhooks", json=body, headers=api.auth("admin"))
    problem = api.problem(response, 422, "validation-error")
    assert field in [e["field"] for e in problem["errors"]]


def test_unknown_ids_are_404_and_a_bad_replay_or_cursor_is_422(
    hooks: Api, receiver: Receiver
) -> None:
    admin = hooks.auth("admin")
    for method, path in ROUTES[2:]:
        for unknown in (NO_SUCH, "not-a-uuid"):
            response = hooks.client.request(
                method, path.format(id=unknown), json={"after": 0}, headers=admin
            )
            hooks.problem(response, 404, "not-found")
    hook = subscribe(hooks, receiver.url)
    replay = f"/v1/webhooks/{hook['id']}/replay"
    for body in ({"after": -1}, {}, {"after": "x"}, {"after": 0, "extra": 1}):
        hooks.problem(hooks.client.post(replay, json=body, headers=admin), 422, "validation-error")
    for path in ("/v1/webhooks", f"/v1/webhooks/{hook['id']}/deliveries"):
        bad = hooks.client.get(path, params={"cursor": "nonsense"}, headers=admin)
        hooks.problem(bad, 422, "validation-error")
