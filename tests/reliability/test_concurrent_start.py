"""Several processes starting at once on an empty store (compose: API replicas and the
projection worker) all come up: table creation is serialized, never raced."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import storage.gateway
from api.services import build_services
from api.settings import Settings

STARTS = 6


def start_together(database_url: str) -> list[BaseException]:
    barrier = threading.Barrier(STARTS, timeout=60)
    failures: list[BaseException] = []
    started: list[Any] = []

    def start() -> None:
        try:
            barrier.wait()
            started.append(
                build_services(
                    Settings(
                        database_url=database_url,
                        integrity_key="5a" * 32,
                        postgres_pool_size=1,
                        postgres_max_overflow=1,
                    )
                )
            )
        except BaseException as error:  # noqa: BLE001 (collected and asserted on)
            failures.append(error)

    threads = [threading.Thread(target=start) for _ in range(STARTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for services in started:
        services.close()
    return failures


def test_processes_starting_at_once_on_an_empty_store_all_come_up(database_url: str) -> None:
    assert start_together(database_url) == []


@pytest.mark.postgres
def test_the_schema_lock_is_what_serializes_them(
    postgres_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    holders: list[int] = []
    inside = 0
    guard = threading.Lock()
    real = storage.gateway.schema_lock

    class Counting:
        def __init__(self, config: Any) -> None:
            self.inner = real(config)

        def __enter__(self) -> None:
            nonlocal inside
            self.inner.__enter__()
            with guard:
                inside += 1
                holders.append(inside)

        def __exit__(self, *exc: Any) -> None:
            nonlocal inside
            with guard:
                inside -= 1
            self.inner.__exit__(*exc)

    monkeypatch.setattr("api.services.schema_lock", Counting)
    assert start_together(postgres_database_url) == []
    assert holders == [1] * STARTS  # one process at a time inside the lock
