"""The "My week" page (issue 19): the signed-in seller's agenda with overdue interactions first,
each deal named by its title and linked; the week's scorecard and goals with progress bars
and the streak, each number explained; editors set the goals there (viewers do not see the
form); a seller's earlier weeks; data shown as text, never as markup."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.web.conftest import LiveServer, Pages
from tests.web.seed import Seeder

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or, under CI=true, fails) with the reason
    expect = None

RAW = re.compile(r"\bv\d+\b|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
HOSTILE = '<img src=x onerror="window.pwned=1">'
NOW = 0.0005  # days ago: a few seconds, inside this week whatever day it is


def at(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


@pytest.fixture(scope="module")
def lees_week(live_server: LiveServer) -> dict[str, str]:
    """lee (the editor) gets three open interactions on Globex (overdue, coming up, without a
    time), a meeting gained now, and a deal whose title is markup, with one coming up."""
    s = Seeder(live_server.url, live_server.key)
    globex = live_server.deals["globex"]
    s.record(globex, 1, "InteractionPlanned", contact="Hank", department="Marketing",
             channel="phone", purpose="Confirm the pilot scope",
             commitment_objective="Agree the pilot's success criteria", planned_for=at(-0.5))  # fmt: skip
    s.record(globex, 1, "InteractionPlanned", contact="Mona", department="Marketing",
             channel="meeting", purpose="Kick-off", planned_for=at(3))  # fmt: skip
    s.record(globex, 1, "InteractionPlanned", contact="Hank", department="Marketing",
             channel="email", purpose="Send the case study")  # fmt: skip
    s.record(globex, NOW, "MeetingGained", contact="Mona", department="Marketing")
    hostile = s.open(1, title=HOSTILE, account="Evil Corp", owner="lee")
    s.record(hostile, 1, "InteractionPlanned", contact="Eve", department="IT", channel="video",
             purpose=HOSTILE, planned_for=at(5))  # fmt: skip
    return {"globex": globex, "hostile": hostile}


def goals_of(server: LiveServer, owner: str) -> dict[str, Any]:
    response = httpx.get(
        f"{server.url}/v1/sellers/{owner}/goals",
        headers={"Authorization": f"Bearer {server.key}"},
        timeout=10,
    )
    response.raise_for_status()
    found: dict[str, Any] = response.json()
    return found


def test_the_agenda_lists_overdue_interactions_first_each_linked_to_its_deal(
    pages: Pages, live_server: LiveServer, lees_week: dict[str, str]
) -> None:
    page = pages.open("/app/week")
    expect(page.get_by_role("heading", level=1)).to_have_text("My week")
    expect(page.locator("#status")).to_contain_text("lee, 20")
    groups = page.locator(".agenda-group")
    expect(groups).to_have_count(3)
    assert groups.evaluate_all("(all) => all.map((g) => g.dataset.group)") == [
        "Overdue", "Coming up", "No time set",
    ]  # fmt: skip
    overdue = page.locator('.agenda-group[data-group="Overdue"] li')
    expect(overdue).to_have_count(1)
    expect(overdue).to_contain_text("Phone with Hank (Marketing): Confirm the pilot scope")
    expect(overdue).to_contain_text("Commitment objective: Agree the pilot's success criteria")
    expect(overdue.locator(".badge", has_text="Overdue")).to_be_visible()
    coming = page.locator('.agenda-group[data-group="Coming up"] li')
    expect(coming).to_have_count(2)
    expect(coming.first).to_contain_text("Meeting with Mona (Marketing): Kick-off")
    expect(page.locator('.agenda-group[data-group="No time set"]')).to_contain_text(
        "Send the case study"
    )
    link = overdue.get_by_role("link", name="Globex analytics pilot")
    assert link.get_attribute("href") == f"/app/deals/{lees_week['globex']}"

    # data is text: the markup in a title and a purpose shows as written and never runs
    hostile = coming.nth(1)
    expect(hostile.get_by_role("link")).to_have_text(HOSTILE)
    expect(hostile).to_contain_text(f"Video with Eve (IT): {HOSTILE}")
    expect(page.locator("main img")).to_have_count(0)
    assert page.evaluate("window.pwned") is None

    page.locator("details").evaluate_all("(all) => all.forEach((d) => { d.open = true; })")
    shown = page.locator("main").inner_text()
    assert not RAW.findall(shown), RAW.findall(shown)
    expect(page.locator("#agenda")).to_contain_text("Slipped: it was rescheduled after")
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Globex analytics pilot")
    expect(page.locator("#plan .next-step")).to_contain_text("Hank")
    Pages.screenshot(page, "week-agenda-deal")


def test_an_editor_sets_the_goals_and_sees_each_ones_progress_this_week(
    pages: Pages, live_server: LiveServer, lees_week: dict[str, str]
) -> None:
    page = pages.open("/app/week")
    expect(page.locator("#goals")).to_contain_text("No goals were in force for 20")
    card = page.locator("#scorecard")
    expect(card.locator('[data-stat="MeetingGained"] dd')).to_have_text("1")
    expect(card.locator('[data-stat="overdue_now"] dd')).to_have_text("1")
    expect(
        card.get_by_role("heading", name=re.compile(r"^Scorecard for \d{4}-W\d\d \("))
    ).to_be_visible()
    card.locator("summary", has_text="commitment rate").click()
    expect(card).to_contain_text("the share where the customer made that commitment")

    page.get_by_role("button", name="Set goals").click()
    form = page.locator("#goals-form")
    expect(form.get_by_label("Meetings gained (optional)")).to_be_focused()
    assert form.locator("input").count() == 8  # one per metric the API takes
    form.get_by_label("Demos scheduled (optional)").fill("-1")
    form.get_by_role("button", name="Save the goals").click()
    expect(form.locator("#goal-DemoScheduled-error")).to_contain_text("whole number")
    expect(form.get_by_label("Demos scheduled (optional)")).to_be_focused()
    assert goals_of(live_server, "lee")["weekly"] == {}  # nothing was sent

    form.get_by_label("Meetings gained (optional)").fill("1")
    form.get_by_label("Demos scheduled (optional)").fill("2")
    form.get_by_role("button", name="Save the goals").click()
    expect(page.locator("#status")).to_contain_text("Saved 2 goals for lee: ")
    expect(form).to_be_hidden()
    assert goals_of(live_server, "lee")["weekly"] == {"MeetingGained": 1, "DemoScheduled": 2}
    meetings = page.locator('.goal[data-metric="MeetingGained"]')
    expect(meetings).to_contain_text("Meetings gained: 1 of 1 Met")
    demos = page.locator('.goal[data-metric="DemoScheduled"]')
    expect(demos).to_contain_text("Demos scheduled: 0 of 2")
    expect(demos).to_contain_text("2 to go")
    assert demos.locator("progress").evaluate("(p) => [p.value, p.max]") == [0, 2]
    expect(demos.get_by_role("progressbar")).to_have_accessible_name(re.compile("Demos scheduled"))
    expect(page.locator("#status")).to_contain_text(re.compile(r"1 of 2 goals met in \d{4}-W\d\d"))

    page.get_by_role("button", name="Set goals").click()  # filled with the goals in force
    expect(form.get_by_label("Demos scheduled (optional)")).to_have_value("2")
    page.get_by_role("button", name="Cancel").click()

    page.get_by_role("button", name="← Previous week").click()  # set now: not in force then
    expect(page.locator("#goals")).to_contain_text("No goals were in force for")
    assert re.search(r"week=\d{4}-W\d\d$", page.url)
    expect(page.locator('#scorecard [data-stat="MeetingGained"] dd')).to_have_text("0")
    page.get_by_role("button", name="Next week →").click()
    expect(page.locator('.goal[data-metric="MeetingGained"]')).to_contain_text("Met")
    Pages.screenshot(page, "week-goals")


def test_a_viewer_sees_a_sellers_streak_without_the_goals_form(
    pages: Pages, live_server: LiveServer
) -> None:
    response = httpx.put(
        f"{live_server.url}/v1/sellers/kim/goals",
        json={"weekly": {"interactions_completed": 0}, "occurred_at": at(-22)},
        headers={"Authorization": f"Bearer {live_server.key}"},
        timeout=10,
    )
    response.raise_for_status()
    page = pages.open("/app/week?owner=kim", role="viewer")
    expect(page.get_by_role("heading", level=1)).to_have_text("kim's week")
    expect(page.locator(".goal")).to_contain_text("Interactions completed: 0 of 0 Met")
    expect(page.locator(".streak")).to_contain_text(re.compile(r"Streak: [2-4] weeks in a row"))
    page.locator("#goals summary").click()
    expect(page.locator("#goals")).to_contain_text("the weeks right before this one, in a row")
    expect(page.get_by_role("button", name="Set goals")).to_be_hidden()
    page.get_by_label("Week", exact=True).fill("2026-W60")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#week-week-error")).to_contain_text("write it like 2026-W49")
    expect(page.get_by_label("Week", exact=True)).to_be_focused()
