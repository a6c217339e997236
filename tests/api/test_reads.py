"""Reads (DESIGN section 4): state as of an instant, the history in pages, the global feed in
commit order, UTC RFC 3339 datetimes everywhere, and a client always reads its own writes."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T")
EVENT_KEYS = {"version", "type", "occurred_at", "recorded_at", "recorded_by", "data"}
HISTORY_KEYS = EVENT_KEYS | {"retracted_by"}
FEED_KEYS = EVENT_KEYS | {"position", "opportunity_id"}


# --- as_of ----------------------------------------------------------------------------


def test_as_of_shows_the_state_as_it_was_recorded_at_that_instant(api: Any, clock: Any) -> None:
    opened_at = clock.iso()
    deal = api.open()["id"]
    clock.advance(days=1)
    meeting_recorded = clock.iso()
    api.record(deal, "MeetingGained", contact="Dana", department="IT")
    clock.advance(days=1)
    api.record(deal, "CustomerDataGathered", summary="Three plants")

    before_meeting = api.state(deal, as_of=clock.iso(days=-1, hours=-12))
    at_meeting = api.state(deal, as_of=meeting_recorded)
    now = api.state(deal)

    assert (before_meeting["version"], before_meeting["stage"]) == (1, "none")
    assert before_meeting["as_of"] == clock.iso(days=-1, hours=-12)
    assert (at_meeting["version"], at_meeting["stage"]) == (2, "meeting")
    assert (now["version"], now["stage"]) == (3, "customer_data")
    assert api.state(deal, as_of=opened_at)["version"] == 1


def test_as_of_goes_by_when_events_were_recorded_not_when_they_occurred(
    api: Any, clock: Any
) -> None:
    deal = api.open()["id"]
    opened = clock.iso()
    clock.advance(days=3)
    # Recorded today, back-dated to one hour after the opening.
    api.record(
        deal,
        "MeetingGained",
        contact="Dana",
        department="IT",
        occurred_at=clock.iso(days=-3, hours=1),
    )

    assert api.state(deal, as_of=clock.iso(days=-1))["version"] == 1
    assert api.state(deal)["last_small_win"]["occurred_at"] == "2026-03-02T10:00:00Z"
    assert api.state(deal)["opened_at"] == opened
    assert api.state(deal, as_of=clock.iso())["stage"] == "meeting"


def test_as_of_accepts_any_offset_and_answers_in_utc(api: Any, clock: Any) -> None:
    deal = api.open()["id"]  # 2026-03-02T09:00:00Z
    clock.advance(hours=2)
    api.record(deal, "MeetingGained", contact="Dana", department="IT")  # 11:00Z

    same_instant = api.state(deal, as_of="2026-03-02T13:00:00+02:00")
    just_before = api.state(deal, as_of="2026-03-02T05:59:59-05:00")

    assert same_instant["version"] == 2
    assert same_instant["as_of"] == "2026-03-02T11:00:00Z"
    assert just_before["version"] == 1


def test_as_of_before_the_opening_is_404(api: Any, clock: Any) -> None:
    deal = api.open()["id"]
    response = api.client.get(
        f"/v1/opportunities/{deal}",
        params={"as_of": clock.iso(seconds=-1)},
        headers=api.auth("viewer"),
    )
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"


@pytest.mark.parametrize("as_of", ["2026-03-02T10:00:00", "yesterday", "2026-03-02"])
def test_as_of_without_an_offset_or_not_an_instant_is_422(api: Any, as_of: str) -> None:
    deal = api.open()["id"]
    response = api.client.get(
        f"/v1/opportunities/{deal}", params={"as_of": as_of}, headers=api.auth("viewer")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "as_of"]


# --- history ----------------------------------------------------------------------------


def _deal_with_history(api: Any, clock: Any) -> str:
    deal = api.open(buying_departments=["Finance", "IT"])["id"]
    steps = [
        ("MeetingGained", {"contact": "Dana", "department": "IT"}),
        ("CustomerDataGathered", {"summary": "Three plants, manual scheduling"}),
        ("StakeholderBoughtIn", {"stakeholder": "Dana", "department": "IT", "role": "champion"}),
        (
            "StakeholderBoughtIn",
            {"stakeholder": "Sam", "department": "Finance", "role": "economic_buyer"},
        ),
        ("DemoScheduled", {"scheduled_for": "2026-04-01T15:00:00Z"}),
        ("VerbalCommitment", {"stakeholder": "Sam"}),
    ]
    for event_type, fields in steps:
        clock.advance(days=2)
        api.record(deal, event_type, occurred_at=clock.iso(hours=-1), **fields)
    return deal


def test_history_pages_in_version_order_until_next_cursor_is_null(api: Any, clock: Any) -> None:
    deal = _deal_with_history(api, clock)
    pages: list[list[dict[str, Any]]] = []
    params = {"limit": "3"}
    while True:
        response = api.client.get(
            f"/v1/opportunities/{deal}/history", params=params, headers=api.auth("viewer")
        )
        assert response.status_code == 200
        page = response.json()
        assert set(page) == {"items", "next_cursor"}
        pages.append(page["items"])
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]

    assert [[item["version"] for item in page] for page in pages] == [[1, 2, 3], [4, 5, 6], [7]]
    items = [item for page in pages for item in page]
    assert [i["type"] for i in items] == [
        "OpportunityOpened",
        "MeetingGained",
        "CustomerDataGathered",
        "StakeholderBoughtIn",
        "StakeholderBoughtIn",
        "DemoScheduled",
        "VerbalCommitment",
    ]
    for item in items:
        assert set(item) == HISTORY_KEYS
        assert item["recorded_by"] == "editor-key"
    meeting = items[1]
    assert meeting["data"]["contact"] == "Dana"
    assert meeting["data"]["department"] == "IT"
    assert meeting["recorded_at"] == "2026-03-04T09:00:00Z"
    assert meeting["occurred_at"] == "2026-03-04T08:00:00Z"
    assert items[0]["data"]["buying_departments"] == ["Finance", "IT"]


def test_a_history_page_that_ends_exactly_at_the_last_event_has_no_next_cursor(
    api: Any, clock: Any
) -> None:
    deal = _deal_with_history(api, clock)
    response = api.client.get(
        f"/v1/opportunities/{deal}/history", params={"limit": "7"}, headers=api.auth("viewer")
    )
    assert len(response.json()["items"]) == 7
    assert response.json()["next_cursor"] is None


# --- the global feed ----------------------------------------------------------------------


def _feed_pages(api: Any, limit: int, after: int = 0) -> Iterator[dict[str, Any]]:
    params = {"after": str(after), "limit": str(limit)}
    while True:
        response = api.client.get("/v1/events", params=params, headers=api.auth("viewer"))
        assert response.status_code == 200
        page = response.json()
        assert len(page["items"]) <= limit
        yield page
        if page["next_cursor"] is None:
            return
        params["after"] = page["next_cursor"]


def test_the_feed_lists_every_event_in_commit_order_across_opportunities(api: Any) -> None:
    acme = api.open(account="Acme Corp")["id"]
    globex = api.open(account="Globex")["id"]
    written = [(acme, 1), (globex, 1)]
    for deal, event_type, fields in [
        (acme, "MeetingGained", {"contact": "Dana", "department": "IT"}),
        (globex, "MeetingGained", {"contact": "Priya", "department": "Finance"}),
        (acme, "CustomerDataGathered", {"summary": "Three plants"}),
        (globex, "Paused", {"reason": "Budget freeze"}),
        (acme, "DemoScheduled", {"scheduled_for": "2026-04-01T15:00:00Z"}),
    ]:
        state = api.record(deal, event_type, **fields)
        written.append((deal, state["version"]))

    items = [item for page in _feed_pages(api, limit=2) for item in page["items"]]

    assert [(i["opportunity_id"], i["version"]) for i in items] == written
    positions = [i["position"] for i in items]
    assert positions == sorted(set(positions))
    assert all(isinstance(p, int) and p > 0 for p in positions)
    for item in items:
        assert set(item) == FEED_KEYS
    assert items[3]["data"] == {
        "contact": "Priya",
        "department": "Finance",
        "kind": "initial",
        "note": None,
    }


def test_the_feed_after_a_position_starts_right_after_it(api: Any) -> None:
    deal = api.open()["id"]
    for summary in ("one", "two", "three"):
        api.record(deal, "CustomerDataGathered", summary=summary)
    everything = api.feed()

    after_second = api.feed(after=everything[1]["position"])
    last_page = api.client.get(
        "/v1/events", params={"after": str(everything[-1]["position"])}, headers=api.auth("viewer")
    ).json()

    assert after_second == everything[2:]
    assert last_page == {"items": [], "next_cursor": None}


def test_a_consumer_tailing_the_feed_while_others_write_never_misses_or_duplicates(
    api: Any,
) -> None:
    deals = [api.open(title=f"Deal {i}")["id"] for i in range(4)]
    done = threading.Event()

    def write(index: int) -> None:
        for j in range(8):
            api.record(deals[index], "CustomerDataGathered", summary=f"{index}/{j}")

    writers = [threading.Thread(target=write, args=(i,)) for i in range(len(deals))]
    seen: list[int] = []
    last = 0
    for writer in writers:
        writer.start()
    try:
        while True:
            finished = done.is_set()
            page = api.client.get(
                "/v1/events", params={"after": str(last), "limit": "5"}, headers=api.auth("viewer")
            ).json()["items"]
            seen.extend(item["position"] for item in page)
            if page:
                last = page[-1]["position"]
            elif finished:
                break
            if not any(w.is_alive() for w in writers):
                done.set()
    finally:
        for writer in writers:
            writer.join(60)

    assert len(seen) == len(set(seen)) == 4 + 4 * 8
    assert seen == [item["position"] for item in api.feed()]


# --- datetimes --------------------------------------------------------------------------


def _strings(value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            for path, found in _strings(inner):
                yield f"{key}.{path}" if path else key, found
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)
    elif isinstance(value, str):
        yield "", value


def test_every_datetime_in_every_answer_is_utc_rfc3339_with_z(api: Any, clock: Any) -> None:
    deal = api.open(occurred_at="2026-03-02T10:30:00+02:00")["id"]
    answers: list[Any] = []
    for event_type, fields in [
        (
            "MeetingGained",
            {"contact": "Dana", "department": "IT", "occurred_at": "2026-03-02T04:00:00-05:00"},
        ),
        ("DemoScheduled", {"scheduled_for": "2026-04-01T10:00:00-04:00"}),
        (
            "InteractionPlanned",
            {
                "contact": "Sam",
                "department": "Finance",
                "channel": "video",
                "purpose": "Pricing",
                "commitment_objective": "Agree to terms",
            },
        ),
        ("Paused", {"reason": "Next quarter", "resume_on": "2026-06-01"}),
    ]:
        clock.advance(hours=1)
        answers.append(api.record(deal, event_type, **fields))
    answers.append(api.state(deal))
    answers.append(api.state(deal, as_of="2026-03-02T13:30:00+03:00"))
    clock.advance(hours=1)
    api.record(deal, "Resumed")
    answers.append(api.record(deal, "ClosedWon"))
    answers.append(api.history(deal))
    answers.append(api.feed())
    answers.append(api.client.get("/v1/opportunities", headers=api.auth("viewer")).json())

    datetimes = {
        path: value
        for answer in answers
        for path, value in _strings(answer)
        if DATETIME.match(value)
    }
    for path, value in datetimes.items():
        assert value.endswith("Z"), (path, value)
        assert "+" not in value, (path, value)
    expected = {
        "opened_at",
        "closed_at",
        "as_of",
        "resume_point.occurred_at",
        "last_small_win.occurred_at",
        "paused.since",
        "open_interactions.planned_at",
        "occurred_at",
        "recorded_at",
        "data.scheduled_for",
    }
    assert expected <= {path.removeprefix("items.") for path in datetimes}
    history = api.history(deal)
    assert history[0]["occurred_at"] == "2026-03-02T08:30:00Z"
    assert history[1]["occurred_at"] == "2026-03-02T09:00:00Z"
    assert history[2]["data"]["scheduled_for"] == "2026-04-01T14:00:00Z"
    assert history[4]["data"]["resume_on"] == "2026-06-01"


# --- read your writes ---------------------------------------------------------------------


def test_a_read_right_after_a_write_reflects_it(api: Any) -> None:
    deal = api.open(account="Acme Corp")["id"]
    for index in range(6):
        response = api.post_event(
            deal, {"type": "CustomerDataGathered", "summary": f"fact {index}"}
        )
        assert response.status_code == 201
        version = response.json()["version"]

        state = api.state(deal)
        listed = api.client.get(
            "/v1/opportunities", params={"account": "Acme Corp"}, headers=api.auth("viewer")
        ).json()["items"]
        feed_tail = api.feed(after=int(response.headers["x-smallwins-position"]) - 1)

        assert state["version"] == version
        assert api.history(deal)[-1]["data"]["summary"] == f"fact {index}"
        assert [(item["id"], item["version"]) for item in listed] == [(deal, version)]
        assert [(item["opportunity_id"], item["version"]) for item in feed_tail] == [
            (deal, version)
        ]


def test_a_write_through_one_api_process_is_read_through_another(
    make_api: Callable[..., Any],
) -> None:
    writer, reader = make_api(), make_api()
    reader.tokens = writer.tokens
    deal = writer.open(account="Acme Corp")["id"]

    state = writer.record(deal, "MeetingGained", contact="Dana", department="IT")

    assert reader.state(deal)["version"] == state["version"] == 2
    listed = reader.client.get(
        "/v1/opportunities", params={"stage": "meeting"}, headers=reader.auth("viewer")
    )
    assert [item["id"] for item in listed.json()["items"]] == [deal]


def test_one_opportunity_reads_its_own_write_even_with_no_projection_worker_running(
    make_api: Callable[..., Any],
) -> None:
    api = make_api(projections_in_process=False, read_wait_seconds=0)
    deal = api.open()["id"]

    written = api.record(deal, "MeetingGained", contact="Dana", department="IT")

    assert api.state(deal)["version"] == written["version"] == 2
    assert api.state(deal)["stage"] == "meeting"
