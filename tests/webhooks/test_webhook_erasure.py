"""Webhook payloads are made from the log when they are sent: an event sent again after
its person was erased carries the reference and "[erased]", never the name."""

from __future__ import annotations

import orjson
import pytest

from tests.webhooks.conftest import Api, subscribe
from tests.webhooks.receiver import Receiver

# The app runs in this process: the erasure waits 0.1 s for the others, not 2 s.
pytestmark = pytest.mark.usefixtures("quick_erasure_generations")

NAME = "Kofi Young"


def test_an_event_replayed_after_an_erasure_carries_the_reference_not_the_name(
    hooks: Api, receiver: Receiver
) -> None:
    deal = hooks.open(account="Globex", buying_departments=["Operations"])["id"]
    hook = subscribe(hooks, receiver.url)
    hooks.record(deal, "MeetingGained", contact=NAME, department="Operations",
                 note="Kofi wants a pilot")  # fmt: skip
    assert receiver.wait_for(lambda: len(receiver.received) >= 1)
    (first,) = receiver.received
    assert first.item["data"]["contact"] == NAME
    erased = hooks.client.post(
        "/v1/people/erase", json={"account": "Globex", "name": NAME}, headers=hooks.auth("admin")
    )
    assert erased.status_code == 200, erased.text
    reference = erased.json()["reference"]

    replayed = hooks.client.post(
        f"/v1/webhooks/{hook['id']}/replay",
        json={"after": hook["position"]},
        headers=hooks.auth("admin"),
    )

    assert replayed.status_code == 200, replayed.text
    assert receiver.wait_for(lambda: len(receiver.received) >= 2)
    again = receiver.received[1]
    assert again.position == first.position
    assert again.item["data"]["contact"] == reference
    assert again.item["data"]["note"] == "[erased]"
    assert NAME.encode() not in orjson.dumps(again.item)
