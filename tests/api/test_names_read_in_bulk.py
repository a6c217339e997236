"""Reading the log in bulk asks the store for the keys of the people a batch names once,
not once per person met for the first time."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

import pytest

from storage.people import People
from storage.personal import SEALED, names_left_sealed


def in_this_thread() -> bool:
    """The test's own thread (it runs in the main thread), not the projections catching up
    in the background."""
    return threading.current_thread() is threading.main_thread()


def watch_key_reads(monkeypatch: pytest.MonkeyPatch, *methods: str) -> list[Any]:
    """What the test's thread asks of `People`'s `methods` (each still does its work)."""
    asked: list[Any] = []
    for name in methods:
        real = getattr(People, name)

        def watched(self: People, wanted: Any, real: Any = real) -> Any:
            if in_this_thread():
                asked.append(wanted)
            return real(self, wanted)

        monkeypatch.setattr(People, name, watched)
    return asked


def test_a_batch_of_events_fetches_its_peoples_keys_in_one_go(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["Sam Ortiz", "Ana Lee", "Kofi Mensah", "Dee Park"]
    for n, name in enumerate(names):
        deal = api.open(title=f"Rollout {n}")["id"]
        api.record(deal, "StakeholderBoughtIn", stakeholder=name, department="IT",
                   role="champion", note=f"{name} is in")  # fmt: skip
    app = api.app.state.services.opportunities
    people = app.people
    people._keys.clear()  # as a process that just started
    one_at_a_time = watch_key_reads(monkeypatch, "_read_key")
    stored = app.recorder.select_notifications(start=0, limit=100, inclusive_of_start=False)
    records = app.records_of(stored)
    shown = [r.data for r in records if r.type == "StakeholderBoughtIn"]
    assert [d["stakeholder"] for d in shown] == names
    assert [d["note"] for d in shown] == [f"{name} is in" for name in names]
    assert one_at_a_time == []


def test_loading_a_deal_fetches_its_peoples_keys_in_one_go(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    deal = api.open(title="Rollout")["id"]
    for name in ("Sam Ortiz", "Ana Lee", "Kofi Mensah"):
        api.record(deal, "StakeholderBoughtIn", stakeholder=name, department="IT",
                   role="champion", note=f"{name} is in")  # fmt: skip
    app = api.app.state.services.opportunities
    app.people._keys.clear()  # as a process that just started
    one_at_a_time = watch_key_reads(monkeypatch, "_read_key")
    shown = repr(app.load(UUID(deal)).deal.describe(None, None))
    assert all(name in shown for name in ("Sam Ortiz", "Ana Lee", "Kofi Mensah"))
    assert one_at_a_time == []


def test_a_batch_read_that_leaves_names_sealed_reads_no_key(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    deal = api.open(title="Rollout")["id"]
    api.record(deal, "StakeholderBoughtIn", stakeholder="Sam Ortiz", department="IT",
               role="champion", note="Sam is in")  # fmt: skip
    app = api.app.state.services.opportunities
    app.people._keys.clear()  # as a process that just started
    keys_read = watch_key_reads(monkeypatch, "fetch_keys", "_read_key")
    stored = app.recorder.select_notifications(start=0, limit=100, inclusive_of_start=False)
    with names_left_sealed():
        records = app.records_of(stored)
    (bought_in,) = [r.data for r in records if r.type == "StakeholderBoughtIn"]
    assert bought_in["stakeholder"].startswith("person-")
    assert bought_in["note"] == SEALED
    assert keys_read == []


def test_a_deal_the_writer_loads_is_not_read_again_for_its_account(api: Any) -> None:
    deal = api.open(title="Rollout", account="Globex")["id"]
    services = api.app.state.services
    protector = services.opportunities.mapper.protector
    services.writer._copies.forget_all()  # as a process that just started
    protector._accounts.clear()
    read_for_the_account: list[Any] = []
    real = protector.recorder

    class Watched:
        def select_events(self, *args: Any, **kwargs: Any) -> Any:
            read_for_the_account.append(args)
            return real().select_events(*args, **kwargs)

    protector.recorder = Watched
    api.record(deal, "MeetingGained", contact="Sam Ortiz", department="IT", note="Sam is keen")
    assert read_for_the_account == []
    history = api.client.get(f"/v1/opportunities/{deal}/history", headers=api.auth("viewer"))
    assert history.json()["items"][-1]["data"]["contact"] == "Sam Ortiz"
