"""A page whose first load is still on its way when the reader changes what it shows keeps
what they asked for: the first load's late answer is dropped, never shown over it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.web.conftest import LiveServer, Pages, late_first_answers

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or, under CI=true, fails) with the reason
    expect = None


def sort_by_won(page: Any) -> None:
    page.get_by_label("Order by").select_option("-won")


def owner_jo(label: str) -> Callable[[Any], None]:
    def act(page: Any) -> None:
        page.get_by_label(label, exact=True).fill("jo")
        page.get_by_label(label, exact=True).press("Enter")

    return act


# page, its loading message, the first load's requests (their count), the later load's
# mark, what the reader does, what the page then says
CASES = {
    "accounts": (
        "/app/accounts", "Loading the accounts…", r"^/v1/accounts\?", 1, "sort=-won",
        sort_by_won, "by most deals won",
    ),
    "analysis": (
        "/app/analysis", "Loading the analysis…", r"^/v1/analytics/wins(\?|$)", 1, "owner=jo",
        owner_jo("Owner"), "Analysed",
    ),
    "what changed": (
        "/app/changes", "Loading what changed…", r"^/v1/pipeline/changes\?", 1, "owner=jo",
        owner_jo("Owner"), "changed in",
    ),
    "week": (
        "/app/week", "Loading the week…", r"^/v1/(agenda|sellers/[^/?]+/scorecard)(\?|$)", 2,
        r"owner=jo|/sellers/jo/", owner_jo("Seller"), "jo, ",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_the_first_loads_late_answer_does_not_replace_what_the_reader_asked_for(
    pages: Pages, case: tuple[Any, ...]
) -> None:
    path, loading, first, count, later, act, says = case
    context = pages.context(role="editor")
    context.add_init_script(late_first_answers(first, later))
    page = pages.tab(context, path)
    page.wait_for_function("() => window.lateAsked >= 1")  # the page listens; first load out
    expect(page.locator("#status")).to_have_text(loading)
    act(page)
    expect(page.locator("#status")).to_contain_text(says)
    shown = page.locator("main").inner_text()

    page.wait_for_function(f"() => window.lateAnswers >= {count}")
    assert page.locator("main").inner_text() == shown
    assert not pages.errors


def test_a_refused_week_is_not_filled_in_by_the_week_asked_before_it(pages: Pages) -> None:
    context = pages.context(role="editor")
    context.add_init_script(late_first_answers(r"^/v1/(agenda|sellers/[^/?]+/scorecard)(\?|$)"))
    page = pages.tab(context, "/app/week")
    page.wait_for_function("() => window.lateAsked >= 2")  # lee's week, on its way
    page.get_by_label("Seller", exact=True).fill("jo")
    page.get_by_label("Week", exact=True).fill("nonsense")
    page.get_by_label("Week", exact=True).press("Enter")
    refused = "Not shown: the week is not written like 2026-W49."
    expect(page.locator("#status")).to_have_text(refused)

    page.wait_for_function("() => window.lateAnswers >= 2")
    expect(page.locator("#status")).to_have_text(refused)
    expect(page.locator("#week-title")).not_to_contain_text("jo")


def test_an_analysis_refused_while_one_is_on_its_way_is_not_left_busy(pages: Pages) -> None:
    context = pages.context(role="editor")
    context.add_init_script(late_first_answers(r"^/v1/analytics/wins(\?|$)"))
    page = pages.tab(context, "/app/analysis")
    page.wait_for_function("() => window.lateAsked >= 1")
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).astimezone()
    page.get_by_label("As recorded at", exact=True).fill(tomorrow.strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_role("button", name="Analyse").click()
    expect(page.locator("#status")).to_contain_text("Not analysed")

    page.wait_for_function("() => window.lateAnswers >= 1")
    expect(page.locator("#status")).to_contain_text("Not analysed")
    expect(page.locator("#analysis")).not_to_have_attribute("aria-busy", "true")


AS_OF = r"^/v1/opportunities/[^/?]+\?.*as_of="  # the deal as it was at a moment


def pick(page: Any, nth: str) -> None:
    """Show the deal as recorded after its `nth` event."""
    after = re.compile(rf"recorded after this event \(the {nth} event")
    page.get_by_role("button", name=after).click()


def test_a_deal_shows_the_moment_asked_for_last_though_the_one_before_answers_after_it(
    pages: Pages, live_server: LiveServer
) -> None:
    context = pages.context(role="editor")
    context.add_init_script(late_first_answers(AS_OF, count=1, armed=False))
    page = pages.tab(context, f"/app/deals/{live_server.deals['acme']}")
    expect(page.locator("#momentum-table tbody tr")).to_have_count(8)  # 7 events and now
    page.evaluate("() => window.armLateAnswers()")
    pick(page, "2nd")  # answers late
    pick(page, "3rd")
    expect(page.locator("#as-of-banner")).to_contain_text("(3 of its 7 events)")

    page.wait_for_function("() => window.lateAnswers >= 1")
    expect(page.locator("#as-of-banner")).to_contain_text("(3 of its 7 events)")
    expect(page.locator("#momentum-table tbody tr")).to_have_count(3)
    assert not pages.errors


def test_a_deals_chart_at_a_moment_is_not_replaced_by_its_first_chart_answering_late(
    pages: Pages, live_server: LiveServer
) -> None:
    context = pages.context(role="editor")
    context.add_init_script(late_first_answers(AS_OF, count=1))  # a point of the first chart
    page = pages.tab(context, f"/app/deals/{live_server.deals['acme']}")
    expect(page.locator("#verify")).to_contain_text("Verified")  # the page is loaded
    pick(page, "3rd")
    expect(page.locator("#momentum-table tbody tr")).to_have_count(3)

    page.wait_for_function("() => window.lateAnswers >= 1")
    expect(page.locator("#momentum-table tbody tr")).to_have_count(3)
    expect(page.locator("#momentum-table tbody tr").last).to_contain_text("the moment shown")
    assert not pages.errors
