"""The views serve exactly what the domain's pure functions say, on random histories (with
plans moved and cancelled, details changed, events taken back, deals closed and reopened,
the views catching up now and then so later events arrive in batches of their own) and on
both backends, at any moment of reading."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.reads import current_state
from api.services import Services
from domain.errors import DomainError
from domain.state import describe
from projections.queries import Filters, list_page, with_momentum
from projections.render import render_full
from tests.projections.drivers import open_deal, record

DEPARTMENTS = ["IT", "it ", "Finance", "Operations", "Legal"]
PEOPLE = ["Dana", "dana", "Sam", "Lee  Park", "lee park"]

commands = st.one_of(
    st.tuples(
        st.just("MeetingGained"),
        st.fixed_dictionaries(
            {"contact": st.sampled_from(PEOPLE), "department": st.sampled_from(DEPARTMENTS)}
        ),
    ),
    st.tuples(st.just("CustomerDataGathered"), st.just({"summary": "three plants"})),
    st.tuples(
        st.just("StakeholderBoughtIn"),
        st.fixed_dictionaries(
            {
                "stakeholder": st.sampled_from(PEOPLE),
                "department": st.sampled_from(DEPARTMENTS),
                "role": st.sampled_from(["decision_maker", "economic_buyer", "champion", "user"]),
            }
        ),
    ),
    st.tuples(st.just("DemoScheduled"), st.just({"scheduled_for": None})),
    st.tuples(st.just("VerbalCommitment"), st.just({"stakeholder": "Sam", "amount": 1000})),
    st.tuples(st.just("Paused"), st.just({"reason": "next quarter"})),
    st.tuples(st.just("Resumed"), st.just({})),
    st.tuples(st.just("ClosedWon"), st.just({})),
    st.tuples(
        st.just("InteractionPlanned"),
        st.fixed_dictionaries(
            {
                "contact": st.sampled_from(PEOPLE),
                "department": st.sampled_from(DEPARTMENTS),
                "channel": st.just("email"),
                "purpose": st.just("follow up"),
                "commitment_objective": st.sampled_from([None, "agree to a demo"]),
            }
        ),
    ),
    st.tuples(
        st.just("InteractionCompleted"), st.fixed_dictionaries({"commitment_gained": st.booleans()})
    ),
    st.tuples(
        st.just("InteractionPlanned"),
        st.fixed_dictionaries(
            {
                "contact": st.sampled_from(PEOPLE),
                "department": st.sampled_from(DEPARTMENTS),
                "channel": st.just("phone"),
                "purpose": st.just("call"),
                "planned_for": st.floats(min_value=-5, max_value=10),  # days from the clock
            }
        ),
    ),
    st.tuples(
        st.just("InteractionRescheduled"),
        st.fixed_dictionaries({"planned_for": st.floats(min_value=-3, max_value=10)}),
    ),
    st.tuples(st.just("InteractionCancelled"), st.just({"reason": "declined"})),
    st.tuples(
        st.just("DetailsChanged"),
        st.fixed_dictionaries(
            {
                "expected_close": st.sampled_from(["2027-01-15", "2027-02-15", "2027-03-15"]),
                "amount": st.sampled_from([None, 500, 2500]),
            }
        ),
    ),
    st.tuples(st.just("EventRetracted"), st.fixed_dictionaries({"back": st.integers(1, 6)})),
    st.tuples(st.just("Reopened"), st.just({"reason": "they came back"})),
)
closes = st.sampled_from([None, ("ClosedWon", {}), ("ClosedLost", {"reason": "price"})])
histories = st.lists(
    st.tuples(
        commands,
        st.floats(min_value=0, max_value=20),
        st.floats(min_value=0, max_value=3),
        st.booleans(),  # the views catch up right after it (so later events come in new batches)
    ),
    min_size=3,
    max_size=25,
)


def drive(services: Services, clock: Any, history: list[Any]) -> Any:
    """Open a deal and apply the commands the lifecycle accepts, moving the clock forward
    and sometimes backdating occurred_at."""
    opportunity_id = open_deal(services, buying_departments=["IT", "Finance", "Legal"])
    opened = clock.now
    for (event_type, fields), gap_days, backdate_days, catch_up in history:
        clock.advance(days=gap_days)
        data = dict(fields)
        deal = services.opportunities.load(opportunity_id)
        if event_type == "DemoScheduled":
            data["scheduled_for"] = clock.now + timedelta(days=3)
        if "planned_for" in data:
            data["planned_for"] = max(opened, clock.now + timedelta(days=data["planned_for"]))
        if event_type in ("InteractionCompleted", "InteractionRescheduled", "InteractionCancelled"):
            open_ones = deal.deal.plans.ordered()
            if not open_ones:
                continue
            data["interaction_id"] = open_ones[0].interaction_id
        if event_type == "EventRetracted":
            data = {"version": max(2, deal.version - data["back"]), "reason": "a mistake"}
        data = {k: v for k, v in data.items() if v is not None}
        occurred = max(opened, clock.now - timedelta(days=backdate_days))
        try:
            record(services, opportunity_id, event_type, occurred_at=occurred, **data)
        except DomainError:
            continue
        if catch_up:
            services.runner.catch_up()
    return opportunity_id


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories, close=closes, later_days=st.floats(min_value=0, max_value=60))
def test_the_pipeline_view_serves_what_the_domain_derives(
    services: Services, clock: Any, history: list[Any], close: Any, later_days: float
) -> None:
    opportunity_id = drive(services, clock, history + ([(close, 1.0, 0.0, False)] if close else []))
    services.runner.catch_up()
    clock.advance(days=later_days)
    expected = render_full(
        str(opportunity_id),
        describe(services.opportunities.history(opportunity_id), clock.now, services.policy),
        clock.now,
    )
    assert current_state(services, opportunity_id) == expected
    rows, _ = list_page(
        services.database, Filters(), "-opened_at", 500, None, clock.now, services.policy
    )
    listed = {row[0]: with_momentum(row[1], row[2], clock.now, services.policy) for row in rows}
    assert listed[str(opportunity_id)] == expected
