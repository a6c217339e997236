"""GET /v1/pipeline/changes: the pipeline review between two instants — each kind of change,
the deal before and after, filters, paging and summary, and the inputs it refuses."""

from __future__ import annotations

from typing import Any

import pytest

KINDS = ["new", "advanced", "won", "lost", "paused", "resumed", "stalled", "revived",
         "slipped", "pushed"]  # fmt: skip
MEETING = {"contact": "Dana", "department": "IT"}


def mark(clock: Any) -> str:
    """Now, as the review's `from`; the clock then moves on (what is recorded at `from`
    itself stands before the window)."""
    instant: str = clock.iso()
    clock.advance(minutes=1)
    return instant


def review(api: Any, **params: str) -> dict[str, Any]:
    response = api.client.get("/v1/pipeline/changes", params=params, headers=api.auth("viewer"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def changes_of(api: Any, deal: str, **params: str) -> list[str]:
    """The kinds the review shows for one deal ([] when it is not listed)."""
    items = review(api, limit="500", **params)["items"]
    return next((i["changes"] for i in items if i["opportunity_id"] == deal), [])


def test_a_deal_opened_in_the_window_is_new_with_nothing_before(api: Any, clock: Any) -> None:
    start = mark(clock)
    clock.advance(hours=1)
    deal = api.open(amount=1200, expected_close="2026-04-30")["id"]
    clock.advance(hours=1)

    body = review(api, **{"from": start})

    assert body["from"] == start
    assert body["to"] == clock.iso()
    assert list(body["summary"]) == KINDS
    assert body["summary"]["new"] == 1
    assert body["next_cursor"] is None
    [item] = body["items"]
    assert item == {
        "opportunity_id": deal,
        "title": "Acme scheduling rollout",
        "account": "Acme Corp",
        "owner": "editor-key",
        "changes": ["new"],
        "before": None,
        "after": {
            "status": "open",
            "stage": "none",
            "momentum": 0.0,
            "amount": 1200.0,
            "expected_close": "2026-04-30",
        },
    }


def test_a_deal_opened_before_the_window_without_events_is_not_listed(api: Any, clock: Any) -> None:
    api.open()
    clock.advance(days=1)
    start = mark(clock)
    clock.advance(days=1)

    body = review(api, **{"from": start})

    assert body["items"] == []
    assert body["summary"] == dict.fromkeys(KINDS, 0)


def test_a_higher_rung_is_advanced_and_momentum_is_read_at_each_instant(
    api: Any, clock: Any
) -> None:
    deal = api.open()["id"]
    api.record(deal, "MeetingGained", **MEETING)
    clock.advance(days=14)
    start = mark(clock)
    api.record(deal, "CustomerDataGathered", summary="Three plants")
    clock.advance(hours=1)

    [item] = review(api, **{"from": start})["items"]

    assert item["changes"] == ["advanced"]
    assert (item["before"]["stage"], item["after"]["stage"]) == ("meeting", "customer_data")
    assert item["before"]["momentum"] == 0.5  # one meeting, one half-life old
    assert item["before"]["momentum"] == api.state(deal, as_of=start)["momentum"]["score"]
    assert item["after"]["momentum"] == api.state(deal)["momentum"]["score"]


def test_won_and_lost_in_the_window_are_listed_and_a_new_deal_lost_is_new_and_lost(
    api: Any, clock: Any
) -> None:
    won = api.open(owner="Ann")["id"]
    clock.advance(hours=1)
    start = mark(clock)
    lost = api.open(owner="Bo")["id"]
    clock.advance(hours=1)
    api.record(won, "ClosedWon", amount=900)
    api.record(lost, "ClosedLost", reason="price")
    clock.advance(hours=1)

    body = review(api, **{"from": start})

    assert [(i["opportunity_id"], i["changes"]) for i in body["items"]] == [
        (won, ["won"]),
        (lost, ["new", "lost"]),
    ]
    assert body["items"][0]["after"]["status"] == "won"
    assert {k: v for k, v in body["summary"].items() if v} == {"new": 1, "won": 1, "lost": 1}


def test_paused_and_resumed_compare_the_status_at_each_instant(api: Any, clock: Any) -> None:
    pausing = api.open(owner="Ann")["id"]
    resuming = api.open(owner="Bo")["id"]
    api.record(resuming, "Paused", reason="Next quarter")
    clock.advance(days=1)
    start = mark(clock)
    api.record(pausing, "Paused", reason="Budget freeze")
    api.record(resuming, "Resumed")
    clock.advance(days=1)

    items = review(api, **{"from": start})["items"]

    assert [(i["opportunity_id"], i["changes"]) for i in items] == [
        (pausing, ["paused"]),
        (resuming, ["resumed"]),
    ]
    assert (items[1]["before"]["status"], items[1]["after"]["status"]) == ("paused", "open")


def test_a_deal_that_goes_quiet_is_stalled_with_no_event_in_the_window(
    api: Any, clock: Any
) -> None:
    deal = api.open()["id"]
    api.record(deal, "MeetingGained", **MEETING)
    clock.advance(days=20)
    start = mark(clock)
    clock.advance(days=2)  # 22 days since the last small win: stalled

    assert changes_of(api, deal, **{"from": start}) == ["stalled"]
    assert changes_of(api, deal, **{"from": clock.iso(days=-21), "to": start}) == []


def change_points(api: Any, deal: str) -> list[int]:
    """The versions of a deal's change points (after a review: it waits for the view)."""
    with api.app.state.services.database.read() as cursor:
        cursor.execute(
            "SELECT version FROM change_points WHERE opportunity_id = ? ORDER BY version", (deal,)
        )
        return [int(row[0]) for row in cursor.fetchall()]


def test_events_that_change_nothing_compared_write_no_point_yet_the_deal_stalls_between(
    api: Any, clock: Any
) -> None:
    deal = api.open()["id"]
    api.record(deal, "MeetingGained", **MEETING)
    clock.advance(days=20)
    start = mark(clock)
    plan = {"contact": "Dana", "department": "IT", "channel": "email", "purpose": "Pilot"}
    planned = api.record(deal, "InteractionPlanned", **plan)
    interaction = planned["open_interactions"][0]["interaction_id"]
    api.record(deal, "InteractionCompleted", interaction_id=interaction, commitment_gained=False)
    clock.advance(days=2)  # 22 days since the last small win: stalled
    api.record(deal, "InteractionPlanned", **plan)

    assert changes_of(api, deal, **{"from": start}) == ["stalled"]
    assert change_points(api, deal) == [1, 2]  # the opening and the meeting
    api.record(deal, "MeetingGained", contact="Sam", department="Finance")
    assert changes_of(api, deal, **{"from": start}) == []  # stalled, then revived by `to`
    assert change_points(api, deal) == [1, 2, 6]  # (the review waited for the view)


def test_a_small_win_on_a_stalled_deal_revives_it(api: Any, clock: Any) -> None:
    deal = api.open()["id"]
    api.record(deal, "MeetingGained", **MEETING)
    clock.advance(days=30)
    start = mark(clock)
    api.record(deal, "MeetingGained", contact="Sam", department="Finance")
    clock.advance(hours=1)

    assert changes_of(api, deal, **{"from": start}) == ["revived"]


def test_a_paused_deal_is_neither_stalled_nor_revived(api: Any, clock: Any) -> None:
    deal = api.open()["id"]
    api.record(deal, "MeetingGained", **MEETING)
    clock.advance(days=30)
    start = mark(clock)
    api.record(deal, "Paused", reason="Next quarter")
    clock.advance(days=30)

    assert changes_of(api, deal, **{"from": start}) == ["paused"]


def plan_a_call(api: Any, deal: str, planned_for: str) -> str:
    planned = api.record(deal, "InteractionPlanned", contact="Dana", department="IT",
                         channel="email", purpose="Proposal", planned_for=planned_for)  # fmt: skip
    interaction: str = planned["open_interactions"][0]["interaction_id"]
    return interaction


def move(api: Any, deal: str, interaction: str, planned_for: str) -> dict[str, Any]:
    moved: dict[str, Any] = api.record(
        deal, "InteractionRescheduled", interaction_id=interaction, planned_for=planned_for
    )
    return moved


def test_a_reschedule_after_the_planned_time_passed_is_a_slip_an_early_one_is_not(
    api: Any, clock: Any
) -> None:
    deal = api.open()["id"]
    interaction = plan_a_call(api, deal, clock.iso(days=2))
    clock.advance(days=1)
    start = mark(clock)
    move(api, deal, interaction, clock.iso(days=3))  # before its time: no slip
    clock.advance(hours=1)
    assert changes_of(api, deal, **{"from": start}) == []

    clock.advance(days=5)
    slipped_from = mark(clock)
    move(api, deal, interaction, clock.iso(days=3))  # its time had passed
    clock.advance(hours=1)
    assert changes_of(api, deal, **{"from": slipped_from}) == ["slipped"]
    assert changes_of(api, deal, **{"from": clock.iso(minutes=-30)}) == []


def test_a_retracted_slip_no_longer_counts_but_did_as_of_before_the_retraction(
    api: Any, clock: Any
) -> None:
    deal = api.open()["id"]
    interaction = plan_a_call(api, deal, clock.iso(days=1))
    clock.advance(days=2)
    start = mark(clock)
    moved = move(api, deal, interaction, clock.iso(days=3))
    clock.advance(hours=1)
    before_retraction = clock.iso()
    clock.advance(hours=1)
    api.record(deal, "EventRetracted", version=moved["version"], reason="Wrong interaction")
    clock.advance(hours=1)

    assert changes_of(api, deal, **{"from": start, "to": before_retraction}) == ["slipped"]
    assert changes_of(api, deal, **{"from": start}) == []


def test_a_later_expected_close_is_pushed_an_earlier_one_is_not(api: Any, clock: Any) -> None:
    later = api.open(owner="Ann", expected_close="2026-04-30")["id"]
    earlier = api.open(owner="Bo", expected_close="2026-04-30")["id"]
    unset = api.open(owner="Cy")["id"]
    clock.advance(days=1)
    start = mark(clock)
    api.record(later, "DetailsChanged", expected_close="2026-06-30")
    api.record(earlier, "DetailsChanged", expected_close="2026-04-15")
    api.record(unset, "DetailsChanged", expected_close="2026-06-30")
    clock.advance(hours=1)

    items = review(api, **{"from": start})["items"]

    assert [(i["opportunity_id"], i["changes"]) for i in items] == [(later, ["pushed"])]
    assert (items[0]["before"]["expected_close"], items[0]["after"]["expected_close"]) == (
        "2026-04-30",
        "2026-06-30",
    )


def test_a_win_retracted_in_the_window_is_no_change_and_a_reopened_deal_is_no_win(
    api: Any, clock: Any
) -> None:
    retracted = api.open(owner="Ann")["id"]
    reopened = api.open(owner="Bo")["id"]
    api.record(reopened, "ClosedWon")
    clock.advance(days=1)
    start = mark(clock)
    closed = api.record(retracted, "ClosedWon")
    clock.advance(hours=1)
    won_then = clock.iso()
    clock.advance(hours=1)
    api.record(retracted, "EventRetracted", version=closed["version"], reason="Not yet")
    api.record(reopened, "Reopened", reason="The customer came back")
    clock.advance(hours=1)

    assert changes_of(api, retracted, **{"from": start, "to": won_then}) == ["won"]
    assert changes_of(api, retracted, **{"from": start}) == []
    reviewed = review(api, **{"from": start})["items"]
    assert [(i["opportunity_id"], i["changes"]) for i in reviewed] == []
    assert api.state(reopened)["status"] == "open"


def test_several_kinds_at_once_are_listed_in_the_fixed_order(api: Any, clock: Any) -> None:
    deal = api.open(expected_close="2026-04-30")["id"]
    api.record(deal, "MeetingGained", **MEETING)
    clock.advance(days=1)
    start = mark(clock)
    api.record(deal, "DetailsChanged", expected_close="2026-05-31")
    api.record(deal, "CustomerDataGathered", summary="Three plants")
    api.record(deal, "ClosedWon")
    clock.advance(hours=1)

    assert changes_of(api, deal, **{"from": start}) == ["advanced", "won", "pushed"]


def test_owner_and_account_are_matched_like_names_as_they_were_at_to(api: Any, clock: Any) -> None:
    moved = api.open(owner="Ann Lee", account="Acme  Corp")["id"]
    other = api.open(owner="Bo", account="Globex")["id"]
    clock.advance(days=1)
    start = mark(clock)
    api.record(moved, "DetailsChanged", owner="Cy Park", title="Acme rollout, phase 2")
    api.record(moved, "MeetingGained", **MEETING)
    api.record(other, "MeetingGained", **MEETING)
    clock.advance(hours=1)

    by_owner = review(api, **{"from": start, "owner": "  cy   PARK "})
    by_old_owner = review(api, **{"from": start, "owner": "Ann Lee"})
    by_account = review(api, **{"from": start, "account": "ACME corp"})

    assert [i["opportunity_id"] for i in by_owner["items"]] == [moved]
    assert by_owner["items"][0]["owner"] == "Cy Park"
    assert by_owner["items"][0]["title"] == "Acme rollout, phase 2"
    assert by_owner["summary"]["advanced"] == 1
    assert by_old_owner["items"] == []
    assert [i["opportunity_id"] for i in by_account["items"]] == [moved]


def test_pages_follow_owner_account_title_order_and_the_summary_counts_every_page(
    api: Any, clock: Any
) -> None:
    start = mark(clock)
    clock.advance(minutes=1)
    opened = [
        api.open(owner=owner, account=account, title=title)["id"]
        for owner, account, title in [
            ("bo", "Zeta", "b"), ("Ann", "Zeta", "a"), ("ann", "Acme", "z"),
            ("Bo", "Acme", "B"), ("Ann", "acme", "y"),
        ]
    ]  # fmt: skip
    clock.advance(minutes=1)

    pages, cursor = [], None
    for _ in range(5):
        params = {"from": start, "limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = review(api, **params)
        pages.append(page)
        cursor = page["next_cursor"]
        if cursor is None:
            break

    listed = [i["opportunity_id"] for page in pages for i in page["items"]]
    assert [len(page["items"]) for page in pages] == [2, 2, 1]
    assert listed == [opened[4], opened[2], opened[1], opened[3], opened[0]]
    assert all(page["summary"]["new"] == 5 for page in pages)
    assert all(page["to"] == pages[0]["to"] for page in pages)


def test_a_write_is_in_the_very_next_review(api: Any, clock: Any) -> None:
    start = mark(clock)
    clock.advance(seconds=1)
    for n in range(5):
        deal = api.open(title=f"Deal {n}")["id"]
        assert changes_of(api, deal, **{"from": start}) == ["new"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-03-01"}, "from"),
        ({"from": "2026-03-01T09:00:00"}, "from"),
        ({"from": "2026-03-02T09:00:00Z", "to": "2026-03-01T09:00:00Z"}, "from"),
        ({"from": "2026-03-02T09:00:00Z", "to": "2026-03-02T09:00:00Z"}, "from"),
        ({"from": "2026-03-01T09:00:00Z", "to": "2026-03-09T09:00:00Z"}, "to"),
        ({"from": "2026-03-01T09:00:00Z", "limit": "0"}, "limit"),
        ({"from": "2026-03-01T09:00:00Z", "limit": "501"}, "limit"),
        ({"from": "2026-03-01T09:00:00Z", "cursor": "not-a-cursor"}, "cursor"),
        ({"from": "2026-03-01T09:00:00Z", "cursor": "eyJ0IjoxfQ"}, "cursor"),
        ({"from": "0001-01-01T00:00:00+01:00"}, "from"),
    ],
)
def test_bad_input_is_a_422_problem(api: Any, params: dict[str, str], field: str) -> None:
    response = api.client.get("/v1/pipeline/changes", params=params, headers=api.auth("viewer"))

    body = api.problem(response, 422, "validation-error")
    assert body["errors"][0]["loc"] == ["query", field]


def test_a_cursor_of_another_to_is_refused(api: Any, clock: Any) -> None:
    start = mark(clock)
    for owner in ("Ann", "Bo"):
        api.open(owner=owner)
    clock.advance(hours=1)
    cursor = review(api, **{"from": start, "limit": "1"})["next_cursor"]

    response = api.client.get(
        "/v1/pipeline/changes",
        params={"from": start, "to": clock.iso(minutes=-1), "cursor": cursor},
        headers=api.auth("viewer"),
    )

    api.problem(response, 422, "validation-error")


def test_the_review_needs_a_key(api: Any, clock: Any) -> None:
    response = api.client.get("/v1/pipeline/changes", params={"from": clock.iso(days=-1)})
    api.problem(response, 401, "unauthorized")


def test_the_changes_view_is_listed_and_a_rebuild_gives_the_same_review(
    api: Any, clock: Any
) -> None:
    deal = api.open(expected_close="2026-04-30")["id"]
    api.record(deal, "MeetingGained", **MEETING)
    start = mark(clock)
    api.record(deal, "DetailsChanged", expected_close="2026-05-31")
    clock.advance(days=25)
    before = review(api, **{"from": start})

    rebuilt = api.client.post("/v1/projections/changes/rebuild", headers=api.auth("admin"))
    listed = api.client.get("/v1/projections", headers=api.auth("viewer")).json()["items"]

    assert rebuilt.status_code < 300, rebuilt.text
    assert "changes" in {item["name"] for item in listed}
    assert review(api, **{"from": start}) == before
    assert before["items"][0]["changes"] == ["stalled", "pushed"]


def test_the_deals_changed_in_a_window_are_found_from_an_index_alone(api: Any) -> None:
    services = api.app.state.services
    if services.database.is_postgres:
        pytest.skip("the plan is SQLite's; PostgreSQL plans by its statistics")
    api.open()
    with services.database.read() as cursor:
        cursor.execute(
            "EXPLAIN QUERY PLAN SELECT DISTINCT opportunity_id FROM change_points"
            " WHERE recorded_us > ? AND recorded_us <= ?",
            (0, 1),
        )
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert "COVERING INDEX change_points_recorded_ids" in plan, plan
