"""On random histories of a few deals (owners changed and spelled differently, backdated
events, interactions planned, moved late or early, cancelled and completed, pauses, closes
with and without amounts in two currencies, reopenings, retractions of anything, goals set
and backdated; the views caught up at random points in between), the scorecards and the sellers list served from the views equal a naive
computation written from DESIGN's words over the events that still stand
(tests/projections/scorecard_reference.py), in a time zone with daylight saving time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api import scorecards
from api.services import Services, build_services
from api.settings import Settings
from domain.errors import DomainError
from domain.records import EventRecord
from tests.projections.conftest import SMALL_POOLS
from tests.projections.scorecard_reference import key, week_before, week_name, world_of

ZONE = "Europe/Berlin"
OWNERS = ["jo", " Jo", "lee", "Lee  Park"]
KINDS = [
    "MeetingGained", "CustomerDataGathered", "StakeholderBoughtIn", "DemoScheduled",
    "VerbalCommitment", "plan", "plan", "plan", "plan", "reschedule", "reschedule",
    "reschedule", "cancel", "complete", "complete", "complete", "Paused", "Resumed",
    "ClosedWon", "ClosedLost", "Reopened", "Reopened", "owner", "amount", "retract", "retract",
    "goals", "goals",
]  # fmt: skip
steps = st.lists(
    st.tuples(
        st.integers(0, 2),  # which deal
        st.sampled_from(KINDS),
        st.integers(0, 10),  # a choice within the step
        st.floats(0, 40),  # hours the clock moves first
        st.floats(0, 30),  # hours the event is backdated
        st.booleans(),  # the views catch up after it (else later, with what follows)
    ),
    min_size=20,
    max_size=45,
)


@pytest.fixture
def services(database_url: str, clock: Any) -> Iterator[Services]:
    """Projections in this process, caught up inline by each read (no background runner)."""
    built = build_services(
        Settings(
            database_url=database_url, projections_in_process=True, team_timezone=ZONE,
            sweep_processes=0, **SMALL_POOLS,
        ),
        clock=clock,
    )  # fmt: skip
    yield built
    built.close()


def fields_of(kind: str, choice: int, clock: Any, open_ids: list[str]) -> dict[str, Any] | None:
    """The event's fields (None: nothing to do it with)."""
    later = clock.now + timedelta(hours=choice * 7 - 20)
    simple: dict[str, dict[str, Any]] = {
        "MeetingGained": {"contact": "Dana", "department": "IT"},
        "CustomerDataGathered": {"summary": "three plants"},
        "StakeholderBoughtIn": {"stakeholder": ["Sam", "Dana", "Kofi"][choice % 3],
                                "department": "Finance", "role": "user"},
        "DemoScheduled": {"scheduled_for": later},
        "VerbalCommitment": {"stakeholder": "Sam", "amount": [None, 100.5, 7][choice % 3]},
        "Paused": {"reason": "budget"},
        "Resumed": {},
        "ClosedWon": {"amount": [None, 0.1, 250.25][choice % 3]},
        "ClosedLost": {"reason": "price"},
        "Reopened": {"reason": "back"},
        "plan": {"contact": "Dana", "department": "IT", "channel": "email", "purpose": "follow up",
                 "commitment_objective": "a demo" if choice % 2 else None,
                 "planned_for": later if choice % 4 else None},
        "owner": {"owner": OWNERS[choice % len(OWNERS)]},
        "amount": {"amount": float(choice * 10), "currency": ["USD", "EUR"][choice % 2]},
    }  # fmt: skip
    if kind in simple:
        return {k: v for k, v in simple[kind].items() if v is not None}
    if kind in ("reschedule", "cancel", "complete"):
        if not open_ids:
            return None
        fields: dict[str, Any] = {"interaction_id": open_ids[choice % len(open_ids)]}
        if kind == "reschedule":
            fields["planned_for"] = later
        elif kind == "cancel":
            fields["reason"] = "declined"
        else:
            fields["commitment_gained"] = choice % 3 != 0
        return fields
    return {"version": choice, "reason": "a mistake"}  # retract (version: set by drive)


EVENT_OF = {"plan": "InteractionPlanned", "reschedule": "InteractionRescheduled",
            "cancel": "InteractionCancelled", "complete": "InteractionCompleted",
            "owner": "DetailsChanged", "amount": "DetailsChanged",
            "retract": "EventRetracted"}  # fmt: skip


def drive(services: Services, clock: Any, history: list[Any]) -> None:
    app = services.opportunities
    deals = [
        app.open(recorded_by="jo", fields={"title": f"Deal {n}", "account": "Acme",
                                           "owner": OWNERS[n], "amount": 50})
        .opportunity_id
        for n in range(3)
    ]  # fmt: skip
    for index, kind, choice, gap, backdate, read in history:
        if read:
            services.runner.catch_up()
        clock.advance(hours=gap)
        deal = deals[index]
        opened = app.load(deal).deal.lifecycle.opened_at
        occurred = max(opened, clock.now - timedelta(hours=backdate))
        try:
            if kind == "goals":
                weekly = {"MeetingGained": choice % 3, "interactions_completed": choice % 2}
                if choice % 4 == 0:
                    weekly["commitments_gained"] = 1
                app.set_goals(OWNERS[choice % len(OWNERS)], recorded_by="jo",
                              fields={"weekly": weekly}, occurred_at=occurred)  # fmt: skip
                continue
            state = app.load(deal).deal
            open_ids = [i.interaction_id for i in state.plans.ordered()]
            fields = fields_of(kind, choice, clock, open_ids)
            if kind == "retract" and fields is not None:
                fields["version"] = 2 + choice % max(1, state.version - 1)  # any but the opening
            if fields is not None:
                app.record(deal, EVENT_OF.get(kind, kind), recorded_by="jo", fields=fields,
                           occurred_at=occurred)  # fmt: skip
        except DomainError:
            continue


def histories(services: Services) -> dict[str, list[EventRecord]]:
    app = services.opportunities
    found: dict[str, list[EventRecord]] = {}
    for notification in app.recorder.select_notifications(start=1, limit=1_000_000):
        found.setdefault(str(notification.originator_id), []).append(app.record_of(notification))
    return found


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=steps)
def test_scorecards_and_the_sellers_list_equal_a_naive_count_of_the_standing_events(
    services: Services, clock: Any, history: list[Any]
) -> None:
    start = clock.now
    drive(services, clock, history)
    world = world_of(histories(services), services.settings.team_zone(), clock.now)

    weeks = [week_name(clock.now + timedelta(days=7), world.zone)]
    while weeks[-1] >= week_name(start - timedelta(days=9), world.zone):
        weeks.append(week_before(weeks[-1], world.zone))
    for owner in ("JO", "lee", "Lee Park"):
        for week in weeks:
            served = scorecards.get_scorecard(services, owner, week)
            del served["from"], served["to"]
            assert served == world.scorecard(owner, week), (owner, week)

    listed = scorecards.list_sellers(services, 500, None)["items"]
    this_week = week_name(clock.now, world.zone)
    expected = []
    for who in sorted(world.spellings):
        card = world.scorecard(who, this_week)
        met = sum(row["met"] for row in card["goals"])
        expected.append({"owner": card["owner"], "small_wins": card["small_wins"],
                         "goals": {"met": met, "total": len(card["goals"])},
                         "overdue_now": card["overdue_now"]})  # fmt: skip
    assert listed == expected
    assert all(key(item["owner"]) in world.spellings for item in listed)
    assert UUID(str(next(iter(histories(services)))))  # the log is not empty
