"""Webhook fixtures: the real app on either backend (tests/api's fixtures), delivering from
its own process as `smallwins serve` does, to a real receiver on 127.0.0.1. The receivers are
on loopback, so these apps allow private targets (SMALLWINS_WEBHOOK_ALLOW_PRIVATE), and their
attempts are timed for tests: a short timeout and backoff, a fast poll."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from api.webhooks.service import Webhooks
from domain.application import utc_now
from tests.api import conftest as api_fixtures
from tests.api.conftest import Api
from tests.webhooks.receiver import Receiver, receiving

# tests/api's fixtures, for the tests here: the app (`make_api`, `api`) and its clock.
make_api = api_fixtures.make_api
api = api_fixtures.api
clock = api_fixtures.clock
TIMEOUT = 1.0
BACKOFF = 0.05


class ShiftedClock:
    """The deliverer's clock: real time (backoffs pass), plus what the test adds."""

    def __init__(self) -> None:
        self.shift = timedelta()

    def __call__(self) -> datetime:
        return utc_now() + self.shift


def webhooks_of(app: Api) -> Webhooks:
    found: Webhooks = app.app.state.services.webhooks
    return found


def quick(app: Api, timeout: float = TIMEOUT) -> ShiftedClock:
    webhooks = webhooks_of(app)
    shifted = ShiftedClock()
    policy = webhooks.policy
    policy.timeout, policy.backoff, policy.max_backoff, policy.clock = (
        timeout,
        BACKOFF,
        0.4,
        shifted,
    )
    assert webhooks.dispatcher is not None, "the app delivers in-process"
    webhooks.dispatcher.poll_seconds = 0.02
    return shifted


@pytest.fixture
def hooks(make_api: Callable[..., Api]) -> Api:
    """An app that may call loopback receivers, with attempts timed for tests."""
    made = make_api(webhook_allow_private=True)
    quick(made)
    return made


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


def subscribe(app: Api, url: str, **fields: Any) -> dict[str, Any]:
    response = app.client.post(
        "/v1/webhooks", json={"url": url, **fields}, headers=app.auth("admin")
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def show(app: Api, webhook_id: str) -> dict[str, Any]:
    response = app.client.get(f"/v1/webhooks/{webhook_id}", headers=app.auth("admin"))
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def attempts(app: Api, webhook_id: str, limit: int = 500) -> list[dict[str, Any]]:
    response = app.client.get(
        f"/v1/webhooks/{webhook_id}/deliveries",
        params={"limit": str(limit)},
        headers=app.auth("admin"),
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["items"]
    return found


def record_events(app: Api, deals: int = 2, each: int = 3) -> list[int]:
    """Open `deals` opportunities and record `each` events on each, interleaved; returns the
    log positions of everything recorded."""
    positions = []
    ids = []
    for n in range(deals):
        response = app.client.post(
            "/v1/opportunities",
            json={"title": f"Deal {n}", "account": "Acme Corp", "buying_departments": ["IT"]},
            headers=app.auth(),
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
        positions.append(int(response.headers["X-Smallwins-Position"]))
    for round_ in range(each):
        for deal in ids:
            response = app.post_event(
                deal, {"type": "CustomerDataGathered", "summary": f"Finding {round_}"}
            )
            assert response.status_code == 201, response.text
            positions.append(int(response.headers["X-Smallwins-Position"]))
    return positions
