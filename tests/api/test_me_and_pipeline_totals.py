"""What the web pages ask besides deals: who is signed in (/v1/me), the settings the numbers are
computed with (/v1/settings), the pipeline's totals per stage (/v1/pipeline/totals), the
list's closed_from/closed_to, and the rungs reached in the state. On both backends."""

from __future__ import annotations

from typing import Any

import pytest

from domain.ladder import STAGES


def get(api: Any, path: str, role: str = "viewer", **params: str) -> Any:
    response = api.client.get(path, params=params, headers=api.auth(role))
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("role", ["viewer", "editor", "admin"])
def test_me_names_the_key_and_its_role(api: Any, role: str) -> None:
    api.token(role, name=f"pat-{role}")
    token = api.token(role, name=f"pat-{role}")
    response = api.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json() == {"name": f"pat-{role}", "role": role}


def test_me_without_a_key_is_401(api: Any) -> None:
    api.problem(api.client.get("/v1/me"), 401, "unauthorized")


def test_the_settings_are_the_momentum_policy_the_server_computes_with(make_api: Any) -> None:
    api = make_api(half_life_days=10, trend_window_days=5, stall_threshold_days=30)
    assert get(api, "/v1/settings") == {
        "momentum": {
            "half_life_days": 10.0,
            "trend_window_days": 5.0,
            "stall_threshold_days": 30.0,
            "trend_step": 0.5,
        }
    }


def pipeline(api: Any, clock: Any) -> dict[str, str]:
    """Deals at three stages, in two currencies, some without an amount, some closed."""
    ids = {}
    ids["a"] = api.open(title="Alpha", account="Acme", owner="jo", amount=1000)["id"]
    ids["b"] = api.open(title="Beta", account="Acme", owner="jo", amount=500, currency="EUR")["id"]
    ids["c"] = api.open(title="Gamma", account="Globex", owner="lee")["id"]
    ids["d"] = api.open(title="Delta", account="Globex", owner="lee", amount=250)["id"]
    api.record(ids["b"], "MeetingGained", contact="Dana", department="IT")
    api.record(ids["c"], "MeetingGained", contact="Sam", department="IT")
    api.record(ids["d"], "MeetingGained", contact="Sam", department="IT")
    api.record(ids["d"], "CustomerDataGathered", summary="Two sites")
    ids["won"] = api.open(title="Won early", account="Initech", owner="jo", amount=4000)["id"]
    api.record(ids["won"], "ClosedWon")
    clock.advance(days=10)
    ids["lost"] = api.open(title="Lost later", account="Initech", owner="lee", amount=70)["id"]
    api.record(ids["lost"], "ClosedLost", reason="price")
    clock.advance(days=1)
    return ids


def test_the_totals_count_and_sum_per_stage_and_currency(api: Any, clock: Any) -> None:
    pipeline(api, clock)
    totals = get(api, "/v1/pipeline/totals", status="open")
    assert [row["stage"] for row in totals["stages"]] == list(STAGES)
    by_stage = {row["stage"]: row for row in totals["stages"]}
    assert by_stage["none"] == {
        "stage": "none",
        "count": 1,
        "unpriced": 0,
        "amounts": {"USD": 1000.0},
    }
    assert by_stage["meeting"] == {
        "stage": "meeting",
        "count": 2,
        "unpriced": 1,
        "amounts": {"EUR": 500.0},
    }
    assert by_stage["customer_data"]["amounts"] == {"USD": 250.0}
    assert by_stage["demo"] == {"stage": "demo", "count": 0, "unpriced": 0, "amounts": {}}
    assert totals["total"] == {"count": 4, "unpriced": 1, "amounts": {"EUR": 500.0, "USD": 1250.0}}


@pytest.mark.parametrize(
    ("params", "count", "amounts"),
    [
        ({"owner": "JO", "status": "open"}, 2, {"USD": 1000.0, "EUR": 500.0}),
        ({"account": "globex"}, 2, {"USD": 250.0}),
        ({"q": "ELT"}, 1, {"USD": 250.0}),  # Delta
        ({"status": "won"}, 1, {"USD": 4000.0}),
        ({}, 6, {"USD": 5320.0, "EUR": 500.0}),
    ],
)
def test_the_totals_take_the_lists_filters(
    api: Any, clock: Any, params: dict[str, str], count: int, amounts: dict[str, float]
) -> None:
    pipeline(api, clock)
    totals = get(api, "/v1/pipeline/totals", **params)
    assert totals["total"]["count"] == count
    assert totals["total"]["amounts"] == amounts
    listed = get(api, "/v1/opportunities", limit="500", **params)["items"]
    assert len(listed) == count


def test_closed_from_and_closed_to_keep_the_deals_closed_in_that_window(
    api: Any, clock: Any
) -> None:
    ids = pipeline(api, clock)
    start = clock.iso(days=-11, hours=-1)
    middle = clock.iso(days=-5)

    def titles(**params: str) -> set[str]:
        items = get(api, "/v1/opportunities", limit="500", **params)["items"]
        return {item["id"] for item in items}

    assert titles(closed_from=start) == {ids["won"], ids["lost"]}
    assert titles(closed_from=start, closed_to=middle) == {ids["won"]}
    assert titles(closed_from=middle) == {ids["lost"]}
    assert titles(closed_to=middle, status="lost") == set()
    totals = get(api, "/v1/pipeline/totals", closed_from=middle)
    assert totals["total"] == {"count": 1, "unpriced": 0, "amounts": {"USD": 70.0}}


def test_a_window_that_ends_before_it_starts_is_422_on_both_routes(api: Any, clock: Any) -> None:
    for path in ("/v1/opportunities", "/v1/pipeline/totals"):
        response = api.client.get(
            path,
            params={"closed_from": clock.iso(), "closed_to": clock.iso(days=-1)},
            headers=api.auth("viewer"),
        )
        body = api.problem(response, 422, "validation-error")
        assert body["errors"][0]["field"] == "closed_to"


def test_the_state_lists_exactly_the_rungs_reached_with_a_gap_below_the_resume_point(
    api: Any, deal: str, clock: Any
) -> None:
    opened = clock.iso()
    clock.advance(hours=1)
    api.record(deal, "MeetingGained", contact="Dana", department="IT")
    api.record(deal, "StakeholderBoughtIn", stakeholder="Dana", department="IT", role="champion")
    state = api.record(
        deal, "StakeholderBoughtIn", stakeholder="Sam", department="Finance", role="user"
    )
    assert [r["name"] for r in state["rungs_reached"]] == ["meeting", "decision_makers"]
    assert state["rungs_reached"][-1] == state["resume_point"]
    assert state["next_small_win"] == "customer_data"
    assert api.state(deal)["rungs_reached"] == state["rungs_reached"]  # from the view
    listed = get(api, "/v1/opportunities")["items"]
    assert listed[0]["rungs_reached"] == state["rungs_reached"]
    assert api.state(deal, as_of=opened)["rungs_reached"] == []
