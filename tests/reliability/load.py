"""Concurrent writers against a running server, keeping a ledger of every write the server
acknowledged (2xx): which opportunity, the version its ETag named, and what was written.
Each writer is bounded in count and in time, and stops at the first transport error (the
server died under it) or when told to."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

WRITERS = 8


@dataclass(frozen=True)
class Ack:
    """One acknowledged write and the content that identifies it in the history."""

    opportunity_id: str
    version: int
    type: str
    field: str
    marker: str


@dataclass
class Load:
    base: str
    token: str
    deals: list[str]
    max_writes: int = 400  # per writer
    seconds: float = 30.0  # per writer
    acks: list[Ack] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)  # non-2xx answers
    cut_off: int = 0  # writers stopped by a transport error (the server died under them)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self, writers: int = WRITERS) -> None:
        for index in range(writers):
            thread = threading.Thread(target=self._write, args=(index,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def acknowledged(self) -> int:
        with self.lock:
            return len(self.acks)

    def wait_for(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.acknowledged() < count and time.monotonic() < deadline:
            if not any(t.is_alive() for t in self.threads):
                break
            time.sleep(0.02)
        return self.acknowledged() >= count

    def join(self, timeout: float = 30.0) -> None:
        self.stop.set()
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in self.threads), "a writer did not stop"

    def _write(self, index: int) -> None:
        # Two writers share each deal, so writes also race on one aggregate.
        deal = self.deals[index % len(self.deals)]
        headers = {"Authorization": f"Bearer {self.token}"}
        deadline = time.monotonic() + self.seconds
        with httpx.Client(base_url=self.base, headers=headers, timeout=15) as client:
            for n in range(self.max_writes):
                if self.stop.is_set() or time.monotonic() >= deadline:
                    return
                marker = f"writer {index} write {n}"
                try:
                    if n % 10 == 9:
                        self._open(client, marker)
                    else:
                        self._record(client, deal, n, marker)
                except httpx.TransportError:
                    with self.lock:  # whatever was in flight was not acknowledged
                        self.cut_off += 1
                    return

    def _open(self, client: httpx.Client, marker: str) -> None:
        body = {"title": marker, "account": "Crash Test Corp", "buying_departments": ["IT"]}
        response = client.post("/v1/opportunities", json=body)
        if self._acknowledged(response):
            found = response.json()
            self._keep(
                Ack(found["id"], etag_version(response), "OpportunityOpened", "title", marker)
            )

    def _record(self, client: httpx.Client, deal: str, n: int, marker: str) -> None:
        event: dict[str, Any]
        if n % 2:
            event = {"type": "MeetingGained", "contact": marker, "department": f"Dept {n % 3}"}
            field_name = "contact"
        else:
            event = {"type": "CustomerDataGathered", "summary": marker}
            field_name = "summary"
        response = client.post(f"/v1/opportunities/{deal}/events", json=event)
        if self._acknowledged(response):
            self._keep(Ack(deal, etag_version(response), event["type"], field_name, marker))

    def _acknowledged(self, response: httpx.Response) -> bool:
        if 200 <= response.status_code < 300:
            return True
        with self.lock:
            self.refused.append((response.status_code, response.text[:200]))
        return False

    def _keep(self, ack: Ack) -> None:
        with self.lock:
            self.acks.append(ack)


def etag_version(response: httpx.Response) -> int:
    return int(response.headers["etag"].strip('"'))


def open_deals(base: str, token: str, count: int) -> list[str]:
    headers = {"Authorization": f"Bearer {token}"}
    ids = []
    for n in range(count):
        body = {"title": f"Deal {n}", "account": f"Account {n}", "buying_departments": ["IT"]}
        response = httpx.post(f"{base}/v1/opportunities", json=body, headers=headers, timeout=15)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def history(client: httpx.Client, opportunity_id: str) -> list[dict[str, Any]]:
    """Every history item, following next_cursor (bounded)."""
    items: list[dict[str, Any]] = []
    params = {"limit": "500"}
    for _page in range(1000):
        response = client.get(f"/v1/opportunities/{opportunity_id}/history", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        if page["next_cursor"] is None:
            return items
        params["cursor"] = page["next_cursor"]
    raise AssertionError("the history did not end")


def missing_acks(client: httpx.Client, acks: Iterable[Ack]) -> list[Ack]:
    """The acknowledged writes that are not in the history at the version they were given."""
    by_deal: dict[str, list[Ack]] = {}
    for ack in acks:
        by_deal.setdefault(ack.opportunity_id, []).append(ack)
    missing = []
    for deal, expected in by_deal.items():
        items = history(client, deal)
        assert [i["version"] for i in items] == list(range(1, len(items) + 1))
        by_version = {i["version"]: i for i in items}
        for ack in expected:
            item = by_version.get(ack.version)
            if item is None or (item["type"], item["data"].get(ack.field)) != (
                ack.type,
                ack.marker,
            ):
                missing.append(ack)
    return missing


def projections_caught_up(client: httpx.Client) -> bool:
    response = client.get("/v1/projections")
    return response.status_code == 200 and all(p["lag"] == 0 for p in response.json()["items"])
