"""PUT and GET /v1/sellers/{owner}/goals (DESIGN section 6): an editor records weekly goals on
the seller's own aggregate (owners matched like names, shown as first spelled); the goals in
force now are the last set; bad input is a 422 problem and records nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.api.conftest import Api, Clock
from tests.api.reps import Rep


@pytest.fixture
def rep(api: Api) -> Rep:
    return Rep(api)


def head(api: Api) -> int:
    return int(api.app.state.services.opportunities.recorder.max_notification_id() or 0)


def put(api: Api, owner: str, body: Any, role: str = "editor") -> Any:
    return api.client.put(f"/v1/sellers/{owner}/goals", json=body, headers=api.auth(role))


def test_goals_an_editor_sets_are_in_force_at_once(rep: Rep, clock: Clock) -> None:
    answer = rep.set_goals("jo", {"commitments_gained": 2, "MeetingGained": 3})

    expected = {
        "owner": "jo",
        "weekly": {"MeetingGained": 3, "commitments_gained": 2},  # in the metrics' order
        "set_at": clock.iso(),
    }
    assert answer == expected
    assert rep.goals("jo") == expected


def test_goals_set_before_any_deal_show_the_owner_as_spelled_then(rep: Rep, clock: Clock) -> None:
    rep.set_goals("Lee  Park ", {"MeetingGained": 1})
    clock.advance(seconds=1)
    rep.open(owner="LEE PARK")

    assert rep.goals("lee park")["owner"] == "Lee Park"


def test_an_owner_without_goals_has_none_in_force(rep: Rep) -> None:
    rep.open(owner="Lee Park")

    assert rep.goals("lee park") == {"owner": "Lee Park", "weekly": {}, "set_at": None}
    assert rep.goals("  Nobody   Yet ") == {"owner": "Nobody Yet", "weekly": {}, "set_at": None}


def test_owners_are_matched_like_names_and_shown_as_first_spelled(rep: Rep, clock: Clock) -> None:
    rep.open(owner="Jo Smith")
    clock.advance(seconds=1)
    rep.set_goals("JO SMITH", {"DemoScheduled": 1})
    clock.advance(seconds=1)
    rep.open(owner="jo smith")

    for spelling in ("jo smith", "Jo  Smith", " jo SMITH"):
        assert rep.goals(spelling)["owner"] == "Jo Smith"
        assert rep.goals(spelling)["weekly"] == {"DemoScheduled": 1}


def test_the_last_goals_set_are_in_force_and_goals_set_later_in_business_time_win(
    rep: Rep, clock: Clock
) -> None:
    rep.set_goals("jo", {"MeetingGained": 1})
    clock.advance(days=1)
    rep.set_goals("jo", {"MeetingGained": 4, "interactions_completed": 5})
    clock.advance(days=1)
    backdated = rep.set_goals("jo", {"MeetingGained": 9}, occurred_at=clock.now - timedelta(days=2))

    assert backdated["weekly"] == {"MeetingGained": 9}  # the answer shows what was recorded
    in_force = rep.goals("jo")
    assert in_force["weekly"] == {"MeetingGained": 4, "interactions_completed": 5}
    assert in_force["set_at"] == clock.iso(days=-1)


def test_empty_goals_clear_the_goals_in_force(rep: Rep) -> None:
    rep.set_goals("jo", {"MeetingGained": 1})
    rep.set_goals("jo", {})

    assert rep.goals("jo")["weekly"] == {}
    assert rep.goals("jo")["set_at"] is not None


@pytest.mark.parametrize(
    "body",
    [
        {"weekly": {"Lunches": 3}},
        {"weekly": {"MeetingGained": -1}},
        {"weekly": {"MeetingGained": 2.5}},
        {"weekly": {"MeetingGained": "3"}},
        {"weekly": {"MeetingGained": True}},
        {"weekly": {"MeetingGained": 10**30}},
        {"weekly": {"MeetingGained": 1_000_001}},
        {"weekly": [3]},
        {"weekly": None},
        {},
        {"weekly": {"MeetingGained": 1}, "owner": "lee"},
        {"weekly": {"MeetingGained": 1}, "occurred_at": "2026-03-02T09:00:00"},
        {"weekly": {"MeetingGained": 1}, "occurred_at": "2999-01-01T00:00:00Z"},
        {"weekly": {"MeetingGained": 1}, "occurred_at": "1800-01-01T00:00:00Z"},
    ],
)
def test_bad_goals_are_a_422_problem_and_record_nothing(api: Api, body: Any) -> None:
    Rep(api).set_goals("jo", {"MeetingGained": 1})
    before = head(api)

    api.problem(put(api, "jo", body), 422, "validation-error")

    assert head(api) == before
    assert Rep(api).goals("jo")["weekly"] == {"MeetingGained": 1}


def test_an_owner_that_is_only_white_space_or_too_long_is_a_422_problem(api: Api) -> None:
    before = head(api)
    for owner in ("%20%20", "x" * 201):
        api.problem(put(api, owner, {"weekly": {}}), 422, "validation-error")
        response = api.client.get(f"/v1/sellers/{owner}/goals", headers=api.auth("viewer"))
        api.problem(response, 422, "validation-error")
    assert head(api) == before


def test_a_body_that_is_not_json_is_a_400_problem(api: Api) -> None:
    response = api.client.put(
        "/v1/sellers/jo/goals",
        content=b"{not json",
        headers=api.auth("editor", **{"Content-Type": "application/json"}),
    )
    api.problem(response, 400, "malformed-request")


def test_a_viewer_may_read_goals_but_not_set_them(api: Api) -> None:
    before = head(api)
    api.problem(put(api, "jo", {"weekly": {}}, role="viewer"), 403, "forbidden")
    assert head(api) == before
    assert put(api, "jo", {"weekly": {}}, role="admin").status_code == 200
    assert Rep(api).goals("jo")["weekly"] == {}


def test_setting_goals_records_a_goals_set_that_is_no_deals_event(api: Api) -> None:
    Rep(api).open()
    feed = api.feed()

    Rep(api).set_goals("jo", {"MeetingGained": 2})

    assert api.feed() == feed  # the global feed is the deals' events
    services = api.app.state.services
    seller = services.opportunities.seller("JO")
    assert seller is not None
    assert [g.weekly for g in seller.goals] == [{"MeetingGained": 2}]
    assert seller.goals[0].set_at == api.app.state.services.clock()
