"""Of the text about people, the views show only the purpose and commitment objective of
an interaction still open and the reason of a pause under way: the projections read every
text unopened and open those where they show them, and their rows are exactly those of
projections that open every text as they read it."""

from __future__ import annotations

import contextlib
import pickle
from typing import Any

import pytest

import projections.runner
import storage.sealing
from storage.personal import Unopened, opened, texts_opened_when_shown
from tests.ops.stores import view_rows


def deal_with_text_about_people(api: Any, clock: Any) -> None:
    """A deal whose every kind of free text names a person (Sam Ortiz, the contact, and
    at the opening Dee Park, who referred it)."""
    deal = api.open(title="Rollout", referred_by="Dee Park", note="Dee Park asked for it")["id"]
    api.record(deal, "MeetingGained", contact="Sam Ortiz", department="IT",
               note="Sam Ortiz is keen")  # fmt: skip
    planned = api.record(deal, "InteractionPlanned", contact="Sam Ortiz", department="IT",
                         channel="email", purpose="Walk Sam Ortiz through the plan",
                         commitment_objective="Sam Ortiz books a demo",
                         planned_for=clock.iso(days=2), note="Sam Ortiz prefers mornings")  # fmt: skip
    call = planned["open_interactions"][0]["interaction_id"]
    api.record(deal, "InteractionRescheduled", interaction_id=call,
               planned_for=clock.iso(days=3), reason="Sam Ortiz is away")  # fmt: skip
    api.record(deal, "InteractionCompleted", interaction_id=call, commitment_gained=True,
               outcome="Sam Ortiz booked the demo")  # fmt: skip
    other = api.record(deal, "InteractionPlanned", contact="Sam Ortiz", department="IT",
                       channel="phone", purpose="Pricing with Sam Ortiz")  # fmt: skip
    api.record(deal, "InteractionCancelled",
               interaction_id=other["open_interactions"][0]["interaction_id"],
               reason="Sam Ortiz declined")  # fmt: skip
    api.record(deal, "InteractionPlanned", contact="Sam Ortiz", department="IT",
               channel="email", purpose="Contract review with Sam Ortiz",
               commitment_objective="Sam Ortiz signs")  # fmt: skip (still open)
    bought_in = api.record(deal, "StakeholderBoughtIn", stakeholder="Sam Ortiz",
                           department="IT", role="champion", title="CTO",
                           note="Sam Ortiz is in")  # fmt: skip
    api.record(deal, "EventRetracted", version=bought_in["version"],
               reason="Sam Ortiz was on the wrong deal")  # fmt: skip
    api.record(deal, "Paused", reason="Sam Ortiz on leave")
    api.record(deal, "Resumed")
    api.record(deal, "Paused", reason="Sam Ortiz is on holiday")  # under way


def every_view_rebuilt(services: Any) -> dict[str, Any]:
    storage.sealing.forget()  # nothing kept from earlier reads
    for name in services.runner.views:
        services.runner.rebuild(name)
    return view_rows(services)


def count_texts_opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    opened: list[str] = []
    real = storage.sealing.Opener.open

    def counted(self: Any, box: str) -> str | None:
        text = real(self, box)
        opened.append(str(text))
        return text

    monkeypatch.setattr(storage.sealing.Opener, "open", counted)
    return opened


def test_the_views_open_only_the_texts_they_show_and_read_as_if_they_opened_all(
    api: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    deal_with_text_about_people(api, clock)
    services = api.app.state.services
    services.runner.stop()  # the test rebuilds the views itself, in this thread
    opened = count_texts_opened(monkeypatch)

    rows = every_view_rebuilt(services)
    assert set(opened) == {
        "Contract review with Sam Ortiz", "Sam Ortiz signs", "Sam Ortiz is on holiday",
        "Sam Ortiz", "Dee Park",  # and the names
    }  # fmt: skip
    assert "Sam Ortiz signs" in str(rows)

    opened.clear()
    monkeypatch.setattr(projections.runner, "texts_opened_when_shown", contextlib.nullcontext)
    assert every_view_rebuilt(services) == rows  # every text opened as it is read
    assert "Sam Ortiz booked the demo" in opened
    assert "Sam Ortiz is keen" in opened


def test_a_text_read_unopened_opens_where_shown_once_and_erased_after_an_erasure(
    api: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    deal_with_text_about_people(api, clock)
    app = api.app.state.services.opportunities
    stored = app.recorder.select_notifications(start=0, limit=100, inclusive_of_start=False)
    with texts_opened_when_shown():
        records = app.records_of(stored)
    data = {r.type: r.data for r in records}  # the last of each type
    outcome = data["InteractionCompleted"]["outcome"]
    assert isinstance(outcome, Unopened)
    assert outcome.startswith("person-")  # as stored: the references, then the box
    assert data["InteractionPlanned"]["contact"] == "Sam Ortiz"  # names are opened
    api.app.state.services.runner.stop()  # nothing but this test opens anything
    decrypted = count_texts_opened(monkeypatch)
    assert opened(outcome) == "Sam Ortiz booked the demo"
    assert opened(outcome) == "Sam Ortiz booked the demo"  # shown again: kept
    assert decrypted == ["Sam Ortiz booked the demo"]
    assert opened(data["OpportunityOpened"]["note"]) == "Dee Park asked for it"
    assert opened("plain text") == "plain text"
    assert opened(None) is None
    everything = app.records_of(stored)  # outside it, every text is opened as read
    assert {r.type: r.data for r in everything}["MeetingGained"]["note"] == "Sam Ortiz is keen"

    erased = api.client.post("/v1/people/erase", json={"account": "Acme Corp", "name": "Sam Ortiz"},
                             headers=api.auth("admin"))  # fmt: skip
    assert erased.status_code == 200, erased.text
    assert opened(outcome) == "[erased]"  # read before the erasure, shown after it
    with pytest.raises(TypeError):
        pickle.dumps(outcome)
