"""The pipeline review equals, deal by deal, comparing the two `GET /v1/opportunities/{id}?
as_of=` states (and, for slips, the history as recorded by `to`), on random histories:
events of every type recorded at controlled times, some back-dated, some refused, some
retracted, deals reopened, quiet spells long enough to stall."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

STAGES = ["none", "meeting", "customer_data", "decision_makers", "demo", "verbal_commitment"]
GAPS = [timedelta(minutes=1), timedelta(hours=5), timedelta(days=3), timedelta(days=12)]
BACKDATES = [timedelta(0), timedelta(0), timedelta(hours=1), timedelta(days=2)]
ACTIONS = [
    "MeetingGained", "CustomerDataGathered", "StakeholderBoughtIn", "DemoScheduled",
    "VerbalCommitment", "Paused", "Resumed", "InteractionPlanned", "InteractionRescheduled",
    "InteractionCompleted", "ClosedWon", "ClosedLost", "DetailsChanged", "EventRetracted",
    "Reopened",
]  # fmt: skip
# Slips, pushes and resumptions need two events in a row: drawn more often.
MORE_OFTEN = ["InteractionPlanned", "InteractionRescheduled", "InteractionRescheduled",
              "DetailsChanged", "Resumed", "Paused"]  # fmt: skip
step = st.tuples(
    st.integers(0, 2),  # which deal
    st.sampled_from(GAPS),
    st.sampled_from([*ACTIONS, *MORE_OFTEN]),
    st.sampled_from(BACKDATES),
    st.integers(0, 3),  # a choice within the action
)


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def fields_for(action: str, choice: int, clock: Any, state: dict[str, Any]) -> dict[str, Any]:
    people = ["Dana", "Sam", "Lee", "Kim"]
    interactions = [i["interaction_id"] for i in state["open_interactions"]]
    iid = interactions[choice % len(interactions)] if interactions else "none"
    hours = [-30, 2, 20, 80][choice]
    return {
        "MeetingGained": {"contact": people[choice], "department": "IT"},
        "CustomerDataGathered": {"summary": "Plants"},
        "StakeholderBoughtIn": {"stakeholder": people[choice], "department": "Finance",
                                "role": ["champion", "decision_maker"][choice % 2]},
        "DemoScheduled": {"scheduled_for": clock.iso(days=3)},
        "VerbalCommitment": {"stakeholder": people[choice]},
        "Paused": {"reason": "Next quarter"},
        "InteractionPlanned": {"contact": people[choice], "department": "IT", "channel": "email",
                               "purpose": "Proposal", "planned_for": clock.iso(hours=hours)},
        "InteractionRescheduled": {"interaction_id": iid, "planned_for": clock.iso(hours=hours)},
        "InteractionCompleted": {"interaction_id": iid, "commitment_gained": choice % 2 == 0},
        "ClosedWon": {"amount": 1000 + choice} if choice % 2 else {},
        "ClosedLost": {"reason": "price"},
        "DetailsChanged": [{"expected_close": d} for d in
                           ("2026-05-01", "2026-06-01", "2026-04-01")]
        [choice % 3] if choice < 3 else {"amount": 500, "owner": "Bo"},
        "EventRetracted": {"version": max(2, state["version"] - choice), "reason": "Wrong deal"},
        "Reopened": {"reason": "Back"},
    }.get(action, {})  # fmt: skip


def adapted(action: str, state: dict[str, Any]) -> str:
    """An action that can follow on this state more often than the one drawn: an
    interaction is planned before one is moved or completed, a deal paused before resumed,
    closed before reopened (the others are recorded or refused as they come)."""
    if action in ("InteractionRescheduled", "InteractionCompleted"):
        return action if state["open_interactions"] else "InteractionPlanned"
    if action == "Resumed":
        return action if state["status"] != "open" else "Paused"
    if action == "Reopened":
        return action if state["status"] in ("won", "lost") else "ClosedWon"
    return action


def play(api: Any, clock: Any, steps: list[Any], account: str) -> tuple[list[str], list[str]]:
    """Three deals of `account` through `steps`; their ids and every instant recorded at."""
    deals, states, instants = [], [], [clock.iso()]
    for n, expected_close in enumerate(["2026-05-01", None, "2026-04-01"]):
        clock.advance(minutes=1)
        extra = {"expected_close": expected_close} if expected_close else {}
        opened = api.open(account=account, owner=f"Ann {n % 2}", title=f"Deal {n}", **extra)
        deals.append(opened["id"])
        states.append(opened)
        instants.append(clock.iso())
    for which, gap, drawn, backdate, choice in steps:
        clock.advance(seconds=gap.total_seconds())
        action = adapted(drawn, states[which])
        body = {"type": action, **fields_for(action, choice, clock, states[which])}
        if backdate:
            body["occurred_at"] = clock.iso(seconds=-backdate.total_seconds())
        response = api.post_event(deals[which], body)
        assert response.status_code < 500, response.text
        if response.status_code == 201:
            states[which] = response.json()
            instants.append(clock.iso())
    return deals, instants


def naive_slipped(history: list[dict[str, Any]], start: datetime, end: datetime) -> bool:
    """A slip among the events standing at `end` that was recorded after `start`."""
    recorded = [e for e in history if instant(e["recorded_at"]) <= end]
    retracted = {e["data"]["version"] for e in recorded if e["type"] == "EventRetracted"}
    planned: dict[str, datetime | None] = {}
    for event in recorded:
        if event["type"] == "EventRetracted" or event["version"] in retracted:
            continue
        data = event["data"]
        if event["type"] == "InteractionPlanned":
            when = data.get("planned_for")
            planned[data["interaction_id"]] = instant(when) if when else None
        elif event["type"] == "InteractionRescheduled":
            replaced = planned.get(data["interaction_id"])
            slip = replaced is not None and instant(event["occurred_at"]) > replaced
            if slip and instant(event["recorded_at"]) > start:
                return True
            planned[data["interaction_id"]] = instant(data["planned_for"])
    return False


def state_at(api: Any, deal: str, at: str) -> dict[str, Any] | None:
    response = api.client.get(
        f"/v1/opportunities/{deal}", params={"as_of": at}, headers=api.auth("viewer")
    )
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    state: dict[str, Any] = response.json()
    return state


def shown(state: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": state["status"],
        "stage": state["stage"],
        "momentum": state["momentum"]["score"],
        "amount": state["amount"],
        "expected_close": state["expected_close"],
    }


def naive_kinds(
    before: dict[str, Any] | None, after: dict[str, Any], *, slipped: bool
) -> list[str]:
    kinds = []
    if before is None:
        kinds.append("new")
    elif STAGES.index(after["stage"]) > STAGES.index(before["stage"]):
        kinds.append("advanced")
    for closed in ("won", "lost"):
        if after["status"] == closed and (before is None or before["status"] != closed):
            kinds.append(closed)
    if before is not None:
        was, now = before["status"], after["status"]
        stalled_before, stalled_after = before["momentum"]["stalled"], after["momentum"]["stalled"]
        if now == "paused" and was != "paused":
            kinds.append("paused")
        if was == "paused" and now == "open":
            kinds.append("resumed")
        if stalled_after and not stalled_before:
            kinds.append("stalled")
        if stalled_before and not stalled_after and now == "open":
            kinds.append("revived")
    if slipped:
        kinds.append("slipped")
    closes = (before or {}).get("expected_close"), after["expected_close"]
    if before is not None and None not in closes and closes[1] > closes[0]:
        kinds.append("pushed")
    return kinds


def expected_items(api: Any, deals: list[str], start: str, end: str) -> list[dict[str, Any]]:
    found = []
    for deal in deals:
        after = state_at(api, deal, end)
        if after is None:
            continue
        before = state_at(api, deal, start)
        slipped = naive_slipped(api.history(deal), instant(start), instant(end))
        kinds = naive_kinds(before, after, slipped=slipped)
        if kinds:
            found.append({
                "opportunity_id": deal, "title": after["title"], "account": after["account"],
                "owner": after["owner"], "changes": kinds,
                "before": shown(before) if before else None, "after": shown(after),
            })  # fmt: skip
    return found


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(step, min_size=3, max_size=16),
    quiet=st.sampled_from([timedelta(hours=1), timedelta(days=25)]),
    data=st.data(),
)
def test_the_review_equals_comparing_the_two_as_of_states_deal_by_deal(
    api: Any, clock: Any, steps: list[Any], quiet: timedelta, data: st.DataObject
) -> None:
    account = f"Account {uuid.uuid4().hex[:8]}"  # this example's deals only
    deals, instants = play(api, clock, steps, account)
    clock.advance(seconds=quiet.total_seconds())
    instants.append(clock.iso())
    last = len(instants) - 1
    first = data.draw(st.integers(min(3, last - 1), last - 1) | st.integers(0, last - 1))
    start, end = instants[first], instants[data.draw(st.integers(first + 1, last))]
    if data.draw(st.booleans()):  # between two recordings rather than at one
        start = clock.iso(seconds=(instant(start) - clock.now).total_seconds() - 30)

    response = api.client.get(
        "/v1/pipeline/changes",
        params={"from": start, "to": end, "account": account, "limit": "500"},
        headers=api.auth("viewer"),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    expected = expected_items(api, deals, start, end)
    by_id = {item["opportunity_id"]: item for item in body["items"]}
    assert by_id == {item["opportunity_id"]: item for item in expected}
    for kind, count in body["summary"].items():
        assert count == sum(kind in item["changes"] for item in expected)
