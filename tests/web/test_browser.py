"""The pages in a real browser (headless system Chromium, driven by Playwright), against the
real server: a manager signs in, reviews the pipeline, opens deals, records small wins, and
sees errors where they belong. Screenshots land in test-artifacts/web/."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from api.schemas.events import BODIES
from tests.web.conftest import LiveServer, Pages

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or, under CI=true, fails) with the reason
    expect = None

PHONE = {"width": 390, "height": 844}


def column(page: Any, stage: str) -> Any:
    return page.locator(f'section.column[data-stage="{stage}"]')


def api_get(server: LiveServer, path: str) -> Any:
    response = httpx.get(
        server.url + path, headers={"Authorization": f"Bearer {server.key}"}, timeout=10
    )
    response.raise_for_status()
    return response.json()


def test_a_manager_signs_in_opens_a_deal_records_a_small_win_and_sees_the_board_and_deal_change(
    pages: Pages, live_server: LiveServer
) -> None:
    page = pages.open("/app/", signed_in=False)
    expect(page).to_have_url(re.compile(r"/app/sign-in\?next="))
    page.get_by_label("API key", exact=True).fill("sw_0000000000000000_wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#api-key-error")).to_contain_text("not valid")
    page.get_by_label("API key", exact=True).fill(live_server.key)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/app/$"))

    globex = page.get_by_role("link", name="Globex analytics pilot")
    expect(column(page, "none").get_by_role("link", name="Globex analytics pilot")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("10 open deals")
    Pages.screenshot(page, "board-before")

    globex.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Globex analytics pilot")
    expect(page.locator(".rung.next")).to_contain_text("Meeting")
    expect(page.locator("#verify")).to_contain_text("1 events checked")
    page.get_by_label("Event", exact=True).select_option("MeetingGained")
    page.get_by_label("Contact", exact=True).fill("Hank")
    page.get_by_label("Department", exact=True).fill("Marketing")
    page.get_by_label("Department", exact=True).press("Enter")  # submitting by keyboard

    expect(page.locator("#status")).to_contain_text("Recorded meeting gained")
    expect(page.locator(".rung.reached")).to_have_count(1)
    expect(page.locator(".rung.next")).to_contain_text("Customer data")
    newest = page.locator("#timeline > li").first
    expect(newest).to_contain_text("Meeting gained")
    expect(newest).to_contain_text("by lee")
    expect(page.locator("#relationships")).to_contain_text("Marketing")
    expect(page.locator("#verify")).to_contain_text("2 events checked")
    expect(page.locator("#momentum-chart svg circle").first).to_be_attached()
    Pages.screenshot(page, "deal-after-recording")

    page.get_by_role("link", name="Back to the pipeline").click()
    card = column(page, "meeting").locator("li.card", has_text="Globex analytics pilot")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Momentum 1.00")
    expect(column(page, "none").get_by_text("Globex analytics pilot")).to_have_count(0)
    Pages.screenshot(page, "board-after")


def test_an_invalid_event_shows_its_error_next_to_the_field_and_a_stale_form_says_so(
    pages: Pages, live_server: LiveServer
) -> None:
    deal = live_server.deals["umbrella"]
    before = len(api_get(live_server, f"/v1/opportunities/{deal}/history")["items"])
    page = pages.open(f"/app/deals/{deal}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Umbrella safety audit")

    page.get_by_label("Event", exact=True).select_option("StakeholderBoughtIn")
    page.get_by_label("Stakeholder", exact=True).fill("   ")
    page.get_by_label("Department", exact=True).fill("Security")
    page.get_by_role("button", name="Record stakeholder bought in").click()
    stakeholder = page.get_by_label("Stakeholder", exact=True)
    expect(page.locator("#event-stakeholder-error")).to_contain_text("may not be empty")
    expect(stakeholder).to_have_attribute("aria-invalid", "true")
    expect(stakeholder).to_be_focused()
    expect(page.locator("#record-problem")).to_contain_text("Not recorded")
    Pages.screenshot(page, "deal-field-error")

    page.get_by_label("Event", exact=True).select_option("CustomerDataGathered")
    page.get_by_label("What you learned", exact=True).fill("Four sites")
    page.get_by_label("When it happened (optional)", exact=True).fill("2001-01-01T09:00:00")
    page.get_by_role("button", name="Record customer data gathered").click()
    expect(page.locator("#event-occurred_at-error")).to_contain_text("before the opportunity")
    assert len(api_get(live_server, f"/v1/opportunities/{deal}/history")["items"]) == before

    response = httpx.post(  # someone else records meanwhile: the form is now stale
        f"{live_server.url}/v1/opportunities/{deal}/events",
        json={"type": "CustomerDataGathered", "summary": "From another tab"},
        headers={"Authorization": f"Bearer {live_server.key}"},
    )
    assert response.status_code == 201
    page.get_by_label("When it happened (optional)", exact=True).fill("")
    page.get_by_role("button", name="Record customer data gathered").click()
    expect(page.locator("#record-problem")).to_contain_text("someone recorded on this deal")
    expect(page.locator("#event-occurred_at-error")).to_be_hidden()
    assert len(api_get(live_server, f"/v1/opportunities/{deal}/history")["items"]) == before + 1


def test_the_paused_lane_the_filters_the_momentum_chart_and_the_deal_as_of_an_earlier_event(
    pages: Pages, live_server: LiveServer
) -> None:
    page = pages.open("/app/")
    paused = page.locator("#paused li.card", has_text="Initech renewal")
    expect(paused).to_contain_text("Wants to wait until next quarter")
    expect(paused).to_contain_text("Verbal commitment")
    expect(paused).to_contain_text("Due")

    page.get_by_label("Owner", exact=True).fill("jo")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"\?owner=jo$"))
    expect(page.get_by_role("link", name="Acme scheduling rollout")).to_be_visible()
    expect(page.get_by_role("link", name="Umbrella safety audit")).to_have_count(0)
    page.get_by_label("Only stalled", exact=True).check()  # applies at once
    expect(page.get_by_role("link", name="Acme scheduling rollout")).to_have_count(0)

    page.goto(f"/app/deals/{live_server.deals['acme']}")
    expect(page.locator(".rung.next")).to_contain_text("Verbal commitment")
    expect(page.locator("#momentum-chart svg circle")).to_have_count(8)  # 7 events and now
    expect(page.locator("#relationships tbody tr")).to_have_count(3)  # IT, Finance, Operations
    expect(page.locator("#relationships")).to_contain_text("Not reached")
    expect(page.locator("#verify")).to_contain_text("Verified")

    page.get_by_role(
        "button", name=re.compile(r"recorded after this event \(the 2nd event")
    ).click()
    expect(page.locator("#as-of-banner")).to_be_visible()
    expect(page.locator("#standing")).to_contain_text("Customer data")  # the next win then
    expect(page.locator(".rung.reached")).to_have_count(1)
    expect(page.locator("#timeline li.later")).to_have_count(5)
    Pages.screenshot(page, "deal-as-of")
    page.get_by_role("button", name="Back to now").click()
    expect(page.locator(".rung.reached")).to_have_count(4)
    expect(page.locator("#as-of-banner")).to_be_hidden()


# The event types the recording form offers (the corrections DetailsChanged and
# EventRetracted have forms of their own; Reopened is offered on won and lost deals only).
FORM_TYPES = (
    "MeetingGained", "CustomerDataGathered", "StakeholderBoughtIn", "DemoScheduled",
    "VerbalCommitment", "Paused", "Resumed", "InteractionPlanned", "InteractionRescheduled",
    "InteractionCancelled", "InteractionCompleted", "ClosedWon", "ClosedLost", "Reopened",
)  # fmt: skip
FORM_FIELDS = """() => [...document.querySelectorAll('#record-form fieldset [name]')]
  .map((el) => el.name)"""


def test_the_form_offers_each_event_the_lifecycle_allows_with_exactly_the_api_fields(
    pages: Pages, live_server: LiveServer
) -> None:
    page = pages.open(f"/app/deals/{live_server.deals['acme']}")  # open, one open interaction
    select = page.get_by_label("Event", exact=True)
    expect(select).to_be_visible()
    offered = select.locator("option").evaluate_all("(options) => options.map((o) => o.value)")
    everything = {name: BODIES[name] for name in FORM_TYPES}
    assert set(offered) == set(everything) - {"Resumed", "Reopened"}  # it is open
    for event_type in offered:
        select.select_option(event_type)
        expect(page.locator("#record-form legend")).to_have_text(re.compile(r"\w"))
        fields = set(everything[event_type].model_fields) - {"type"}
        assert sorted(page.evaluate(FORM_FIELDS)) == sorted(fields), event_type
    select.select_option("InteractionCompleted")
    interaction = page.get_by_label("Planned interaction", exact=True)
    expect(interaction.locator("option")).to_have_count(1)
    expect(interaction).to_contain_text("Walk through pricing")

    page.goto(f"/app/deals/{live_server.deals['initech']}")  # paused
    expect(select.locator("option")).to_have_count(4)
    offered = select.locator("option").evaluate_all("(options) => options.map((o) => o.value)")
    assert offered == ["Resumed", "InteractionPlanned", "ClosedWon", "ClosedLost"]


SOURCES = (
    ("inbound", 3, 1, 40.0),
    ("outbound", 2, 0, None),
    ("referral", 4, 4, 21.5),
    ("repeat", 0, 0, None),
    ("other", 1, 1, 9.0),
)
SAMPLE_ANALYSIS = {
    "closed": 10,
    "won": 6,
    "lost": 4,
    "win_rate": 0.6,
    "by_small_win": [
        {
            "type": t,
            "with": {"closed": 6, "won": 5, "win_rate": 0.8333},
            "without": {"closed": 4, "won": 1, "win_rate": 0.25},
            "lift": 3.3333,
            "median_days_to_close": 12.5,
        }
        for t in (
            "MeetingGained",
            "CustomerDataGathered",
            "StakeholderBoughtIn",
            "DemoScheduled",
            "VerbalCommitment",
        )
    ],
    "paths": [
        {"path": ["MeetingGained", "DemoScheduled"], "closed": 4, "won": 3, "win_rate": 0.75},
        {"path": [], "closed": 2, "won": 0, "win_rate": 0.0},
    ],
    "by_bought_in_departments": [
        {"departments": d, "closed": c, "won": w, "win_rate": (w / c) if c else None}
        for d, c, w in (("0", 4, 1), ("1", 3, 2), ("2", 3, 3), ("3+", 0, 0))
    ],
    "commitment_objectives": {
        "with": {"closed": 5, "won": 4, "win_rate": 0.8, "median_days_to_close": 30.0},
        "without": {"closed": 3, "won": 1, "win_rate": 0.3333, "median_days_to_close": None},
    },
    "pauses": {"paused": 3, "won": 2, "lost": 1, "median_days_resume_to_next_win": 6.0},
    "by_source": [
        {
            "source": s,
            "closed": c,
            "won": w,
            "win_rate": (w / c) if c else None,
            "median_days_to_close": m,
        }
        for s, c, w, m in SOURCES
    ],
}


def test_the_analysis_page_draws_the_win_analysis_and_explains_when_the_server_lacks_it(
    pages: Pages,
) -> None:
    page = pages.open("/app/analysis")
    expect(page.locator("#status")).to_have_text(
        re.compile(r"Analysed|No closed deals|not available")
    )

    Pages.answer(page, "**/v1/analytics/wins*")  # a server without the analysis
    page.reload()
    expect(page.locator("#status")).to_contain_text("Win analysis is not available")
    expect(page.locator("#analysis svg")).to_have_count(0)

    Pages.answer(page, "**/v1/analytics/wins*", SAMPLE_ANALYSIS)
    page.reload()
    expect(page.locator("#status")).to_contain_text("Analysed 10 closed deals")
    expect(page.locator("#analysis svg.chart")).to_have_count(6)
    expect(page.locator("#analysis")).to_contain_text("lift \u00d73.33")
    sources = page.get_by_role("region", name="Win rate by source")
    expect(sources).to_contain_text("Referral — won in a median of 21.5 days")
    expect(sources).to_contain_text("Repeat — no closed deal")
    expect(sources.locator("svg title").first).to_have_text("Win rate by source")
    sources.locator("summary", has_text="Show as a table").click()
    rows = sources.locator("tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.nth(2)).to_contain_text("Referral")
    expect(rows.nth(2)).to_contain_text("100%")
    expect(rows.nth(2)).to_contain_text("only 4 deals")

    older = {key: value for key, value in SAMPLE_ANALYSIS.items() if key != "by_source"}
    Pages.answer(page, "**/v1/analytics/wins*", older)
    page.reload()  # a server from before by_source: the other charts still show
    expect(page.locator("#analysis svg.chart")).to_have_count(5)
    Pages.answer(page, "**/v1/analytics/wins*", SAMPLE_ANALYSIS)
    page.reload()
    expect(page.locator("#analysis svg.chart")).to_have_count(6)
    expect(page.locator("#analysis")).to_contain_text("Meeting gained → Demo scheduled")
    Pages.screenshot(page, "analysis-charts")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)  # the charts redraw at the new width
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    Pages.screenshot(page, "analysis-charts-phone")


UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter((el) => el.type !== 'hidden')
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                  && !el.getAttribute('aria-labelledby'))
  .map((el) => el.outerHTML)"""


@pytest.mark.parametrize(
    ("name", "path", "signed_in"),
    [
        ("sign-in", "/app/sign-in", False),
        ("board", "/app/", True),
        ("deal", "/app/deals/{acme}", True),
        ("analysis", "/app/analysis", True),
        ("week", "/app/week", True),
        ("accounts", "/app/accounts", True),
        ("account", "/app/accounts/Acme%20Corp", True),
        ("changes", "/app/changes", True),
    ],
)
def test_every_page_is_labelled_has_a_main_landmark_and_reads_at_phone_width(
    pages: Pages, live_server: LiveServer, name: str, path: str, signed_in: bool
) -> None:
    page = pages.open(path.format(**live_server.deals), signed_in=signed_in, **PHONE)
    expect(page.locator("main")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    if signed_in:
        expect(page.locator("#status")).not_to_contain_text("Loading")
    if name == "deal":
        expect(page.locator("#record-form select#event-type")).to_be_visible()
    assert page.evaluate(UNLABELLED) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    if name == "sign-in":  # the one field has focus already
        expect(page.get_by_label("API key", exact=True)).to_be_focused()
    else:
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()
    Pages.screenshot(page, f"{name}-phone")
