"""Deliveries to a real receiver on loopback, from the app's own process, on both backends:
each event POSTed as its feed item in commit order, signed as docs/api.md shows, filtered by
type; failures retried with backoff while the next event waits; replay; 24 hours of failures
make a webhook `failing` until it is enabled, with nothing dropped."""

from __future__ import annotations

import itertools
import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

from tests.webhooks.conftest import (
    Api,
    attempts,
    quick,
    record_events,
    show,
    subscribe,
    webhooks_of,
)
from tests.webhooks.receiver import Received, Receiver, receiving

ROOT = Path(__file__).resolve().parents[2]


def documented_receiver() -> dict[str, Any]:
    """The Python receiver of docs/api.md's webhooks section, run as a module (not served)."""
    guide = (ROOT / "docs" / "api.md").read_text()
    section = guide.split("## Integrator — webhooks", 1)[1].split("\n## ", 1)[0]
    code = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(code) == 1, "one Python receiver in the webhooks section"
    namespace: dict[str, Any] = {"__name__": "documented_receiver"}
    exec(compile(code[0], "docs/api.md", "exec"), namespace)  # noqa: S102 (our own docs)
    return namespace


def test_each_event_is_posted_as_its_feed_item_in_commit_order_with_its_headers(
    hooks: Api, receiver: Receiver
) -> None:
    before = record_events(hooks, deals=1, each=1)  # recorded before the webhook: never sent
    hook = subscribe(hooks, receiver.url, description="all of it")
    assert hook["position"] == before[-1]
    recorded = record_events(hooks, deals=2, each=4)

    assert receiver.wait_for(lambda: len(receiver.received) >= len(recorded))
    time.sleep(0.2)  # nothing more comes
    feed = hooks.feed(after=hook["position"])
    assert [r.position for r in receiver.received] == [item["position"] for item in feed]
    assert [r.position for r in receiver.received] == recorded
    assert [r.item for r in receiver.received] == feed
    deliveries = {r.delivery_id for r in receiver.received}
    assert len(deliveries) == len(recorded)
    for got in receiver.received:
        assert got.content_type == "application/json"
        assert got.webhook_id == hook["id"]
        assert got.delivery_id == str(uuid5(UUID(hook["id"]), str(got.position)))
    assert receiver.overlaps == []
    assert show(hooks, hook["id"])["position"] == recorded[-1]


def test_the_signature_verifies_the_way_docs_api_md_shows(hooks: Api, receiver: Receiver) -> None:
    verified = documented_receiver()["verified"]
    hook = subscribe(hooks, receiver.url)
    record_events(hooks, deals=1, each=1)
    assert receiver.wait_for(lambda: len(receiver.received) >= 2)
    for got in receiver.received:
        assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", got.signature)
        assert verified(hook["secret"], got.signature, got.body)
        assert not verified(hook["secret"], got.signature, got.body + b" ")
        assert not verified(hook["secret"] + "x", got.signature, got.body)
        stale = re.sub(r"t=(\d+)", lambda m: f"t={int(m[1]) - 3600}", got.signature)
        assert not verified(hook["secret"], stale, got.body)


def test_only_the_subscribed_types_are_sent_the_others_and_goals_only_move_the_position(
    hooks: Api, receiver: Receiver
) -> None:
    hook = subscribe(hooks, receiver.url, event_types=["MeetingGained", "ClosedLost"])
    deal = hooks.open()["id"]
    hooks.record(deal, "CustomerDataGathered", summary="Pain")
    hooks.record(deal, "MeetingGained", contact="Dana", department="IT")
    services = hooks.app.state.services
    services.opportunities.set_goals(
        "jo", recorded_by="jo", fields={"weekly": {"MeetingGained": 3}}
    )  # a seller's goals share the log; no webhook is sent them
    hooks.record(deal, "ClosedLost", reason="price")
    head = services.webhooks.head()

    assert receiver.wait_for(lambda: show(hooks, hook["id"])["position"] == head)
    assert [r.item["type"] for r in receiver.received] == ["MeetingGained", "ClosedLost"]
    types = {item["position"]: item["type"] for item in hooks.feed(after=hook["position"])}
    assert [types[r.position] for r in receiver.received] == ["MeetingGained", "ClosedLost"]


def test_a_500_is_retried_with_a_growing_backoff_and_the_next_event_waits(hooks: Api) -> None:
    def answer(_got: Received) -> tuple[int, float]:
        return (500 if len(receiver.received) <= 3 else 204), 0.0  # the first event's 3 tries

    with receiving(answer) as receiver:
        hook = subscribe(hooks, receiver.url)
        recorded = record_events(hooks, deals=1, each=2)
        first = recorded[0]
        assert receiver.wait_for(lambda: len(receiver.received) >= 3 + len(recorded))
        time.sleep(0.2)
    assert receiver.positions() == [first] * 4 + recorded[1:]
    arrivals = [r.arrived for r in receiver.received[:4]]
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert all(gap >= least for gap, least in zip(gaps, (0.04, 0.09, 0.18), strict=True)), gaps
    made = list(reversed(attempts(hooks, hook["id"])))  # oldest first
    assert [(a["position"], a["attempt"], a["outcome"]) for a in made[:4]] == [
        (first, 1, "failed"),
        (first, 2, "failed"),
        (first, 3, "failed"),
        (first, 4, "delivered"),
    ]
    assert [a["status_code"] for a in made[:4]] == [500, 500, 500, 204]
    assert made[0]["error"] == "HTTP 500"
    assert made[3]["error"] is None
    assert len({a["delivery_id"] for a in made[:4]}) == 1  # the same delivery on every try
    assert show(hooks, hook["id"])["failures"] == 0


