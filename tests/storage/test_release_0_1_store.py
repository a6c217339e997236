"""A store written by release 0.1 (tests/fixtures/release_0_1) is served, verified and
exported by today's code with no manual step: the SQLite file as it was written, and the
PostgreSQL database restored from its dump."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import cli
from storage.keycheck import fingerprint
from tests.storage.conftest import ACME, FIXTURE, GLOBEX, INITECH, KEY, UMBRELLA, old_store_settings


@pytest.fixture
def client(old_store: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = create_app(old_store_settings(old_store))
    with TestClient(app) as test_client:
        _key, token = app.state.services.keys.create("reader", "viewer")
        yield test_client, {"Authorization": f"Bearer {token}"}


def _by_account(client: TestClient, auth: dict[str, str]) -> dict[str, dict[str, Any]]:
    response = client.get("/v1/opportunities?limit=10", headers=auth)
    assert response.status_code == 200, response.text
    return {item["account"]: item for item in response.json()["items"]}


def test_an_old_store_is_served_with_the_state_it_was_written_with(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    test_client, auth = client
    deals = _by_account(test_client, auth)
    assert set(deals) == {ACME, GLOBEX, INITECH, UMBRELLA}
    acme = test_client.get(f"/v1/opportunities/{deals[ACME]['id']}", headers=auth).json()
    assert (acme["status"], acme["stage"], acme["amount"]) == ("won", "verbal_commitment", 52000.0)
    assert acme["relationships"]["bought_in_departments"] == 2
    globex = test_client.get(f"/v1/opportunities/{deals[GLOBEX]['id']}", headers=auth).json()
    assert globex["status"] == "paused"
    assert globex["referred_by"] == "Kofi Young"
    assert [i["contact"] for i in globex["open_interactions"]] == ["Kofi Young"]
    assert deals[INITECH]["status"] == "lost"


def test_an_old_store_verifies_and_its_history_reads_as_recorded(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    test_client, auth = client
    for deal in _by_account(test_client, auth).values():
        verified = test_client.get(f"/v1/opportunities/{deal['id']}/verify", headers=auth).json()
        assert verified["ok"], verified
    acme = _by_account(test_client, auth)[ACME]["id"]
    history = test_client.get(f"/v1/opportunities/{acme}/history", headers=auth).json()["items"]
    assert [item["type"] for item in history][:3] == [
        "OpportunityOpened",
        "MeetingGained",
        "CustomerDataGathered",
    ]
    assert history[1]["data"]["contact"] == "Dana Reyes"


def test_an_old_sqlite_store_exports_its_events_byte_for_byte_as_release_0_1_did(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(FIXTURE / "smallwins.db", tmp_path / "smallwins.db")
    monkeypatch.setenv("SMALLWINS_DATABASE_URL", f"sqlite:///{tmp_path / 'smallwins.db'}")
    monkeypatch.setenv("SMALLWINS_INTEGRITY_KEY", KEY)
    out = tmp_path / "export.jsonl"
    result = CliRunner().invoke(cli, ["export", str(out)])
    assert result.exit_code == 0, result.output
    header, *events = out.read_bytes().splitlines(keepends=True)
    assert orjson.loads(header)["key_fingerprint"] == fingerprint(bytes.fromhex(KEY))
    assert b"".join(events) == (FIXTURE / "export.jsonl").read_bytes()


def test_the_release_0_1_export_imports_into_an_empty_store(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMALLWINS_DATABASE_URL", database_url)
    monkeypatch.setenv("SMALLWINS_INTEGRITY_KEY", KEY)
    monkeypatch.setenv("SMALLWINS_POSTGRES_POOL_SIZE", "2")
    result = CliRunner().invoke(cli, ["import", str(FIXTURE / "export.jsonl")])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["verify", "--all"])
    assert result.exit_code == 0, result.output
    lines = [orjson.loads(line) for line in (FIXTURE / "export.jsonl").read_bytes().splitlines()]
    assert len(lines) == 20


def test_an_old_open_interaction_reads_as_unscheduled_and_is_on_the_agenda(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    test_client, auth = client
    globex = _by_account(test_client, auth)[GLOBEX]
    state = test_client.get(f"/v1/opportunities/{globex['id']}", headers=auth).json()
    (planned,) = state["open_interactions"]  # planned before planned_for existed
    assert (planned["planned_for"], planned["overdue"], planned["slips"]) == (None, False, 0)
    assert state["next_step"] is None  # the first open interaction with a time: none

    agenda = test_client.get("/v1/agenda", headers=auth)

    assert agenda.status_code == 200, agenda.text
    (item,) = agenda.json()["items"]
    assert (item["opportunity_id"], item["interaction_id"]) == (
        globex["id"],
        planned["interaction_id"],
    )
    assert (item["planned_for"], item["overdue"], item["status"]) == (None, False, "paused")
    assert item["contact"] == "Kofi Young"


def test_an_old_store_lists_its_accounts_from_a_view_built_on_first_start(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    test_client, auth = client

    listed = test_client.get("/v1/accounts?sort=-won", headers=auth)

    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert items[0]["account"] == ACME
    assert {item["account"] for item in items} == {ACME, GLOBEX, INITECH, UMBRELLA}
    acme = items[0]
    assert acme["opportunities"] == {"open": 0, "paused": 0, "won": 1, "lost": 0}
    assert acme["won_amounts"] == {"USD": 52000.0}
    assert acme["departments_bought_in"] == 2
    names = {p["name"] for p in test_client.get("/v1/projections", headers=auth).json()["items"]}
    assert "accounts" in names
