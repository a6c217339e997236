"""Lists filter, sort and page correctly across pages, at the moment of reading."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from api.reads import current_state
from api.services import Services
from domain.ladder import STAGES
from projections.pipeline import SORTS
from projections.queries import Filters, list_page, totals, with_momentum
from tests.projections.drivers import DAY, open_deal, record


def pipeline(services: Services, clock: Any) -> list[Any]:
    """Twelve deals: owners, accounts, wins at different times, pauses, closes, stalls."""
    ids = []
    for n in range(12):
        deal = open_deal(
            services,
            title=f"Deal {n}",
            account=["Acme", "Globex", "Initech"][n % 3],
            owner=["jo", "lee"][n % 2],
            amount=1000 * n,
            expected_close=f"2027-01-{n + 1:02d}" if n % 3 else None,
        )
        clock.advance(days=2)
        for _ in range(n % 4):
            record(services, deal, "MeetingGained", contact=f"C{n}", department="IT")
            clock.advance(days=1)
        if n % 5 == 0:
            record(services, deal, "StakeholderBoughtIn", stakeholder="Sam", department="Finance",
                   role="decision_maker")  # fmt: skip
        if n % 6 == 1:
            record(services, deal, "Paused", reason="next quarter")
        if n % 7 == 3:
            record(services, deal, "ClosedWon")
        ids.append(deal)
    clock.advance(days=10)
    return ids


def pages(services: Services, filters: Filters, sort: str, limit: int) -> list[dict[str, Any]]:
    at = services.clock()
    items: list[dict[str, Any]] = []
    after = None
    for _ in range(100):
        rows, after = list_page(services.database, filters, sort, limit, after, at, services.policy)
        items += [with_momentum(s, i, at, services.policy) for _id, s, i in rows]
        if after is None:
            return items
    raise AssertionError("paging did not end")


@pytest.mark.parametrize("sort", sorted(SORTS))
def test_paging_visits_every_deal_once_in_the_order_asked(
    services: Services, clock: Any, sort: str
) -> None:
    ids = pipeline(services, clock)
    services.runner.catch_up()
    items = pages(services, Filters(), sort, limit=5)
    assert sorted(i["id"] for i in items) == sorted(str(d) for d in ids)
    field = sort.lstrip("-")
    keys = {
        "momentum": lambda i: i["momentum"]["score"],
        "opened_at": lambda i: i["opened_at"],
        "last_win_at": lambda i: (i["last_small_win"] or {}).get("occurred_at") or "",
        "closed_at": lambda i: i["closed_at"] or "",
        "amount": lambda i: -1 if i["amount"] is None else i["amount"],
        "expected_close": lambda i: i["expected_close"],
    }[field]
    values = [keys(i) for i in items]
    if field == "expected_close":  # deals without one come last, either way
        dated = [v for v in values if v is not None]
        assert values == dated + [None] * (len(values) - len(dated))
        values = dated
    assert values == sorted(values, reverse=sort.startswith("-"))


@pytest.mark.parametrize(
    ("filters", "keep"),
    [
        (Filters(status="open"), lambda s: s["status"] == "open"),
        (Filters(status="paused"), lambda s: s["status"] == "paused"),
        (Filters(owner="LEE"), lambda s: s["owner"] == "lee"),
        (Filters(account=" globex "), lambda s: s["account"] == "Globex"),
        (Filters(stage="meeting"), lambda s: s["stage"] == "meeting"),
        (Filters(stalled=True), lambda s: s["momentum"]["stalled"]),
        (Filters(stalled=False), lambda s: not s["momentum"]["stalled"]),
        (Filters(single_threaded=False), lambda s: not s["relationships"]["single_threaded"]),
        (
            Filters(status="open", owner="jo"),
            lambda s: s["status"] == "open" and s["owner"] == "jo",
        ),
    ],
)
def test_filters_keep_exactly_the_deals_that_match(
    services: Services, clock: Any, filters: Filters, keep: Any
) -> None:
    ids = pipeline(services, clock)
    services.runner.catch_up()
    states = [current_state(services, d) for d in ids]
    expected = {s["id"] for s in states if keep(s)}
    got = {i["id"] for i in pages(services, filters, "-momentum", limit=4)}
    assert got == expected


def test_a_deal_becomes_stalled_in_the_list_as_time_passes_without_rewriting_rows(
    services: Services, clock: Any
) -> None:
    deal = open_deal(services)
    record(services, deal, "MeetingGained", contact="Dana", department="IT")
    services.runner.catch_up()
    assert not pages(services, Filters(stalled=True), "-momentum", 10)
    position = services.runner.position("pipeline")
    clock.advance(days=21, hours=1)
    stalled = pages(services, Filters(stalled=True), "-momentum", 10)
    assert [i["id"] for i in stalled] == [str(deal)]
    assert stalled[0]["momentum"]["stalled"] is True
    assert services.runner.position("pipeline") == position


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(status="open"),
        Filters(owner="lee", stalled=False),
        Filters(account="acme", single_threaded=True),
        Filters(q="deal 1"),
    ],
)
def test_the_totals_per_stage_are_the_listed_deals_counted_and_summed(
    services: Services, clock: Any, filters: Filters
) -> None:
    pipeline(services, clock)
    services.runner.catch_up()
    listed = pages(services, filters, "-momentum", limit=50)
    found = totals(services.database, filters, services.clock(), STAGES)
    assert [t.stage for t in found] == list(STAGES)
    for total in found:
        here = [s for s in listed if s["stage"] == total.stage]
        assert total.count == len(here)
        assert total.unpriced == sum(1 for s in here if s["amount"] is None)
        sums: dict[str, float] = {}
        for s in here:
            if s["amount"] is not None:
                sums[s["currency"]] = sums.get(s["currency"], 0.0) + s["amount"]
        assert total.amounts == pytest.approx(sums)


def test_closed_from_and_closed_to_keep_the_closes_in_the_window(
    services: Services, clock: Any
) -> None:
    ids = pipeline(services, clock)
    services.runner.catch_up()
    states = [current_state(services, d) for d in ids]
    closes = sorted(s["closed_at"] for s in states if s["closed_at"])
    assert len(closes) >= 2
    start = datetime.fromisoformat(closes[1].replace("Z", "+00:00"))
    window = Filters(closed_from=start, closed_to=start + DAY)
    got = {i["id"] for i in pages(services, window, "-closed_at", limit=3)}
    assert got == {s["id"] for s in states if s["closed_at"] == closes[1]}
    before = {i["id"] for i in pages(services, Filters(closed_to=start), "-closed_at", 3)}
    assert before == {s["id"] for s in states if s["closed_at"] and s["closed_at"] < closes[1]}


@pytest.mark.parametrize("sort", [s for s, (expression, _) in SORTS.items() if "(" in expression])
def test_a_filtered_page_in_an_order_of_a_computed_value_walks_an_index_instead_of_sorting(
    services: Services, clock: Any, sort: str
) -> None:
    if services.database.is_postgres:
        pytest.skip("the plan is SQLite's; PostgreSQL plans by its statistics")
    pipeline(services, clock)
    expression, descending = SORTS[sort]
    order = "DESC" if descending else "ASC"
    with services.database.read() as cursor:
        cursor.execute(
            f"EXPLAIN QUERY PLAN SELECT opportunity_id, {expression} AS sort_value"  # noqa: S608
            " FROM pipeline WHERE search LIKE ?"
            f" ORDER BY sort_value {order}, opportunity_id {order} LIMIT 51",
            ("%deal%",),
        )
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert "USING INDEX pipeline_by_" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
