"""The board: each stage's count and amounts per currency, search, "my deals", the deals won
and lost in a chosen period, what momentum means, and on a phone one lane at a time with a
few cards and "more" instead of one very long column. Nothing here writes."""

from __future__ import annotations

import re
from typing import Any

from tests.web.conftest import LiveServer, Pages, late_first_answers

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or, under CI=true, fails) with the reason
    expect = None

PHONE = {"width": 390, "height": 844}


def column(page: Any, stage: str) -> Any:
    return page.locator(f'section.column[data-stage="{stage}"]')


def cards(page: Any) -> list[str]:
    return page.locator("#board li.card h4").all_inner_texts()


def test_each_stage_shows_its_count_and_amounts_per_currency(pages: Pages) -> None:
    page = pages.open("/app/")
    expect(page.locator("#status")).to_contain_text("10 open deals")
    expect(column(page, "none").locator("h3")).to_have_text("No small win yet (7)")
    expect(column(page, "none").locator(".lane-total")).to_have_text(
        "$12,000 · 6 without an amount"
    )
    expect(column(page, "meeting").locator(".lane-total")).to_have_text("1 without an amount")
    expect(column(page, "decision_makers").locator(".lane-total")).to_have_text("€15,000")
    expect(column(page, "demo").locator(".lane-total")).to_have_text("$48,000")
    expect(column(page, "verbal_commitment").locator(".lane-total")).to_be_hidden()  # none open
    expect(page.locator("#open-totals")).to_have_text(
        "All open deals: 10 · €15,000 · $60,000 · 7 without an amount"
    )
    explain = page.locator("#board-help details")
    explain.locator("summary").click()
    expect(explain).to_contain_text("halved for every 14 days of active time")
    expect(explain).to_contain_text("steady otherwise")


def test_a_search_made_while_the_first_load_is_on_its_way_is_not_overwritten_by_it(
    pages: Pages,
) -> None:
    context = pages.context(role="editor")
    # the first load's open and paused deals, and their totals, answer late
    context.add_init_script(
        late_first_answers(
            r"^/v1/(opportunities|pipeline/totals)\?.*status=(open|paused)", "q=UMBR"
        )
    )
    page = pages.tab(context, "/app/")
    page.wait_for_function("() => window.lateAsked >= 1")  # the form listens; first load out
    expect(page.locator("#status")).to_have_text("Loading the pipeline…")
    page.get_by_label("Search", exact=True).fill("UMBR")
    page.get_by_label("Search", exact=True).press("Enter")
    expect(page.locator("#status")).to_contain_text("1 open deal:")

    page.wait_for_function("() => window.lateAnswers >= 3")  # the first load's answers were read
    expect(page.locator("#status")).to_contain_text("1 open deal:")
    assert cards(page) == ["Umbrella safety audit"]
    expect(page.locator("#open-totals")).to_have_text("All open deals: 1 · 1 without an amount")
    expect(page.locator("#board")).not_to_have_attribute("aria-busy", "true")


def test_search_and_my_deals_narrow_the_board_and_its_totals(pages: Pages) -> None:
    page = pages.open("/app/")
    page.get_by_label("Search", exact=True).fill("UMBR")
    page.get_by_label("Search", exact=True).press("Enter")
    expect(page).to_have_url(re.compile(r"\?q=UMBR$"))
    expect(page.locator("#status")).to_contain_text("1 open deal:")
    assert cards(page) == ["Umbrella safety audit"]
    expect(page.locator("#open-totals")).to_have_text("All open deals: 1 · 1 without an amount")

    page.get_by_role("button", name="Clear").click()
    expect(page.locator("#status")).to_contain_text("10 open deals")
    page.get_by_label("My deals", exact=True).check()  # lee's, applied at once
    expect(page).to_have_url(re.compile(r"\?mine=true$"))
    expect(page.locator("#status")).to_contain_text("2 open deals (lee's)")
    assert sorted(cards(page)) == ["Globex analytics pilot", "Umbrella safety audit"]
    expect(page.get_by_label("Owner", exact=True)).to_be_disabled()
    expect(page.locator("#closed-won")).to_contain_text("Soylent cafeteria")  # lee's
    expect(page.locator("#closed-lost")).to_contain_text("Nothing lost in this period")

    page.reload()  # the address keeps the filters
    expect(page.get_by_label("My deals", exact=True)).to_be_checked()
    expect(page.locator("#status")).to_contain_text("2 open deals (lee's)")


def test_won_and_lost_lists_for_a_chosen_period(pages: Pages) -> None:
    page = pages.open("/app/")
    won, lost = page.locator("#closed-won"), page.locator("#closed-lost")
    expect(page.get_by_label("Closed in", exact=True)).to_have_value("90")
    expect(won.locator("h3")).to_have_text("Won (1)")
    expect(won).to_contain_text("Soylent cafeteria")
    expect(won.locator(".lane-total")).to_have_text("€21,000")
    expect(lost.locator("h3")).to_have_text("Lost (1)")
    expect(lost).to_contain_text("Massive dynamics suite")
    expect(lost).not_to_contain_text("Vandelay imports")

    page.get_by_label("Closed in", exact=True).select_option("custom")
    page.get_by_label("From", exact=True).fill("2000-01-01")
    page.get_by_label("To (the whole day)", exact=True).fill("2999-12-31")
    page.locator("#closed-filters").get_by_role("button", name="Show").click()
    expect(lost.locator("h3")).to_have_text("Lost (2)")
    expect(lost).to_contain_text("Vandelay imports")
    expect(lost.locator(".lane-total")).to_have_text("$14,000")
    expect(page).to_have_url(re.compile(r"period=custom&from=2000-01-01&to=2999-12-31"))


def test_on_a_phone_the_board_shows_one_lane_at_a_time_a_few_cards_and_more(
    pages: Pages, live_server: LiveServer
) -> None:
    page = pages.open("/app/", **PHONE)
    picker = page.get_by_role("group", name="Stage to show")
    expect(picker).to_be_visible()
    expect(page.locator("section.column:visible")).to_have_count(1)
    lane = column(page, "none")
    expect(lane).to_be_visible()
    expect(lane.locator("li.card")).to_have_count(5)
    more = lane.get_by_role("button", name=re.compile(r"^Show 2 more"))
    expect(more).to_contain_text("(2 not shown)")
    more.click()
    expect(lane.locator("li.card")).to_have_count(7)
    expect(lane.get_by_role("button", name=re.compile(r"^Show \d+ more"))).to_have_count(0)

    picker.get_by_role("button", name="Meeting 1").click()
    expect(picker.get_by_role("button", name="Meeting 1")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("section.column:visible")).to_have_count(1)
    expect(column(page, "meeting")).to_contain_text("Umbrella safety audit")
    expect(lane).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page_height = page.evaluate("document.documentElement.scrollHeight")
    Pages.screenshot(page, "board-phone-lanes")

    page.set_viewport_size({"width": 1280, "height": 900})  # every lane side by side again
    expect(page.locator("section.column:visible")).to_have_count(6)
    expect(picker).to_be_hidden()
    assert page_height < 4000
