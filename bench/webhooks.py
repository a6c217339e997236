"""python -m bench.webhooks [--events 2000] [--runs 3] [--backend sqlite|postgres]

Webhook delivery throughput for one webhook over loopback (docs/benchmarks.md, "Webhook
delivery"). EVENTS events are recorded first; then the webhook is replayed from position 0
and the deliverer (the same dispatcher `smallwins serve` runs on SQLite and `smallwins
project` on PostgreSQL) sends them one at a time, each after the previous one's 2xx, to a
minimal receiver: a raw ASGI app under uvicorn (uvloop, httptools) in a process of its own on
127.0.0.1, answering 204 at once. The figure is events per second from the replay until the
webhook's position reaches the head; the receiver's count is checked after each run. The
receiver and the deliverer share this machine's cores."""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from api.services import Services, build_services
from api.settings import Settings
from bench.servers import free_port
from bench.stores import BENCH_INTEGRITY_KEY, temporary_store

EVENTS_PER_DEAL = 20
RUN_TIMEOUT = 600.0
_received = [0]


async def receiver(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The minimal receiver: 204 to every POST (counted); GET answers the count."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    body = b""
    if scope["method"] == "POST":
        _received[0] += 1
        status = 204
    else:
        body, status = str(_received[0]).encode(), 200
    headers = [(b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@contextmanager
def receiving() -> Iterator[str]:
    """The receiver in its own process; its URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "bench.webhooks:receiver", "--host", "127.0.0.1",
        "--port", str(port), "--loop", "uvloop", "--http", "httptools", "--lifespan", "off",
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the receiver did not start") from None
                time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


def record(services: Services, events: int) -> int:
    """Record `events` events (deals of EVENTS_PER_DEAL); the log head."""
    app = services.opportunities
    left = events
    while left > 0:
        deal = app.open(recorded_by="bench", fields={"title": "Bench", "account": "Acme"})
        left -= 1
        for n in range(min(EVENTS_PER_DEAL - 1, left)):
            app.record(
                deal.opportunity_id,
                "CustomerDataGathered",
                recorded_by="bench",
                fields={"summary": f"Finding {n}"},
            )
            left -= 1
    return services.webhooks.head()


def measure(backend: str, events: int, runs: int) -> list[float]:
    rates = []
    with (
        tempfile.TemporaryDirectory() as work,
        temporary_store(backend, Path(work), "webhooks") as store,
        receiving() as base,
    ):
        settings = Settings(
            database_url=store.url,
            integrity_key=BENCH_INTEGRITY_KEY,
            webhook_allow_private=True,  # the receiver is on loopback
            projections_in_process=False,
            sqlite_synchronous="NORMAL",  # quicker recording; deliveries use NORMAL anyway
        )
        services = build_services(settings)
        try:
            head = record(services, events)
            webhooks = services.webhooks
            hook = webhooks.create(f"{base}/hooks", None, "benchmark", "bench")
            webhooks.start()
            for run in range(runs):
                before = int(httpx.get(base).text)
                started = time.perf_counter()
                webhooks.replay(UUID(hook.id), 0)
                while webhooks.get(UUID(hook.id)).position < head:
                    if time.perf_counter() - started > RUN_TIMEOUT:
                        raise RuntimeError("the deliveries did not finish in time")
                    time.sleep(0.005)
                elapsed = time.perf_counter() - started
                delivered = int(httpx.get(base).text) - before
                assert delivered >= head, (delivered, head)
                rates.append(head / elapsed)
                print(f"{backend} run {run + 1}: {head} events in {elapsed:.2f} s:"
                      f" {head / elapsed:,.0f} events/s")  # fmt: skip
        finally:
            services.close()
    return rates


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks", description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgres"))
    arguments = parser.parse_args(argv)
    for backend in arguments.backend or ["sqlite"]:
        rates = measure(backend, arguments.events, arguments.runs)
        print(
            f"{backend}: {arguments.events:,} events, one webhook, loopback:"
            f" median {statistics.median(rates):,.0f} events/s"
            f" ({min(rates):,.0f} - {max(rates):,.0f}, {len(rates)} runs)"
        )


if __name__ == "__main__":
    main()