def test_an_answer_later_than_the_timeout_is_retried(hooks: Api) -> None:
    quick(hooks, timeout=0.3)

    def answer(got: Received) -> tuple[int, float]:
        slow = len(receiver.received) == 1  # the first attempt answers too late
        return 204, (1.0 if slow else 0.0)

    with receiving(answer) as receiver:
        hook = subscribe(hooks, receiver.url)
        recorded = record_events(hooks, deals=1, each=1)
        assert receiver.wait_for(lambda: len(receiver.received) >= 1 + len(recorded))
        time.sleep(0.2)
    assert receiver.positions() == [recorded[0], *recorded]
    made = list(reversed(attempts(hooks, hook["id"])))
    assert made[0]["outcome"] == "timeout"
    assert made[0]["status_code"] is None
    assert "0.3" in made[0]["error"]
    assert 250 <= made[0]["duration_ms"] < 1000
    assert [a["outcome"] for a in made[1:]] == ["delivered"] * len(recorded)
    metrics = hooks.client.get("/metrics").text
    assert 'smallwins_webhook_deliveries_total{outcome="timeout"} 1.0' in metrics
    assert f'smallwins_webhook_deliveries_total{{outcome="delivered"}} {len(recorded)}.0' in metrics


def test_replay_sends_again_from_a_position_with_the_same_delivery_ids(
    hooks: Api, receiver: Receiver
) -> None:
    hook = subscribe(hooks, receiver.url)
    recorded = record_events(hooks, deals=1, each=3)
    assert receiver.wait_for(lambda: len(receiver.received) >= len(recorded))
    first_ids = {r.position: r.delivery_id for r in receiver.received}

    ahead = hooks.client.post(
        f"/v1/webhooks/{hook['id']}/replay",
        json={"after": recorded[-1] + 1},
        headers=hooks.auth("admin"),
    )
    assert hooks.problem(ahead, 422, "validation-error")["errors"][0]["field"] == "after"
    replayed = hooks.client.post(
        f"/v1/webhooks/{hook['id']}/replay",
        json={"after": recorded[1]},
        headers=hooks.auth("admin"),
    )
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["position"] == recorded[1]
    assert "secret" not in replayed.json()

    again = recorded[2:]
    assert receiver.wait_for(lambda: len(receiver.received) >= len(recorded) + len(again))
    time.sleep(0.2)
    assert receiver.positions() == recorded + again
    assert all(r.delivery_id == first_ids[r.position] for r in receiver.received)


def test_a_day_of_failures_makes_it_failing_until_enabled_and_nothing_is_dropped(
    hooks: Api,
) -> None:
    shifted = quick(hooks)
    status = {"code": 503}
    with receiving(lambda _got: (status["code"], 0.0)) as receiver:
        hook = subscribe(hooks, receiver.url)
        recorded = record_events(hooks, deals=1, each=2)
        assert receiver.wait_for(lambda: len(receiver.received) >= 2)
        assert show(hooks, hook["id"])["status"] == "active"  # retrying

        shifted.shift = timedelta(hours=24, minutes=1)  # a day of failures has passed
        assert receiver.wait_for(lambda: show(hooks, hook["id"])["status"] == "failing")
        tried = len(receiver.received)
        time.sleep(0.5)
        assert len(receiver.received) == tried  # it waits: nothing more is sent
        assert set(receiver.positions()) == {recorded[0]}
        failing = show(hooks, hook["id"])
        assert failing["position"] == hook["position"]
        assert failing["next_attempt_at"] is None
        assert hooks.client.get("/readyz").status_code == 200  # not the webhook's business
        metrics = hooks.client.get("/metrics").text
        assert f'smallwins_webhook_failing{{webhook="{hook["id"]}"}} 1.0' in metrics
        assert f'smallwins_webhook_lag{{webhook="{hook["id"]}"}} {len(recorded)}.0' in metrics

        status["code"] = 200
        enabled = hooks.client.post(
            f"/v1/webhooks/{hook['id']}/enable", headers=hooks.auth("admin")
        )
        assert enabled.status_code == 200, enabled.text
        assert enabled.json()["status"] == "active"
        assert enabled.json()["failures"] == 0
        assert receiver.wait_for(lambda: len(receiver.received) >= tried + len(recorded))
        time.sleep(0.2)
    delivered = receiver.positions()[tried:]
    assert delivered == recorded  # resumed at the event it stopped on; none skipped
    assert show(hooks, hook["id"])["position"] == recorded[-1]
    assert webhooks_of(hooks).dispatcher is not None


def test_a_receiver_that_never_answers_holds_up_neither_the_writes_nor_another_webhook(
    hooks: Api, receiver: Receiver
) -> None:
    quick(hooks, timeout=1.0)
    with receiving(lambda _got: (204, 30.0)) as stuck:  # accepts, then says nothing
        slow = subscribe(hooks, stuck.url)
        fast = subscribe(hooks, receiver.url)
        started = time.monotonic()
        recorded = record_events(hooks, deals=2, each=3)
        writing = time.monotonic() - started
        assert receiver.wait_for(lambda: len(receiver.received) >= len(recorded), timeout=10)
        delivering = time.monotonic() - started
        assert receiver.positions() == recorded
        assert delivering < 3.0  # the other webhook's 1 s timeouts do not hold this one
        assert writing < 3.0
        assert set(stuck.positions()) == {recorded[0]}  # still on its first event
        assert show(hooks, slow["id"])["position"] == slow["position"]
        assert show(hooks, fast["id"])["position"] == recorded[-1]
