"""Hand-computed examples of the derived values of DESIGN section 3: the ladder and resume
point, momentum (score, trend, stalled, days since the last win) and relationship depth.

Histories are recorded on the aggregate at whole days after a fixed opening instant, then
read with the pure functions at a chosen instant."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.ladder import ladder
from domain.momentum import Momentum, MomentumPolicy
from domain.names import name_key, tidy
from domain.opportunity import Opportunity, Stamp
from domain.relationships import Relationships, relationships
from domain.state import describe

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # the fixed clock: the deal is opened then
POLICY = MomentumPolicy()  # half-life 14, trend window 7, stall threshold 21

Step = Callable[[Opportunity], object]


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def on(n: float, *, occurred: float | None = None) -> Stamp:
    """Recorded on day `n` (the clock), having occurred on day `occurred` (default: then)."""
    return Stamp("bob", day(n), None if occurred is None else day(occurred))


def deal(*steps: Step, **opening: Any) -> Opportunity:
    opportunity = Opportunity.open(
        Stamp("alice", T0), {"title": "Warehouse pilot", "account": "Acme", **opening}
    )
    for step in steps:
        step(opportunity)
    return opportunity


def event(event_type: str, n: float, fields: dict[str, Any], occurred: float | None = None) -> Step:
    """Record `event_type` with `fields` on day `n` (having occurred on day `occurred`)."""
    return lambda d: d.record(event_type, on(n, occurred=occurred), fields)


def meeting(
    n: float, department: str = "IT", contact: str = "Dana Lee", *, occurred: float | None = None
) -> Step:
    return event("MeetingGained", n, {"contact": contact, "department": department}, occurred)


def customer_data(n: float) -> Step:
    return event("CustomerDataGathered", n, {"summary": "Runs 40 warehouses"})


def buy_in(n: float, stakeholder: str, department: str = "IT", role: str = "champion") -> Step:
    fields = {"stakeholder": stakeholder, "department": department, "role": role}
    return event("StakeholderBoughtIn", n, fields)


def demo(n: float, *, occurred: float | None = None) -> Step:
    return event("DemoScheduled", n, {"scheduled_for": day(n + 7)}, occurred)


def verbal(n: float) -> Step:
    return event("VerbalCommitment", n, {"stakeholder": "Dana Lee"})


def pause(n: float) -> Step:
    return event("Paused", n, {"reason": "Budget freeze"})


def resume(n: float) -> Step:
    return event("Resumed", n, {})


def plan(n: float, department: str = "IT", interaction_id: str = "call-1") -> Step:
    fields = {
        "contact": "Sam Ortiz",
        "department": department,
        "channel": "phone",
        "purpose": "Review the pilot",
        "interaction_id": interaction_id,
    }
    return event("InteractionPlanned", n, fields)


def complete(n: float, gained: bool, interaction_id: str = "call-1") -> Step:
    fields = {"interaction_id": interaction_id, "commitment_gained": gained}
    return event("InteractionCompleted", n, fields)


def won(n: float) -> Step:
    return event("ClosedWon", n, {})


def lost(n: float, *, occurred: float | None = None) -> Step:
    return event("ClosedLost", n, {"reason": "timing"}, occurred)


def reopen(n: float) -> Step:
    return event("Reopened", n, {"reason": "The customer came back"})


def retract(n: float, version: int) -> Step:
    return event("EventRetracted", n, {"version": version, "reason": "Recorded by mistake"})


def momentum_on(n: float, *steps: Step, policy: MomentumPolicy = POLICY) -> Momentum:
    momentum = describe(deal(*steps).history, day(n), policy).momentum
    assert momentum is not None
    return momentum


def relationships_of(*steps: Step, **opening: Any) -> Relationships:
    return relationships(deal(*steps, **opening).history)


def depths(rels: Relationships) -> dict[str, str]:
    return {d.name: d.depth for d in rels.departments}


# --- ladder: stage, resume point, next small win ----------------------------------------


def test_a_deal_without_small_wins_is_at_no_stage_and_next_needs_a_meeting() -> None:
    rungs = ladder(deal().history)

    assert rungs.stage == "none"
    assert rungs.resume_point is None
    assert rungs.next_small_win == "meeting"


def test_the_stage_is_the_highest_rung_reached_with_the_event_that_reached_it() -> None:
    rungs = ladder(deal(meeting(1), customer_data(3)).history)

    assert rungs.stage == "customer_data"
    assert rungs.resume_point is not None
    assert (rungs.resume_point.rung, rungs.resume_point.name) == (2, "customer_data")
    assert (rungs.resume_point.version, rungs.resume_point.occurred_at) == (3, day(3))
    assert rungs.next_small_win == "decision_makers"


def test_a_higher_rung_reached_first_is_the_stage_and_next_is_the_lowest_missing() -> None:
    rungs = ladder(deal(demo(2), meeting(4)).history)

    assert rungs.stage == "demo"
    assert rungs.resume_point is not None
    assert (rungs.resume_point.version, rungs.resume_point.occurred_at) == (2, day(2))
    assert rungs.next_small_win == "customer_data"


def test_the_resume_point_is_the_first_event_that_reached_the_highest_rung() -> None:
    rungs = ladder(deal(demo(2), demo(5), meeting(6)).history)

    assert rungs.resume_point is not None
    assert (rungs.resume_point.version, rungs.resume_point.occurred_at) == (2, day(2))


def test_one_stakeholder_bought_in_is_not_yet_decision_makers() -> None:
    rungs = ladder(deal(meeting(1), customer_data(2), buy_in(3, "Dana Lee")).history)

    assert rungs.stage == "customer_data"
    assert rungs.next_small_win == "decision_makers"


def test_two_spellings_of_one_stakeholder_are_not_decision_makers() -> None:
    history = deal(
        buy_in(1, "Dana Lee", "IT"), buy_in(2, "  dana   LEE ", "Finance", "decision_maker")
    ).history

    assert ladder(history).stage == "none"


def test_decision_makers_is_reached_by_the_second_distinct_stakeholder() -> None:
    rungs = ladder(
        deal(
            buy_in(1, "Dana Lee"), buy_in(2, "Dana Lee"), buy_in(4, "Sam Ortiz", "Finance")
        ).history
    )

    assert rungs.stage == "decision_makers"
    assert rungs.resume_point is not None
    assert (rungs.resume_point.version, rungs.resume_point.occurred_at) == (4, day(4))
    assert rungs.next_small_win == "meeting"


def test_all_five_rungs_reached_leaves_no_next_small_win() -> None:
    rungs = ladder(
        deal(
            meeting(1), customer_data(2), buy_in(3, "Dana"), buy_in(4, "Sam"), demo(5), verbal(6)
        ).history
    )

    assert rungs.stage == "verbal_commitment"
    assert [r.name for r in rungs.reached] == [
        "meeting",
        "customer_data",
        "decision_makers",
        "demo",
        "verbal_commitment",
    ]
    assert rungs.next_small_win is None


@pytest.mark.parametrize("close", [won, lost])
def test_a_closed_deal_has_no_next_small_win_but_keeps_its_stage(
    close: Callable[[float], Step],
) -> None:
    rungs = ladder(deal(meeting(1), close(2)).history)

    assert rungs.stage == "meeting"
    assert rungs.next_small_win is None


def test_pausing_and_resuming_keep_the_resume_point() -> None:
    before = ladder(deal(meeting(1), demo(2)).history)
    paused = ladder(deal(meeting(1), demo(2), pause(3)).history)
    resumed = ladder(deal(meeting(1), demo(2), pause(3), resume(40)).history)

    assert before.resume_point is not None
    assert paused.resume_point == resumed.resume_point == before.resume_point
    assert (before.resume_point.name, before.resume_point.version) == ("demo", 3)
    assert resumed.next_small_win == "customer_data"


def test_a_gained_commitment_is_a_small_win_but_not_a_rung() -> None:
    state = describe(deal(plan(1), complete(2, gained=True)).history, day(2), POLICY)

    assert state.ladder.stage == "none"
    assert state.last_small_win is not None
    assert (state.last_small_win.type, state.last_small_win.version) == ("InteractionCompleted", 3)


# --- momentum score ------------------------------------------------------------------------


def test_one_demo_scheduled_fourteen_active_days_ago_scores_one() -> None:
    assert momentum_on(14, demo(0)).score == 1.0


@pytest.mark.parametrize(
    ("steps", "score"),
    [
        pytest.param((meeting(0),), 0.5, id="meeting-weighs-1"),
        pytest.param((customer_data(0),), 0.5, id="customer-data-weighs-1"),
        pytest.param((buy_in(0, "Dana", role="champion"),), 1.0, id="champion-weighs-2"),
        pytest.param((buy_in(0, "Dana", role="user"),), 1.0, id="user-weighs-2"),
        pytest.param(
            (buy_in(0, "Dana", role="decision_maker"),), 1.5, id="decision-maker-weighs-3"
        ),
        pytest.param(
            (buy_in(0, "Dana", role="economic_buyer"),), 1.5, id="economic-buyer-weighs-3"
        ),
        pytest.param((demo(0),), 1.0, id="demo-weighs-2"),
        pytest.param((verbal(0),), 1.5, id="verbal-commitment-weighs-3"),
        pytest.param((plan(0), complete(0, gained=True)), 0.5, id="gained-commitment-weighs-1"),
        pytest.param((plan(0), complete(0, gained=False)), 0.0, id="no-commitment-no-win"),
        pytest.param((plan(0),), 0.0, id="planned-interaction-no-win"),
    ],
)
def test_each_small_win_weighs_as_designed_halved_after_fourteen_days(
    steps: tuple[Step, ...], score: float
) -> None:
    assert momentum_on(14, *steps).score == score


def test_a_win_scores_its_full_weight_when_it_just_happened() -> None:
    assert momentum_on(0, verbal(0)).score == 3.0


def test_the_score_sums_the_decayed_weights_of_all_wins() -> None:
    # meeting: 1 x 0.5^(28/14) = 0.25; demo: 2 x 0.5^(14/14) = 1.0
    assert momentum_on(28, meeting(0), demo(14)).score == 1.25


def test_the_score_is_reported_to_three_decimals() -> None:
    # 2 x 0.5^(3/14) = 1.72394...
    assert momentum_on(3, demo(0)).score == 1.724


def test_a_win_that_had_not_occurred_yet_does_not_count() -> None:
    # recorded on day 2, dated 5 minutes ahead (the most allowed), read on day 2
    state = describe(deal(meeting(2, occurred=2 + 5 / 1440)).history, day(2), POLICY)

    assert state.momentum is not None
    assert state.momentum.score == 0.0
    assert state.last_small_win is None


def test_a_backdated_win_decays_from_when_it_occurred() -> None:
    assert momentum_on(20, demo(20, occurred=6)).score == 1.0


def test_decay_stops_while_the_deal_is_paused() -> None:
    # 7 active days before the pause: 2 x 0.5^(7/14) = 1.41421...
    assert momentum_on(7, demo(0), pause(7)).score == 1.414
    assert momentum_on(30, demo(0), pause(7)).score == 1.414


def test_decay_resumes_after_the_pause_counting_only_active_days() -> None:
    # active days: 7 before the pause + 7 after resuming = 14
    assert momentum_on(28, demo(0), pause(7), resume(21)).score == 1.0


def test_every_pause_is_left_out_of_the_decay() -> None:
    # 20 calendar days, 3 + 3 of them paused: 14 active days
    steps = (demo(0), pause(2), resume(5), pause(10), resume(13))

    assert momentum_on(20, *steps).score == 1.0


def test_a_custom_half_life_changes_the_decay() -> None:
    policy = MomentumPolicy(half_life_days=7)

    assert momentum_on(14, demo(0), policy=policy).score == 0.5


# --- trend -----------------------------------------------------------------------------


def test_a_fresh_win_makes_momentum_rise() -> None:
    # now 1.724, a week ago 0 (the demo had not happened)
    assert momentum_on(3, demo(0)).trend == "rising"


def test_a_decaying_verbal_commitment_makes_momentum_fall() -> None:
    # now 3 x 0.5^(10/14) = 1.829, a week ago 3 x 0.5^(3/14) = 2.586: down 0.757
    assert momentum_on(10, verbal(0)).trend == "falling"


def test_a_small_change_is_steady() -> None:
    # now 2 x 0.5^(20/14) = 0.742, a week ago 2 x 0.5^(13/14) = 1.050: down 0.308
    assert momentum_on(20, demo(0)).trend == "steady"


def test_a_deal_without_wins_is_steady() -> None:
    assert momentum_on(30).trend == "steady"


def test_a_drop_of_exactly_half_a_point_is_falling() -> None:
    # with a 14-day window: 14 days ago the meeting scored 1, now 0.5
    policy = MomentumPolicy(trend_window_days=14)

    assert momentum_on(14, meeting(0), policy=policy).trend == "falling"


def test_a_rise_of_exactly_half_a_point_is_rising() -> None:
    # now 0.5 + 1 = 1.5; 14 days ago 1 (the second meeting had not happened)
    policy = MomentumPolicy(trend_window_days=14)

    assert momentum_on(14, meeting(0), meeting(14), policy=policy).trend == "rising"


def test_a_drop_just_under_half_a_point_is_steady() -> None:
    # 13 days ago 0.5^(1/14) = 0.952, now 0.5: down 0.452
    policy = MomentumPolicy(trend_window_days=13)

    assert momentum_on(14, meeting(0), policy=policy).trend == "steady"


def test_a_paused_deal_holds_its_momentum_steady() -> None:
    result = momentum_on(30, demo(0), pause(1))

    assert result.score == 1.903  # 2 x 0.5^(1/14)
    assert result.trend == "steady"


# --- stalled and days since the last win ------------------------------------------------------


def test_a_deal_without_wins_is_not_stalled_at_exactly_21_days() -> None:
    result = momentum_on(21)

    assert (result.stalled, result.days_since_last_win) == (False, 21.0)


def test_a_deal_without_wins_stalls_after_21_days_since_opening() -> None:
    result = momentum_on(21 + 1 / 24)

    assert (result.stalled, result.days_since_last_win) == (True, 21.0)


def test_a_deal_stalls_more_than_21_days_after_its_last_win() -> None:
    assert momentum_on(31, meeting(10)).stalled is False
    assert momentum_on(32, meeting(10)).stalled is True


def test_days_since_the_last_win_count_from_the_latest_occurrence() -> None:
    # the meeting recorded last (day 6) occurred on day 2, before the one of day 5
    assert momentum_on(10, meeting(5), meeting(6, occurred=2)).days_since_last_win == 5.0


def test_days_since_the_last_win_are_reported_to_one_decimal() -> None:
    # 3 days and 5 hours = 3.208 days
    assert momentum_on(3 + 5 / 24, meeting(0)).days_since_last_win == 3.2


def test_days_since_the_last_win_leave_out_paused_time() -> None:
    result = momentum_on(30, pause(5), resume(25))

    assert (result.stalled, result.days_since_last_win) == (False, 10.0)


def test_a_paused_deal_is_never_stalled() -> None:
    result = momentum_on(60, meeting(0), pause(1))

    assert (result.stalled, result.days_since_last_win) == (False, 1.0)


def test_a_deal_that_stays_quiet_after_resuming_stalls_again() -> None:
    # 1 active day before the pause, 21.5 after it
    assert momentum_on(61.5, meeting(0), pause(1), resume(40)).stalled is True


# --- closed deals: momentum fixed at the close, its trend steady (DESIGN section 11) --------------


def test_a_won_deal_is_evaluated_at_its_close_time() -> None:
    state = describe(deal(demo(0), won(14)).history, day(100), POLICY)

    # at the close: 2 x 0.5^(14/14) = 1.0; a closed deal's trend is steady
    assert state.momentum == Momentum(1.0, "steady", False, 14.0)
    assert state.last_small_win is not None
    assert state.last_small_win.version == 2


def test_a_lost_deal_is_evaluated_at_its_close_time_never_stalls_and_is_steady() -> None:
    # at the close 3 x 0.5^(10/14) = 1.829; it had dropped 0.757 in the week before the
    # close, but a closed deal's trend is reported as steady (DESIGN section 11)
    result = momentum_on(200, verbal(0), lost(10))

    assert result == Momentum(1.829, "steady", False, 10.0)


def test_a_deal_closed_without_wins_is_not_stalled() -> None:
    assert momentum_on(100, won(30)) == Momentum(0.0, "steady", False, 30.0)


def test_a_deal_closed_while_paused_keeps_the_momentum_it_paused_with() -> None:
    assert momentum_on(100, demo(0), pause(7), lost(50)).score == 1.414


def test_a_close_dated_before_a_win_leaves_that_win_out_of_the_closed_deal() -> None:
    # the demo (day 5) occurred after the close (recorded on day 6, dated day 3)
    state = describe(deal(meeting(1), demo(5), lost(6, occurred=3)).history, day(10), POLICY)

    # at the close: the meeting only, 2 days old: 0.5^(2/14) = 0.906
    assert state.momentum == Momentum(0.906, "steady", False, 2.0)
    assert state.last_small_win is not None
    assert (state.last_small_win.type, state.last_small_win.version) == ("MeetingGained", 2)


def test_a_reopened_deal_is_read_at_the_reading_instant_again_and_can_stall() -> None:
    # closed on day 14 (1.0 then), reopened on day 20: read on day 28 the demo is 28 days old
    result = momentum_on(28, demo(0), won(14), reopen(20))

    # 2 x 0.5^(28/14) = 0.5; a week before 2 x 0.5^(21/14) = 0.707: steady
    assert result == Momentum(0.5, "steady", True, 28.0)


def test_a_deal_closed_again_is_read_at_its_last_close() -> None:
    # 2 x 0.5^(28/14) = 0.5 at the second close (day 28), the same on day 100
    assert momentum_on(100, demo(0), won(14), reopen(20), lost(28)) == Momentum(
        0.5, "steady", False, 28.0
    )


def test_a_retracted_win_counts_as_if_it_had_never_been_recorded() -> None:
    # the demo (version 3) is taken back: only the meeting of day 0 is left
    state = describe(deal(meeting(0), demo(1), retract(2, 3)).history, day(14), POLICY)

    assert state.momentum == Momentum(0.5, "steady", False, 14.0)
    assert state.last_small_win is not None
    assert state.last_small_win.version == 2
    assert state.ladder.stage == "meeting"
    assert state.version == 4


# --- relationships ---------------------------------------------------------------------------------


def test_a_meeting_or_a_planned_interaction_makes_a_department_contacted() -> None:
    rels = relationships_of(meeting(1, "IT"), plan(2, "Finance"))

    assert depths(rels) == {"IT": "contacted", "Finance": "contacted"}
    assert [d.stakeholders for d in rels.departments] == [(), ()]
    assert rels.bought_in_departments == 0


@pytest.mark.parametrize(
    ("role", "depth"),
    [
        ("champion", "bought_in"),
        ("influencer", "bought_in"),
        ("technical_evaluator", "bought_in"),
        ("user", "bought_in"),
        ("other", "bought_in"),
        ("decision_maker", "decision_maker"),
        ("economic_buyer", "decision_maker"),
    ],
)
def test_a_stakeholder_buying_in_deepens_the_department_by_role(role: str, depth: str) -> None:
    rels = relationships_of(meeting(1, "IT"), buy_in(2, "Dana Lee", "IT", role))

    assert depths(rels) == {"IT": depth}
    assert rels.departments[0].stakeholders == ("Dana Lee",)
    assert rels.bought_in_departments == 1


def test_depth_never_goes_down() -> None:
    rels = relationships_of(
        buy_in(1, "Dana Lee", "IT", "economic_buyer"),
        buy_in(2, "Sam Ortiz", "IT", "user"),
        meeting(3, "IT"),
    )

    assert depths(rels) == {"IT": "decision_maker"}
    assert rels.departments[0].stakeholders == ("Dana Lee", "Sam Ortiz")


def test_bought_in_departments_count_bought_in_and_decision_maker_depths_only() -> None:
    rels = relationships_of(
        meeting(1, "Legal"),
        buy_in(2, "Dana Lee", "IT", "champion"),
        buy_in(3, "Sam Ortiz", "Finance", "economic_buyer"),
    )

    assert depths(rels) == {"Legal": "contacted", "IT": "bought_in", "Finance": "decision_maker"}
    assert rels.bought_in_departments == 2


def test_departments_are_listed_in_order_of_first_appearance() -> None:
    rels = relationships_of(meeting(1, "Legal"), buy_in(2, "Dana", "IT"), meeting(3, "Finance"))

    assert [d.name for d in rels.departments] == ["Legal", "IT", "Finance"]


def test_a_deal_without_stakeholders_is_single_threaded() -> None:
    assert relationships_of(meeting(1)).single_threaded is True


def test_a_deal_hanging_on_one_stakeholder_is_single_threaded() -> None:
    rels = relationships_of(
        buy_in(1, "Dana Lee", "IT"), buy_in(2, "Dana Lee", "Finance", "decision_maker")
    )

    assert rels.bought_in_departments == 2
    assert rels.single_threaded is True


def test_two_distinct_stakeholders_are_not_single_threaded() -> None:
    rels = relationships_of(buy_in(1, "Dana Lee", "IT"), buy_in(2, "Sam Ortiz", "IT"))

    assert rels.single_threaded is False


def test_coverage_is_null_without_buying_departments() -> None:
    assert relationships_of(buy_in(1, "Dana Lee", "IT")).coverage is None


def test_coverage_is_the_bought_in_share_of_the_buying_departments() -> None:
    rels = relationships_of(
        buy_in(1, "Dana Lee", "it"),
        buy_in(2, "Sam Ortiz", " finance ", "decision_maker"),
        buy_in(3, "Kim Park", "Marketing"),  # bought in, but not a buying department
        meeting(4, "Legal"),  # a buying department only contacted
        buying_departments=["IT", "Finance", "Legal"],
    )

    assert rels.coverage == pytest.approx(2 / 3)


def test_coverage_is_zero_when_no_buying_department_bought_in() -> None:
    rels = relationships_of(meeting(1, "IT"), buying_departments=["IT"])

    assert rels.coverage == 0.0


def test_department_names_match_ignoring_case_and_spaces_and_show_the_first_spelling() -> None:
    rels = relationships_of(
        meeting(1, "Human  Resources"),
        buy_in(2, "Dana Lee", " human resources"),
        plan(3, "HUMAN RESOURCES "),
    )

    assert depths(rels) == {"Human Resources": "bought_in"}


def test_stakeholder_names_match_ignoring_case_and_spaces_and_show_the_first_spelling() -> None:
    rels = relationships_of(buy_in(1, " Dana   Lee", "IT"), buy_in(2, "DANA LEE", "IT"))

    assert rels.departments[0].stakeholders == ("Dana Lee",)
    assert rels.single_threaded is True


@pytest.mark.parametrize(
    ("spelling", "shown", "key"),
    [
        ("Human Resources", "Human Resources", "human resources"),
        ("  Human Resources \n", "Human Resources", "human resources"),
        ("Human \t  Resources", "Human Resources", "human resources"),
        ("HUMAN RESOURCES", "HUMAN RESOURCES", "human resources"),
        ("Straße", "Straße", "strasse"),
    ],
)
def test_a_name_is_shown_tidied_and_compared_by_its_key(
    spelling: str, shown: str, key: str
) -> None:
    assert tidy(spelling) == shown
    assert name_key(spelling) == key


def test_first_reached_times_are_kept_per_department() -> None:
    rels = relationships_of(meeting(1, "IT"), buy_in(3, "Dana", "IT"), buy_in(5, "Sam", "IT"))

    [it] = rels.departments
    assert (it.first_contacted_at, it.first_bought_in_at) == (day(1), day(3))


# --- one state, all together -------------------------------------------------------------------------


def test_describe_brings_the_derived_values_together() -> None:
    history = deal(
        meeting(0, "IT"),
        customer_data(2),
        buy_in(4, "Dana Lee", "IT", "champion"),
        buy_in(5, "Sam Ortiz", "Finance", "economic_buyer"),
        pause(6),
        resume(20),
        buying_departments=["IT", "Finance"],
    ).history

    state = describe(history, day(20), POLICY)

    assert state.version == 7
    assert state.status == "open"
    assert (state.ladder.stage, state.ladder.next_small_win) == ("decision_makers", "demo")
    assert state.ladder.resume_point is not None
    assert (state.ladder.resume_point.version, state.ladder.resume_point.occurred_at) == (
        5,
        day(5),
    )
    # active days at day 20 (paused from 6 to 20): meeting 6, data 4, Dana 2, Sam 1
    # 0.743 + 0.820 + 2 x 0.906 + 3 x 0.952 = 6.230 (to 3 decimals)
    assert state.momentum is not None
    assert state.momentum.score == 6.23
    assert state.momentum.days_since_last_win == 1.0
    assert state.relationships.coverage == 1.0
    assert state.relationships.single_threaded is False
