"""Verify detects any change to the stored events, on the real tables of both backends:
changed bytes, a deleted event (the last one too), an inserted event, two events swapped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import cli
from api.services import Services, build_services
from api.settings import Settings
from storage.audit import verify_opportunity
from storage.chain import Verification

SMALL_POOLS: dict[str, Any] = {"postgres_pool_size": 2, "postgres_max_overflow": 8}


@pytest.fixture
def services(database_url: str) -> Iterator[Services]:
    built = build_services(Settings(database_url=database_url, **SMALL_POOLS))
    yield built
    built.close()


def history(services: Services) -> UUID:
    app = services.opportunities
    deal = app.open(recorded_by="jo", fields={"title": "T", "account": "Acme"}).opportunity_id
    app.record(
        deal, "MeetingGained", recorded_by="jo", fields={"contact": "Dana", "department": "IT"}
    )
    app.record(deal, "CustomerDataGathered", recorded_by="jo", fields={"summary": "three plants"})
    app.record(deal, "ClosedWon", recorded_by="jo", fields={})
    return deal


def check(services: Services, deal: UUID) -> Verification:
    found = verify_opportunity(
        services.opportunities.recorder, services.database, services.integrity_key, deal
    )
    assert found is not None
    return found


def events_table(services: Services) -> str:
    return "smallwins_events" if services.database.is_postgres else "stored_events"


def stored_id(services: Services, deal: UUID) -> Any:
    return deal if services.database.is_postgres else deal.hex


def tamper(services: Services, sql: str, *params: Any) -> None:
    with services.database.transaction() as cursor:
        cursor.execute(sql.replace("EVENTS", events_table(services)), params)


def test_an_untouched_history_verifies(services: Services) -> None:
    deal = history(services)
    found = check(services, deal)
    assert found.ok
    assert found.checked == 4
    assert found.problems == ()


def test_changed_bytes_are_detected_at_their_version(services: Services) -> None:
    deal = history(services)
    state = b'{"summary":"two plants"}'
    tamper(services, "UPDATE EVENTS SET state = ? WHERE originator_id = ? AND originator_version = 3",
           state, stored_id(services, deal))  # fmt: skip
    found = check(services, deal)
    assert not found.ok
    assert [p.version for p in found.problems] == [3]


@pytest.mark.parametrize("version", [2, 4])
def test_a_deleted_event_is_detected_even_the_last_one(services: Services, version: int) -> None:
    deal = history(services)
    tamper(services, "DELETE FROM EVENTS WHERE originator_id = ? AND originator_version = ?",
           stored_id(services, deal), version)  # fmt: skip
    found = check(services, deal)
    assert not found.ok
    assert version in [p.version for p in found.problems]
    assert any("deleted" in p.problem for p in found.problems)


def test_an_inserted_event_is_detected(services: Services) -> None:
    deal = history(services)
    topic = "domain.opportunity:Opportunity.MeetingGained"
    sql = "INSERT INTO EVENTS (originator_id, originator_version, topic, state) VALUES (?, 5, ?, ?)"
    tamper(services, sql, stored_id(services, deal), topic, b"{}")
    found = check(services, deal)
    assert [(p.version, "inserted" in p.problem) for p in found.problems] == [(5, True)]


def test_two_swapped_events_are_detected(services: Services) -> None:
    deal = history(services)
    oid = stored_id(services, deal)
    tamper(
        services,
        "UPDATE EVENTS SET originator_version = 99 WHERE originator_id = ? AND originator_version = 2",
        oid,
    )
    tamper(
        services,
        "UPDATE EVENTS SET originator_version = 2 WHERE originator_id = ? AND originator_version = 3",
        oid,
    )
    tamper(
        services,
        "UPDATE EVENTS SET originator_version = 3 WHERE originator_id = ? AND originator_version = 99",
        oid,
    )
    found = check(services, deal)
    assert sorted({p.version for p in found.problems}) == [2, 3]


def test_a_forged_link_without_the_key_is_detected(services: Services) -> None:
    deal = history(services)
    tamper(services, "UPDATE EVENTS SET state = ? WHERE originator_id = ? AND originator_version = 2",
           b'{"contact":"Eve"}', stored_id(services, deal))  # fmt: skip
    with services.database.transaction() as cursor:
        cursor.execute("UPDATE event_chain SET link = ? WHERE originator_id = ? AND version = 2",
                       ("ab" * 32, str(deal)))  # fmt: skip
    found = check(services, deal)
    assert {p.version for p in found.problems} == {2, 3}


def test_the_api_and_the_cli_report_tampering(
    services: Services, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    deal = history(services)
    _key, token = services.keys.create("lee", "viewer")
    app = create_app(services.settings, services=services)
    client = TestClient(app)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/v1/opportunities/{deal}/verify", headers=headers).json() == {
        "ok": True, "checked": 4, "problems": []
    }  # fmt: skip
    monkeypatch.setenv("SMALLWINS_DATABASE_URL", database_url)
    runner = CliRunner()
    assert runner.invoke(cli, ["verify", "--all"]).exit_code == 0
    tamper(services, "DELETE FROM EVENTS WHERE originator_id = ? AND originator_version = 4",
           stored_id(services, deal))  # fmt: skip
    body = client.get(f"/v1/opportunities/{deal}/verify", headers=headers).json()
    assert body["ok"] is False
    assert body["checked"] == 3
    assert body["problems"][0]["version"] == 4
    result = runner.invoke(cli, ["verify", "--all"])
    assert result.exit_code == 1
    assert f"{deal} version 4" in result.output
    assert runner.invoke(cli, ["verify", str(deal)]).exit_code == 1
