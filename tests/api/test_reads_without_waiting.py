"""A read that can wait for nothing (SQLite, its views at the head of the log) runs on the
event loop; any other runs in a worker thread."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import anyio
import pytest

from api import reads


def thread_of_read(reads_never_wait: bool, at_head: bool, monkeypatch: Any) -> int:
    monkeypatch.setattr(reads, "views_at_head", lambda _services, _names: at_head)
    services: Any = SimpleNamespace(database=SimpleNamespace(reads_never_wait=reads_never_wait))

    async def main() -> int:
        return await reads.read_without_waiting(services, ("pipeline",), threading.get_ident)

    return anyio.run(main)


@pytest.mark.parametrize(
    ("reads_never_wait", "at_head", "on_the_loop"),
    [(True, True, True), (True, False, False), (False, True, False)],
)
def test_a_read_runs_on_the_event_loop_only_when_it_can_wait_for_nothing(
    reads_never_wait: bool, at_head: bool, on_the_loop: bool, monkeypatch: Any
) -> None:
    ran_in = thread_of_read(reads_never_wait, at_head, monkeypatch)
    assert (ran_in == threading.get_ident()) is on_the_loop


def test_views_are_at_head_once_they_hold_every_stored_event(
    api: Any, monkeypatch: Any
) -> None:
    services = api.app.state.services
    background: Any = SimpleNamespace(
        runner=services.runner, database=services.database, in_process=False
    )
    api.open(title="Rollout")
    services.runner.catch_up(["pipeline"])
    assert reads.views_at_head(background, ("pipeline",))
    head = services.runner.head()
    monkeypatch.setattr(services.runner, "head", lambda: head + 1)  # one more stored event
    assert not reads.views_at_head(background, ("pipeline",))
    monkeypatch.undo()
    inline: Any = SimpleNamespace(  # a process that projects inline, on demand: never
        runner=SimpleNamespace(is_running=False), database=services.database, in_process=True
    )
    assert not reads.views_at_head(inline, ("pipeline",))
