"""Snapshots: an opportunity with a long history loads from its latest snapshot and the
events after it, with the same state as from every event; what needs the whole history (a
retraction) still works on an opportunity loaded that way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.application import Opportunities
from domain.momentum import MomentumPolicy
from domain.opportunity import Opportunity
from domain.snapshots import document, restore
from storage.writer import GroupCommitWriter
from tests.conftest import OpportunitiesFactory

POLICY = MomentumPolicy()
INTERVAL = 10


class Snappy(Opportunities):
    """The application with a snapshot every ten events (the default is every 200)."""

    name = Opportunities.name
    snapshotting_intervals = {Opportunity: INTERVAL}


@pytest.fixture
def app(make_opportunities: OpportunitiesFactory) -> Snappy:
    built = make_opportunities(cls=Snappy)
    assert isinstance(built, Snappy)
    return built


def a_long_deal(app: Opportunities, clock: Any, events: int) -> UUID:
    start = clock.now
    deal = app.open(recorded_by="jo", fields={"title": "Long", "account": "Acme"}).opportunity_id
    last = ""
    for n in range(events - 1):
        clock.advance(hours=5)
        if n % 4 == 0:
            written = app.record(deal, "InteractionPlanned", recorded_by="jo", fields={
                "contact": f"C{n % 3}", "department": ["IT", "Finance"][n % 2],
                "channel": "phone", "purpose": "call", "planned_for": clock.now + timedelta(days=1),
            })  # fmt: skip
            last = next(iter(written.state.plans.open))
        elif n % 4 == 1:
            app.record(deal, "InteractionCompleted", recorded_by="jo",
                       fields={"interaction_id": last, "commitment_gained": n % 3 == 0})  # fmt: skip
        elif n % 4 == 2:
            app.record(deal, "StakeholderBoughtIn", recorded_by="jo",
                       fields={"stakeholder": f"S{n % 5}", "department": "IT", "role": "user"})  # fmt: skip
        else:
            app.record(deal, "Paused" if n % 8 == 3 else "MeetingGained", recorded_by="jo",
                       fields={"reason": "later"} if n % 8 == 3 else {"contact": "Dana",
                                                                      "department": "Ops"},
                       occurred_at=max(start, clock.now - timedelta(days=2)))  # fmt: skip
            if n % 8 == 3:
                clock.advance(hours=1)
                app.record(deal, "Resumed", recorded_by="jo", fields={})
    return deal


def described(opportunity: Opportunity, now: datetime) -> Any:
    return opportunity.deal.describe(now, POLICY)


def test_a_state_survives_its_document_whole(app: Snappy, clock: Any) -> None:
    deal = a_long_deal(app, clock, 40)
    state = app.load_whole(deal).deal
    again = restore(document(state))
    assert again is not None
    later = clock.now + timedelta(days=3)
    assert again.describe(later, POLICY) == state.describe(later, POLICY)
    assert again.summary(POLICY) == state.summary(POLICY)


def test_a_long_history_loads_from_its_latest_snapshot_with_the_same_state(
    app: Snappy, clock: Any
) -> None:
    deal = a_long_deal(app, clock, 35)
    assert app.snapshots is not None
    snapshots = list(app.snapshots.get(deal))
    assert [s.originator_version for s in snapshots][-1] >= 30
    loaded = app.load(deal)
    assert loaded.history is None  # from the snapshot, not from every event
    whole = app.load_whole(deal)
    assert loaded.version == whole.version
    assert described(loaded, clock.now) == described(whole, clock.now)


def test_an_event_recorded_on_a_deal_loaded_from_a_snapshot_gives_the_state_of_the_whole(
    app: Snappy, clock: Any
) -> None:
    deal = a_long_deal(app, clock, 31)
    app.record(deal, "CustomerDataGathered", recorded_by="jo", fields={"summary": "x"})
    assert described(app.load(deal), clock.now) == described(app.load_whole(deal), clock.now)


@pytest.fixture
def writer(app: Snappy) -> Iterator[GroupCommitWriter]:
    built = GroupCommitWriter(app)
    yield built
    built.stop()


def test_a_retraction_on_a_deal_loaded_from_a_snapshot_reads_its_whole_history(
    app: Snappy, clock: Any, writer: GroupCommitWriter
) -> None:
    deal = a_long_deal(app, clock, 30)
    target = next(r.version for r in app.history(deal) if r.type == "StakeholderBoughtIn")
    written = writer.record(
        deal, "EventRetracted", recorded_by="jo", fields={"version": target, "reason": "wrong"}
    ).result(timeout=10)
    assert written.state.retracted == {target: written.version}
    app.record(deal, "EventRetracted", recorded_by="jo",
               fields={"version": target + 4, "reason": "wrong"})  # fmt: skip
    whole = app.load_whole(deal)
    assert set(whole.deal.retracted) == {target, target + 4}
    assert described(app.load(deal), clock.now) == described(whole, clock.now)


def test_a_snapshot_of_another_format_is_passed_over(app: Snappy, clock: Any) -> None:
    deal = a_long_deal(app, clock, 12)
    assert restore({"format": -1}) is None
    assert app.snapshots is not None
    [snapshot] = list(app.snapshots.get(deal))
    stale = type(snapshot)(
        originator_id=snapshot.originator_id,
        originator_version=snapshot.originator_version + 1,
        timestamp=datetime.now(UTC),
        topic=snapshot.topic,
        state={**snapshot.state, "deal": {"format": -1}},
    )
    app.snapshots.put([stale])
    app.record(deal, "CustomerDataGathered", recorded_by="jo", fields={"summary": "x"})
    assert app.load(deal).history is not None  # loaded from its events
