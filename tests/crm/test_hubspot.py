"""`smallwins import-crm hubspot FILE.json` (DESIGN section 8) on deals as the CRM API v3
returns them with propertiesWithHistory (tests/crm/fixtures/hubspot/deals.json)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
from typer.testing import Result

from api.services import Services
from tests.crm.conftest import ImportCrm
from tests.crm.exports import HUBSPOT, HUBSPOT_STAGES, deals, kinds
from tests.ops.stores import exported, is_empty


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_deals_with_their_stage_history_round_trip(
    import_crm: ImportCrm, smallwins: Callable[..., Result], store: Services
) -> None:
    result = import_crm("hubspot", HUBSPOT, "--stages", HUBSPOT_STAGES)
    assert result.exit_code == 0, result.output
    found = deals(store)
    assert set(found) == {"hubspot:101", "hubspot:102", "hubspot:103"}

    _oid, acme = found["hubspot:101"]
    opened = acme[0].data
    assert (opened["title"], opened["account"], opened["owner"], opened["amount"]) == (
        "Acme on HubSpot", "HubSpot company 9001", "HubSpot owner 77", 1000,
    )  # fmt: skip
    assert [(r.type, r.occurred_at) for r in acme] == [
        ("OpportunityOpened", at("2024-05-01T10:00:00")),
        ("MeetingGained", at("2024-05-01T10:00:00")),  # appointmentscheduled
        ("CustomerDataGathered", at("2024-05-10T09:00:00")),  # qualifiedtobuy
        ("DetailsChanged", at("2024-05-20T09:00:00")),  # the amount's history: 1500
        ("StakeholderBoughtIn", at("2024-05-20T09:00:00")),  # presentationscheduled is the
        ("StakeholderBoughtIn", at("2024-05-20T09:00:00")),  # demo rung: the two contacts
        ("DemoScheduled", at("2024-05-20T09:00:00")),
        ("ClosedWon", at("2024-06-01T14:00:00")),
    ]
    assert acme[1].data["contact"] == "HubSpot contact 501"
    assert [r.data["stakeholder"] for r in acme[4:6]] == [
        "HubSpot contact 501", "HubSpot contact 502",
    ]  # fmt: skip
    assert acme[-1].data["amount"] == 1500
    assert {r.recorded_by for r in acme} == {"import:hubspot"}

    _oid, globex = found["hubspot:102"]  # no history: the current stage at its creation
    assert globex[0].data["source"] == "repeat"  # dealtype existingbusiness
    assert globex[0].data["expected_close"] == date(2024, 12, 31)
    assert kinds(globex)[-1] == "VerbalCommitment"  # contractsent
    _oid, partner = found["hubspot:103"]  # a pipeline of its own, mapped by --stages
    assert kinds(partner) == ["OpportunityOpened", "MeetingGained", "ClosedLost"]
    assert partner[-1].occurred_at == at("2024-07-09T08:00:00")

    verified = smallwins("verify", "--all")
    assert verified.exit_code == 0, verified.output
    before = exported(store)
    again = import_crm("hubspot", HUBSPOT, "--stages", HUBSPOT_STAGES)
    assert "events recorded: 0" in again.stdout
    assert exported(store) == before


def test_a_later_export_adds_what_is_new(
    import_crm: ImportCrm, store: Services, tmp_path: Path
) -> None:
    assert import_crm("hubspot", HUBSPOT, "--stages", HUBSPOT_STAGES).exit_code == 0
    listed: list[dict[str, Any]] = orjson.loads(HUBSPOT.read_bytes())
    globex = listed[1]
    globex["properties"]["dealstage"] = "closedlost"
    globex["propertiesWithHistory"] = {"dealstage": [
        {"value": "closedlost", "timestamp": "2024-08-01T12:00:00.000Z"},
        {"value": "contractsent", "timestamp": "2024-07-01T08:00:00.000Z"},
    ]}  # fmt: skip
    later = tmp_path / "later.json"
    later.write_bytes(orjson.dumps({"results": listed, "paging": {}}))  # one page of the API
    result = import_crm("hubspot", later, "--stages", HUBSPOT_STAGES)
    assert result.exit_code == 0, result.output
    assert "opportunities: 0 new, 1 updated, 2 unchanged, 0 refused" in result.stdout
    history = deals(store)["hubspot:102"][1]
    assert kinds(history)[-2:] == ["VerbalCommitment", "ClosedLost"]
    assert history[-1].occurred_at == at("2024-08-01T12:00:00")


def test_unmapped_pipeline_stages_are_listed_with_their_pipeline(
    import_crm: ImportCrm, store: Services
) -> None:
    result = import_crm("hubspot", HUBSPOT)
    assert result.exit_code == 1
    assert "12345678 (pipeline 999)\n  87654321 (pipeline 999)" in result.stderr
    assert is_empty(store)


def test_bad_json_names_its_line_and_column(
    import_crm: ImportCrm, store: Services, tmp_path: Path
) -> None:
    broken = tmp_path / "deals.json"
    broken.write_text('[\n  {"id": "1",\n   "properties": {"dealname": "x",}\n  }\n]\n')
    result = import_crm("hubspot", broken)
    assert result.exit_code == 1
    assert [line for line in result.stderr.splitlines() if line.strip()][-1].startswith(
        "deals.json, line 3, column "
    )
    listed = orjson.loads(HUBSPOT.read_bytes())
    listed[0]["propertiesWithHistory"]["dealstage"][1]["timestamp"] = "last Tuesday"
    broken.write_bytes(orjson.dumps(listed))
    result = import_crm("hubspot", broken, "--stages", HUBSPOT_STAGES)
    assert result.exit_code == 1
    assert (
        "deals.json, deal 101, column propertiesWithHistory.dealstage[1].timestamp:"
        " unreadable date 'last Tuesday'"
    ) in result.stderr
    assert is_empty(store)
