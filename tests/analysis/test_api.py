"""GET /v1/analytics/wins on SQLite and PostgreSQL: the analysis, its filters, as_of, and
its refusals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

import domain.application
from api.app import create_app
from api.schemas.analytics import WinAnalysisOut
from api.settings import Settings
from projections.analysis import Filters, analyze
from projections.render import rfc3339
from tests.analysis.builders import Clock, History, in_memory

PATH = "/v1/analytics/wins"


class Wins:
    def __init__(self, client: TestClient, history: History, token: str) -> None:
        self.client = client
        self.history = history
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, **params: str) -> Any:
        return self.client.get(PATH, params=params, headers=self.headers)


@pytest.fixture
def wins(database_url: str) -> Iterator[Wins]:
    clock = Clock()
    settings = Settings(database_url=database_url, postgres_pool_size=2, postgres_max_overflow=8)
    app = create_app(settings, clock=clock)
    with TestClient(app) as client:
        services = app.state.services
        _key, token = services.keys.create("ravi", "viewer")
        yield Wins(client, History(services.opportunities, clock), token)


def test_the_endpoint_answers_the_analysis_of_the_log(wins: Wins) -> None:
    history = wins.history
    history.deal(owner="Jo").meeting(1).buy_in(2).demo(3).won(9)
    history.deal(owner="Lee").meeting(1).pause(2).resume(4).data(5).lost(8)
    history.deal(owner="Jo").data(1).meeting(2)  # still open

    response = wins.get()

    assert response.status_code == 200, response.text
    body = response.json()
    assert body == analyze(history.app)
    WinAnalysisOut.model_validate(body)  # the documented schema describes the answer
    assert (body["closed"], body["won"], body["lost"], body["win_rate"]) == (2, 1, 1, 0.5)
    assert body["pauses"] == {
        "paused": 1,
        "won": 0,
        "lost": 1,
        "median_days_resume_to_next_win": 1.0,
    }
    assert list(body) == [
        "closed",
        "won",
        "lost",
        "win_rate",
        "by_small_win",
        "paths",
        "by_bought_in_departments",
        "commitment_objectives",
        "pauses",
        "by_source",
    ]
    assert [row["source"] for row in body["by_source"]] == [
        "inbound",
        "outbound",
        "referral",
        "repeat",
        "other",
    ]
    assert [(row["closed"], row["won"]) for row in body["by_source"]][-1] == (2, 1)


def test_the_endpoint_filters_by_owner_window_and_as_of(wins: Wins) -> None:
    history = wins.history
    history.deal(owner="Jo").won(10)
    history.deal(owner="Lee").lost(20)
    then = history.clock.now
    answer_then = wins.get().content
    history.clock.advance(days=1)
    history.deal(owner="jo").won(30)

    assert wins.get(owner=" JO ").json()["closed"] == 2
    window = {"closed_from": rfc3339(history.at(10)), "closed_to": rfc3339(history.at(30))}
    assert wins.get(**window).json()["closed"] == 2
    assert wins.get(as_of=rfc3339(then)).content == answer_then
    assert wins.get(as_of=rfc3339(then)).json() == analyze(history.app, Filters(as_of=then))


def record_corrections(history: History) -> None:
    """Deals corrected after their opening: reopened and closed again, a win retracted
    after the close and before it, reopened and left open, and one never corrected."""
    history.deal().meeting(1).demo(3).won(9).reopen(10).verbal(11).lost(14)
    history.deal(owner="Lee").meeting(1).data(2).buy_in(3).won(6).retract(7, version=3)
    history.deal().meeting(1).demo(2).retract(3, version=3).buy_in(4).won(5)
    history.deal().meeting(1).won(3).reopen(4)
    history.deal(owner="Lee").meeting(1).lost(3)


def test_corrected_deals_are_folded_again_from_the_store_as_from_memory(wins: Wins) -> None:
    record_corrections(wins.history)
    clock = Clock()
    memory = History(in_memory(clock), clock)
    record_corrections(memory)

    body = wins.get().json()

    assert body == analyze(memory.app)
    assert (body["closed"], body["won"], body["lost"]) == (4, 2, 2)


def watch_histories(wins: Wins, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """From now on: how many deals each bulk read of histories asks for (a history read
    on its own fails the test)."""
    recorder: Any = wins.history.app.recorder
    reads: list[int] = []
    select = recorder.select_histories

    def counted(ids: list[Any]) -> Any:
        reads.append(len(ids))
        return select(ids)

    def one_by_one(*_args: Any, **_kwargs: Any) -> None:
        pytest.fail("a corrected deal's history was read on its own")

    monkeypatch.setattr(recorder, "select_histories", counted)
    monkeypatch.setattr(recorder, "select_events", one_by_one)
    return reads


def test_the_corrected_deals_histories_are_read_together(
    wins: Wins, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_corrections(wins.history)
    histories_read = watch_histories(wins, monkeypatch)

    assert analyze(wins.history.app)["closed"] == 4

    assert histories_read == [4]  # the four corrected deals, in one read


def test_long_corrected_histories_are_read_a_few_deals_at_a_time(
    wins: Wins, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_corrections(wins.history)  # four corrected deals of 7, 6, 6 and 4 events
    histories_read = watch_histories(wins, monkeypatch)
    monkeypatch.setattr(domain.application, "HISTORIES_EVENTS", 8)

    assert analyze(wins.history.app)["closed"] == 4

    assert histories_read == [2, 2]  # each read closed once its deals' versions reach 8


def test_naive_instants_and_an_empty_window_are_refused(wins: Wins) -> None:
    for params in ({"as_of": "2026-01-01T00:00:00"}, {"closed_from": "yesterday"}):
        response = wins.get(**params)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
    backwards = wins.get(closed_from="2026-02-01T00:00:00Z", closed_to="2026-01-01T00:00:00Z")
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "closed_to"


def test_the_endpoint_needs_a_key(wins: Wins) -> None:
    assert wins.client.get(PATH).status_code == 401
