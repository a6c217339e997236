"""The deal page shows exactly what the state says was reached, and explains its numbers where
they are shown; events are named in words, never by a raw version or id; "as of" refuses the
future and the momentum chart, in days, stops at the moment shown; the analysis page explains
how its numbers are computed (the HTML report's words) and warns where few deals stand
behind a figure; a pause's "resume on" before the pause is refused next to its field."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from api.report.html import DEFINITIONS
from tests.web.conftest import LiveServer, Pages
from tests.web.test_browser import SAMPLE_ANALYSIS

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or, under CI=true, fails) with the reason
    expect = None

RAW = re.compile(r"\bv\d+\b|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def rungs(page: Any) -> dict[str, str]:
    found = page.locator(".ladder li").evaluate_all(
        "(items) => items.map((li) => [li.dataset.rung, li.querySelector('.rung-note').textContent])"
    )
    return dict(found)


def test_the_ladder_ticks_exactly_the_rungs_reached_even_with_a_gap(
    pages: Pages, live_server: LiveServer
) -> None:
    page = pages.open(f"/app/deals/{live_server.deals['hooli']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hooli data platform")
    expect(page.locator(".rung.next")).to_contain_text("Customer data")
    assert rungs(page) == {
        "meeting": "reached",
        "customer_data": "next small win",
        "decision_makers": "reached · resume point",
        "demo": "not yet",
        "verbal_commitment": "not yet",
    }
    expect(page.locator(".rung.reached")).to_have_count(2)
    expect(page.locator(".rung.next .rung-mark")).to_have_text("2")
    expect(page.locator("#standing")).to_contain_text(
        re.compile(
            r"Resume point\s*Decision makers, reached .* by the 4th event \(Stakeholder bought in\)"
        )
    )
    Pages.screenshot(page, "deal-ladder-gap")


def test_the_numbers_are_explained_where_shown_and_no_raw_version_or_id_is_in_prose(
    pages: Pages, live_server: LiveServer
) -> None:
    page = pages.open(f"/app/deals/{live_server.deals['acme']}")
    expect(page.locator("#verify")).to_contain_text("Verified")
    momentum = page.locator("#standing details", has_text="What does")
    expect(momentum.locator("summary")).to_have_text(re.compile(r"^What does \d+\.\d\d mean\?$"))
    momentum.locator("summary").click()
    expect(momentum).to_contain_text("sum of the weights of the deal's small wins")
    expect(momentum).to_contain_text("halved for every 14 days of active time")
    expect(momentum).to_contain_text("decision maker or an economic buyer")
    active = page.locator("#standing details", has_text="What are active days?")
    active.locator("summary").click()
    expect(active).to_contain_text("not paused")
    expect(active).to_contain_text("After 21 days of active time without a small win")
    coverage = page.locator("#relationships details", has_text="What coverage means")
    coverage.locator("summary").click()
    expect(coverage).to_contain_text("share of the deal's buying departments")
    expect(page.locator("#relationships")).to_contain_text("coverage 67% of the buying departments")

    page.locator("details").evaluate_all("(all) => all.forEach((d) => { d.open = true; })")
    shown = page.locator("main").inner_text()
    assert not RAW.findall(shown), RAW.findall(shown)
    newest = page.locator("#timeline > li").first
    expect(newest.locator("h3")).to_contain_text("Demo scheduled 7th event")
    planned = page.locator('#timeline > li[data-type="InteractionPlanned"]')
    expect(planned).to_contain_text("PurposeWalk through pricing")


def local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%dT%H:%M:%S")


def test_as_of_refuses_the_future_and_the_chart_in_days_stops_at_the_moment_shown(
    pages: Pages, live_server: LiveServer
) -> None:
    page = pages.open(f"/app/deals/{live_server.deals['acme']}")
    chart = page.locator("#momentum-chart svg")
    expect(chart.locator(".x-title")).to_have_text("Days since the deal was opened")
    ticks = chart.locator(".x-tick").all_text_contents()
    assert len(set(ticks)) == len(ticks) >= 2, ticks  # round values, each once
    last_day = float(
        page.locator("#momentum-table tbody tr").last.locator("td").first.text_content()
    )
    assert 29 < last_day < 31  # opened 30 days ago

    field = page.get_by_label("Show the deal as it was recorded at", exact=True)
    field.fill(local(datetime.now(UTC) + timedelta(days=2)))
    page.locator("#as-of-form").get_by_role("button", name="Show").click()
    expect(page.locator("#as-of-error")).to_have_text(
        "That moment is in the future: choose one up to now."
    )
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#as-of-banner")).to_be_hidden()

    page.get_by_role(
        "button", name=re.compile(r"recorded after this event \(the 3rd event")
    ).click()
    expect(page.locator("#as-of-banner")).to_contain_text("(3 of its 7 events)")
    rows = page.locator("#momentum-table tbody tr")
    expect(rows.last).to_contain_text(
        "after customer data gathered (the 3rd event), the moment shown"
    )
    expect(rows).to_have_count(3)  # the three events recorded by then, the last one shown
    expect(rows.filter(has_text="now")).to_have_count(0)  # nothing after the moment shown
    expect(page.locator("#momentum-chart svg circle")).to_have_count(3)
    expect(page.locator("#momentum-help")).to_contain_text("It stops at")

    future = (datetime.now(UTC) + timedelta(days=3)).isoformat().replace("+00:00", "Z")
    page.goto(f"/app/deals/{live_server.deals['acme']}?as_of={future}")
    expect(page.locator("#as-of-error")).to_contain_text("in the future")
    expect(page.locator("#as-of-banner")).to_be_hidden()


def test_a_resume_on_before_the_pause_is_refused_next_to_its_field(
    pages: Pages, live_server: LiveServer
) -> None:
    page = pages.open(f"/app/deals/{live_server.deals['umbrella']}")
    page.get_by_label("Event", exact=True).select_option("Paused")
    page.get_by_label("Reason", exact=True).fill("Budget freeze")
    page.get_by_label("Resume on (optional)", exact=True).fill("2001-01-01")
    page.get_by_role("button", name="Record paused").click()
    error = page.locator("#event-resume_on-error")
    expect(error).to_have_text("may not be before the pause itself")
    expect(page.get_by_label("Resume on (optional)", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(page.get_by_label("Resume on (optional)", exact=True)).to_be_focused()
    expect(page.locator("#standing")).to_contain_text("Open")


def test_the_analysis_page_says_how_its_numbers_are_computed_and_warns_on_few_deals(
    pages: Pages,
) -> None:
    page = pages.open("/app/analysis")
    Pages.answer(page, "**/v1/analytics/wins*", SAMPLE_ANALYSIS)
    page.reload()
    expect(page.locator("#status")).to_contain_text("Analysed 10 closed deals")
    section = page.get_by_role("region", name="How the numbers are computed")
    terms = section.locator("dt").all_inner_texts()
    texts = section.locator("dd").all_inner_texts()
    assert list(zip(terms, texts, strict=True)) == list(DEFINITIONS)
    lift = page.get_by_role("region", name="Lift per small win")
    lift.locator("details", has_text="What lift means").locator("summary").click()
    expect(lift).to_contain_text("\u00d72.00 means deals with it were won twice as often")
    lift.locator("details", has_text="Show as a table").locator("summary").click()
    expect(lift.locator("tbody tr").first.locator(".few")).to_have_count(3)  # 6 with, 4 without
    expect(lift.locator("tbody tr").first).to_contain_text("only 4 deals")
    expect(page.locator("#analysis")).to_contain_text("(few deals)")

    few = {**SAMPLE_ANALYSIS, "closed": 7, "won": 4, "lost": 3}
    Pages.answer(page, "**/v1/analytics/wins*", few)
    page.reload()
    expect(page.locator(".headline .warning")).to_contain_text("Only 7 closed deals")

    field = page.get_by_label("As recorded at", exact=True)
    field.fill(local(datetime.now(UTC) + timedelta(days=1)))
    page.get_by_role("button", name="Analyse").click()
    expect(page.locator("#analysis-as-of-error")).to_have_text(
        "That moment is in the future: choose one up to now."
    )
    expect(page.locator("#status")).to_contain_text("Not analysed")
