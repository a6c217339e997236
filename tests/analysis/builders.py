"""Hand-built histories for the win-analysis tests, recorded through the application service
(so every event is one the domain accepts). Business time is given in days after `t0`;
each recording moves the clock on by one second, so recording order is `recorded_at` order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import orjson

from domain.application import Opportunities

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Clock:
    """The server's clock: stands still until moved."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def in_memory(clock: Clock) -> Opportunities:
    """The application on the library's in-memory store: the same events, the same log."""
    return Opportunities({"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=clock)


def as_bytes(analysis: dict[str, Any]) -> bytes:
    return orjson.dumps(analysis)


class History:
    """Deals recorded on `app`, with business times `t0 + days`, well before the clock."""

    def __init__(self, app: Opportunities, clock: Clock, t0: datetime | None = None) -> None:
        self.app = app
        self.clock = clock
        self.t0 = t0 or clock.now - timedelta(days=200)

    def at(self, day: float) -> datetime:
        return self.t0 + timedelta(days=day)

    def deal(self, *, owner: str = "Jo", opened: float = 0, **fields: Any) -> Deal:
        self.clock.advance(seconds=1)
        fields = {"title": "Deal", "account": "Acme", "owner": owner, **fields}
        written = self.app.open(recorded_by="jo", fields=fields, occurred_at=self.at(opened))
        return Deal(self, written.opportunity_id)


class Deal:
    """One opportunity; each method records one event and returns the deal."""

    def __init__(self, history: History, opportunity_id: UUID) -> None:
        self.history = history
        self.id = opportunity_id
        self.last_interaction = ""
        self.version = 1

    def record(self, event_type: str, day: float, **fields: Any) -> Deal:
        history = self.history
        history.clock.advance(seconds=1)
        written = history.app.record(
            self.id, event_type, recorded_by="jo", fields=fields, occurred_at=history.at(day)
        )
        self.version = written.version
        if event_type == "InteractionPlanned":
            newest = max(written.state.plans.open.values(), key=lambda i: i.version)
            self.last_interaction = newest.interaction_id
        return self

    def meeting(self, day: float, department: str = "IT", contact: str = "Dana") -> Deal:
        return self.record("MeetingGained", day, contact=contact, department=department)

    def data(self, day: float) -> Deal:
        return self.record("CustomerDataGathered", day, summary="three plants")

    def buy_in(
        self, day: float, department: str = "IT", stakeholder: str = "Dana", role: str = "champion"
    ) -> Deal:
        return self.record(
            "StakeholderBoughtIn", day, stakeholder=stakeholder, department=department, role=role
        )

    def demo(self, day: float) -> Deal:
        return self.record("DemoScheduled", day, scheduled_for=self.history.at(day + 7))

    def verbal(self, day: float) -> Deal:
        return self.record("VerbalCommitment", day, stakeholder="Sam")

    def plan(self, day: float, *, objective: bool, planned_for: float | None = None) -> Deal:
        return self.record(
            "InteractionPlanned",
            day,
            contact="Dana",
            department="IT",
            channel="email",
            purpose="follow up",
            commitment_objective="agree to a demo" if objective else None,
            planned_for=self.history.at(planned_for) if planned_for is not None else None,
        )

    def reschedule(self, day: float, to: float) -> Deal:
        return self.record(
            "InteractionRescheduled",
            day,
            interaction_id=self.last_interaction,
            planned_for=self.history.at(to),
        )

    def retract(self, day: float, version: int) -> Deal:
        return self.record("EventRetracted", day, version=version, reason="a mistake")

    def reopen(self, day: float) -> Deal:
        return self.record("Reopened", day, reason="they came back")

    def complete(self, day: float, *, gained: bool) -> Deal:
        return self.record(
            "InteractionCompleted",
            day,
            interaction_id=self.last_interaction,
            commitment_gained=gained,
        )

    def pause(self, day: float) -> Deal:
        return self.record("Paused", day, reason="next quarter")

    def resume(self, day: float) -> Deal:
        return self.record("Resumed", day)

    def won(self, day: float) -> Deal:
        return self.record("ClosedWon", day)

    def lost(self, day: float) -> Deal:
        return self.record("ClosedLost", day, reason="no_decision")
