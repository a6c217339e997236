"""Deliveries from real processes (tests/reliability's harness) to a receiver on loopback:

- `smallwins serve` on SQLite (it delivers itself) is SIGKILLed while a delivery is in
  flight; restarted, it sends every event at least once and in order, skipping none (only
  the one in flight comes again).
- Two `smallwins project` workers on PostgreSQL share one webhook: every event arrives
  once, in order, and never while another process is delivering the same one."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.reliability.processes import create_key, deployment
from tests.webhooks.receiver import Received, receiving

ALLOW_PRIVATE = {"SMALLWINS_WEBHOOK_ALLOW_PRIVATE": "true"}  # the receiver is on loopback


def record_over_http(client: httpx.Client, deals: int, each: int) -> list[int]:
    """Open deals and record events on them through the API; the positions recorded."""
    positions, ids = [], []
    for n in range(deals):
        opened = client.post("/v1/opportunities", json={"title": f"Deal {n}", "account": "Acme"})
        assert opened.status_code == 201, opened.text
        ids.append(opened.json()["id"])
        positions.append(int(opened.headers["X-Smallwins-Position"]))
    for round_ in range(each):
        for deal in ids:
            body: dict[str, Any] = {"type": "CustomerDataGathered", "summary": f"Note {round_}"}
            recorded = client.post(f"/v1/opportunities/{deal}/events", json=body)
            assert recorded.status_code == 201, recorded.text
            positions.append(int(recorded.headers["X-Smallwins-Position"]))
    return positions


def subscribe(client: httpx.Client, url: str) -> dict[str, Any]:
    created = client.post("/v1/webhooks", json={"url": url})
    assert created.status_code == 201, created.text
    found: dict[str, Any] = created.json()
    return found


def test_a_serve_process_killed_mid_delivery_resumes_and_skips_nothing(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'smallwins.db'}"
    _id, token = create_key(database_url, "hooks-admin", "admin")
    gate = threading.Event()
    held_at = 30  # the 31st request is held in flight until the server is dead

    def answer(_got: Received) -> tuple[int, float]:
        if len(receiver.received) == held_at + 1:
            gate.wait(30)
        return 204, 0.0

    headers = {"Authorization": f"Bearer {token}"}
    with (
        receiving(answer) as receiver,
        deployment(database_url, tmp_path / "logs", **ALLOW_PRIVATE) as running,
    ):
        server, base = running.serve()
        with httpx.Client(base_url=base, headers=headers, timeout=15) as client:
            subscribe(client, receiver.url)
            recorded = record_over_http(client, deals=3, each=25)
        assert receiver.wait_for(lambda: len(receiver.received) > held_at, 30), running.tail()
        running.crash(server)  # SIGKILL, with a delivery in flight
        gate.set()
        in_flight = receiver.received[held_at].position

        running.serve()
        assert receiver.wait_for(lambda: set(receiver.positions()) >= set(recorded), 60), (
            running.tail()
        )
        time.sleep(0.3)
    got = receiver.positions()
    assert list(dict.fromkeys(got)) == recorded  # every event, in order, none skipped
    assert got == [*recorded[: held_at + 1], *recorded[held_at:]]  # only the one in flight again
    assert recorded[held_at] == in_flight


@pytest.mark.postgres
def test_two_projector_processes_never_deliver_the_same_event_at_the_same_time(
    postgres_database_url: str, tmp_path: Path
) -> None:
    database_url = postgres_database_url
    _id, token = create_key(database_url, "hooks-admin", "admin")
    separate = {"SMALLWINS_PROJECTIONS_IN_PROCESS": "false", **ALLOW_PRIVATE}
    headers = {"Authorization": f"Bearer {token}"}
    with (
        receiving(lambda _got: (204, 0.01)) as receiver,
        deployment(database_url, tmp_path / "logs", **separate) as running,
    ):
        _server, base = running.serve()
        running.project()
        running.project()
        with httpx.Client(base_url=base, headers=headers, timeout=15) as client:
            hook = subscribe(client, receiver.url)
            recorded = record_over_http(client, deals=3, each=30)
            assert receiver.wait_for(lambda: len(receiver.received) >= len(recorded), 60), (
                running.all_logs()[-3000:]
            )
            time.sleep(0.5)
            shown = client.get(f"/v1/webhooks/{hook['id']}").json()
    assert receiver.overlaps == []
    assert receiver.positions() == recorded  # once each, in commit order
    assert shown["position"] == recorded[-1]
