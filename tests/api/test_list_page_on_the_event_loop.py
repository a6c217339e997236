"""On PostgreSQL a page of the list is read on the event loop through the async pool (no
worker thread): the same pages as the thread path, and read-your-writes kept by falling
back to it while the view is behind."""

from __future__ import annotations

from typing import Any

import pytest

import api.deals
from api.deals import page
from projections.queries import Filters
from tests.api.conftest import Api

# PostgreSQL's only: the `database_url` fixture, given only its PostgreSQL parameter.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]


@pytest.fixture
def awaited(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pages answered through the async pool ("async") or not ("fallback")."""
    seen: list[str] = []
    real = api.deals.page_async

    async def spy(*args: Any) -> Any:
        found = await real(*args)
        seen.append("fallback" if found is None else "async")
        return found

    monkeypatch.setattr(api.deals, "page_async", spy)
    return seen


@pytest.fixture
def postgres_api(make_api: Any) -> Api:
    built: Api = make_api()
    return built


def list_all(client: Api, **params: Any) -> list[dict[str, Any]]:
    """Every page's body, following next_cursor."""
    bodies: list[dict[str, Any]] = []
    cursor = None
    for _ in range(20):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = client.client.get(
            "/v1/opportunities", params=query, headers=client.auth("viewer")
        )
        assert response.status_code == 200, response.text
        bodies.append(response.json())
        cursor = bodies[-1]["next_cursor"]
        if cursor is None:
            return bodies
    raise AssertionError("paging did not end")


def test_pages_read_on_the_event_loop_are_the_pages_of_the_thread_path(
    postgres_api: Api, awaited: list[str]
) -> None:
    for n in range(7):
        deal = postgres_api.open(title=f"Deal {n}", owner=["jo", "lee"][n % 2])["id"]
        for _ in range(n % 3):
            postgres_api.record(deal, "MeetingGained", contact="Dana", department="IT")
    services = postgres_api.app.state.services
    assert services.runner.wait_for(services.runner.head(), timeout=30)

    for sort, owner in (("-momentum", None), ("opened_at", "lee")):
        params = {"sort": sort, "limit": 3, **({"owner": owner} if owner else {})}
        awaited.clear()
        bodies = list_all(postgres_api, **params)

        assert awaited == ["async"] * len(bodies)
        cursor = None
        for body in bodies:
            filters = Filters(owner=owner)
            assert body == page(services, filters, sort, 3, cursor)
            cursor = body["next_cursor"]
    assert sum(len(b["items"]) for b in list_all(postgres_api)) == 7


def test_a_first_page_with_no_projections_running_waits_for_them_in_the_thread_path(
    make_api: Any, awaited: list[str]
) -> None:
    """No runner in this process and none elsewhere: the view stays behind the write, and
    the page is read where it waits for the view (a bounded wait, then what it holds)."""
    behind: Api = make_api(projections_in_process=False, read_wait_seconds=0.2)
    behind.open(title="Not projected")

    body = list_all(behind)[0]

    assert awaited == ["fallback"]
    assert body["items"] == []
