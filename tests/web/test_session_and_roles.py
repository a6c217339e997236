"""Signing in lasts for the browser until signing out (a deal link opened in a new tab needs no
second sign-in; the key is never in an address), and each key sees what its role may do: a
viewer no form at all, an editor the forms, an admin the projections too."""

from __future__ import annotations

import re
from typing import Any

from tests.web.conftest import KEY_ITEM, LiveServer, Pages

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or, under CI=true, fails) with the reason
    expect = None


def test_a_sign_in_lasts_for_the_browser_so_a_deal_opened_in_a_new_tab_needs_none(
    pages: Pages, live_server: LiveServer
) -> None:
    context = pages.context()
    board = pages.tab(context, "/app/")
    expect(board).to_have_url(re.compile(r"/app/sign-in\?next="))
    board.get_by_label("API key", exact=True).fill(live_server.key)
    board.get_by_role("button", name="Sign in").click()
    expect(board.locator("#signed-in")).to_have_text("Signed in as lee (editor)")
    link = board.get_by_role("link", name="Acme scheduling rollout")
    href = link.get_attribute("href")

    tab = pages.tab(context, href)  # "open in a new tab": same browser, a fresh tab
    expect(tab.get_by_role("heading", level=1)).to_have_text("Acme scheduling rollout")
    expect(tab).to_have_url(re.compile(r"/app/deals/[0-9a-f-]+$"))
    for page in (board, tab):
        assert live_server.key not in page.url
        assert page.evaluate("sessionStorage.length") == 0

    tab.get_by_role("button", name="Sign out").click()
    expect(tab).to_have_url(re.compile(r"/app/sign-in"))
    assert tab.evaluate(f"localStorage.getItem('{KEY_ITEM}')") is None
    expect(board).to_have_url(re.compile(r"/app/sign-in\?next=%2Fapp%2F"))  # it follows
    again = pages.tab(context, href)
    expect(again).to_have_url(re.compile(r"/app/sign-in\?next="))


def record_controls(page: Any) -> dict[str, Any]:
    return {
        "record form": page.locator("#record-form select#event-type"),
        "edit details": page.get_by_role("button", name="Edit details"),
        "take back": page.get_by_role("button", name=re.compile(r"^Take back")),
        "plan moves": page.get_by_role(
            "button", name=re.compile(r"^(Completed|Reschedule|Cancel)…")
        ),
        "record next": page.get_by_role("button", name=re.compile(r"Record the next small win")),
    }


def test_a_viewer_sees_no_recording_form_an_editor_does_and_only_an_admin_the_projections(
    pages: Pages, live_server: LiveServer
) -> None:
    acme = f"/app/deals/{live_server.deals['acme']}"
    viewer = pages.open(acme, role="viewer")
    expect(viewer.locator("#signed-in")).to_have_text("Signed in as val (viewer)")
    expect(viewer.locator("#timeline > li")).to_have_count(7)
    expect(viewer.locator("#plan")).to_contain_text("Walk through pricing")
    for name, control in record_controls(viewer).items():
        expect(control, name).to_have_count(0)
    expect(viewer.locator("#record")).to_be_hidden()
    assert viewer.locator("form").evaluate_all(
        "(forms) => forms.filter((f) => f.checkVisibility()).map((f) => f.id)"
    ) == ["as-of-form"]  # only looking back, nothing to record

    board = pages.open("/app/", role="viewer")
    expect(board.get_by_role("link", name="Acme scheduling rollout")).to_be_visible()
    expect(board.get_by_role("button", name="New deal")).to_have_count(0)
    expect(board.locator("#admin")).to_be_hidden()

    editor = pages.open(acme)
    expect(editor.locator("#signed-in")).to_have_text("Signed in as lee (editor)")
    for name, control in record_controls(editor).items():
        expect(control.first, name).to_be_visible()
    board = pages.open("/app/")
    expect(board.get_by_role("button", name="New deal")).to_be_visible()
    expect(board.locator("#status")).not_to_contain_text("Loading")
    expect(board.locator("#admin")).to_be_hidden()

    admin = pages.open("/app/", role="admin")
    expect(admin.locator("#signed-in")).to_have_text("Signed in as ada (admin)")
    expect(admin.get_by_role("button", name="New deal")).to_be_visible()
    projections = admin.locator("#admin")
    expect(projections).to_be_visible()
    expect(projections.get_by_role("button", name="Rebuild pipeline")).to_be_visible()
    expect(projections).to_contain_text("up to date")
