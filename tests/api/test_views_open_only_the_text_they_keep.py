"""The views keep a planned interaction's purpose and commitment objective and a pause's
reason, and show no other text about people: the projections read the rest of it sealed
(one decryption less for each note and outcome), and their rows are exactly those of
projections that open every text."""

from __future__ import annotations

from typing import Any

import pytest

import storage.personal
import storage.sealing
from domain.state import TEXT_KEPT
from storage.personal import SEALED, only_text_of
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
    bought_in = api.record(deal, "StakeholderBoughtIn", stakeholder="Sam Ortiz",
                           department="IT", role="champion", title="CTO",
                           note="Sam Ortiz is in")  # fmt: skip
    api.record(deal, "EventRetracted", version=bought_in["version"],
               reason="Sam Ortiz was on the wrong deal")  # fmt: skip
    api.record(deal, "Paused", reason="Sam Ortiz on leave")
    api.record(deal, "Resumed")
    api.record(deal, "ClosedWon")
    api.record(deal, "Reopened", reason="Sam Ortiz came back")


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


def test_the_views_open_only_the_texts_they_keep_and_read_as_if_they_opened_all(
    api: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    deal_with_text_about_people(api, clock)
    services = api.app.state.services
    services.runner.stop()  # the test rebuilds the views itself, in this thread
    opened = count_texts_opened(monkeypatch)

    rows = every_view_rebuilt(services)
    assert set(opened) == {
        "Walk Sam Ortiz through the plan", "Sam Ortiz books a demo",
        "Pricing with Sam Ortiz", "Sam Ortiz on leave", "Sam Ortiz", "Dee Park",  # and names
    }  # fmt: skip

    opened.clear()
    monkeypatch.setattr(storage.personal, "_left", lambda *_args: ())  # open every text
    assert every_view_rebuilt(services) == rows
    assert "Sam Ortiz booked the demo" in opened  # and this time the outcome was opened
    assert "Sam Ortiz is keen" in opened


def test_a_read_that_keeps_some_texts_reads_the_others_sealed_and_names_in_full(
    api: Any, clock: Any
) -> None:
    deal_with_text_about_people(api, clock)
    app = api.app.state.services.opportunities
    stored = app.recorder.select_notifications(start=0, limit=100, inclusive_of_start=False)
    with only_text_of(TEXT_KEPT):
        records = app.records_of(stored)
    data = {r.type: r.data for r in records}  # the last of each type
    assert data["InteractionPlanned"]["purpose"] == "Pricing with Sam Ortiz"
    assert data["InteractionPlanned"]["contact"] == "Sam Ortiz"
    assert data["Paused"]["reason"] == "Sam Ortiz on leave"
    assert data["InteractionCompleted"]["outcome"] == SEALED
    assert data["MeetingGained"]["note"] == SEALED
    assert data["Reopened"]["reason"] == SEALED
    assert data["OpportunityOpened"]["note"] == SEALED
    everything = app.records_of(stored)  # outside it, every text is opened as before
    assert {r.type: r.data for r in everything}["InteractionCompleted"]["outcome"] == (
        "Sam Ortiz booked the demo"
    )
