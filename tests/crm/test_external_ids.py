"""`external_id` is unique (DESIGN section 2): a second opening with one already used is
refused with DuplicateExternalId, alone in its batch, across processes (the index is written
in the opening's transaction by both recorders), through the API as 409; stores written
before the index get it filled when they start; a restored backup is indexed too."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from domain.application import Opportunities
from domain.errors import DuplicateExternalId
from storage.config import eventsourcing_env, parse_database_url
from storage.gateway import Database
from storage.transfer import export_events
from storage.transfer.restore import check_file, write_file
from storage.writer import Command, GroupCommitWriter
from tests.api.conftest import Api
from tests.conftest import TEST_INTEGRITY_KEY

ACME = {"title": "Acme rollout", "account": "Acme Corp", "external_id": "salesforce:006A"}


def opening(**fields: Any) -> Command:
    return Command("jo", {**ACME, **fields}, None, None)


def test_a_second_opening_with_a_used_external_id_is_refused(
    opportunities: Opportunities,
) -> None:
    first = opportunities.open(recorded_by="jo", fields=ACME)
    with pytest.raises(DuplicateExternalId) as refused:
        opportunities.open(recorded_by="jo", fields={**ACME, "external_id": " salesforce:006A "})
    assert refused.value.opportunity_id == str(first.opportunity_id)
    assert "salesforce:006A" in str(refused.value)
    other = opportunities.open(recorded_by="jo", fields={**ACME, "external_id": "salesforce:006a"})
    assert other.opportunity_id != first.opportunity_id  # ids are case-sensitive


def test_in_one_batch_the_duplicate_fails_alone(opportunities: Opportunities) -> None:
    opportunities.open(recorded_by="jo", fields={**ACME, "external_id": "hubspot:1"})
    writer = GroupCommitWriter(opportunities)
    batch = [
        opening(),
        opening(title="again"),  # claimed earlier in the batch
        opening(external_id="hubspot:1"),  # in the store already
        opening(external_id=None, title="no external id"),
        opening(external_id="hubspot:2"),
    ]
    writer.write_batch(batch)
    failed = [c.future.exception() for c in batch]
    assert [isinstance(f, DuplicateExternalId) for f in failed] == [
        False, True, True, False, False,
    ]  # fmt: skip
    assert failed[1].opportunity_id == str(batch[0].future.result().opportunity_id)  # type: ignore[union-attr]


def test_a_racing_process_is_a_conflict_retried_then_refused(
    make_opportunities: Callable[..., Opportunities],
) -> None:
    """Process B takes the id after A's batch looked it up: A's commit fails on the index's
    key, A runs the batch again, and its look-up finds the id: only that opening fails."""
    a, b = make_opportunities(), make_opportunities()
    writer = GroupCommitWriter(a)
    looked_up = a.external_id_owners
    calls = 0

    def stale_then_true(ids: list[str]) -> dict[str, str]:
        nonlocal calls
        calls += 1
        if calls == 1:
            b.open(recorded_by="other-process", fields=ACME)  # B wins the race
            return {}
        return looked_up(ids)

    a.external_id_owners = stale_then_true  # type: ignore[method-assign]
    batch = [opening(), opening(external_id="salesforce:006B")]
    writer.write_batch(batch)
    assert isinstance(batch[0].future.exception(), DuplicateExternalId)
    assert batch[1].future.result().version == 1
    assert calls == 2


def test_a_store_written_before_the_index_gets_it_filled(
    database_url: str, make_opportunities: Callable[..., Opportunities]
) -> None:
    first = make_opportunities()
    opened = first.open(recorded_by="jo", fields=ACME)
    first.open(recorded_by="jo", fields={**ACME, "external_id": None})
    database = Database(parse_database_url(database_url))
    with database.transaction() as cursor:
        cursor.execute("DROP TABLE external_ids")  # as a store of the previous release
    database.close()
    later = make_opportunities()  # starts: creates the table and fills it
    assert later.external_id_owners(["salesforce:006A", "x"]) == {
        "salesforce:006A": str(opened.opportunity_id)
    }
    with pytest.raises(DuplicateExternalId):
        later.open(recorded_by="jo", fields=ACME)


def test_a_restored_backup_is_indexed(
    opportunities: Opportunities, database_url: str, second_url: str, tmp_path: Path
) -> None:
    opportunities.open(recorded_by="jo", fields=ACME)
    backup, key = tmp_path / "backup.jsonl", bytes.fromhex(TEST_INTEGRITY_KEY)
    database = Database(parse_database_url(database_url))
    with backup.open("wb") as out:
        export_events(opportunities.recorder, database, key, out)
    database.close()
    restored = Opportunities(eventsourcing_env(parse_database_url(second_url), TEST_INTEGRITY_KEY))
    try:
        check_file(backup, restored.mapper, key)
        write_file(backup, restored.recorder, key)
        with pytest.raises(DuplicateExternalId):
            restored.open(recorded_by="jo", fields=ACME)
    finally:
        restored.close()


def test_the_api_answers_409_problem_json(api: Api) -> None:
    first = api.open(external_id="salesforce:006Dn00000A1b2C")
    response = api.client.post(
        "/v1/opportunities",
        json={"title": "Other", "account": "Globex", "external_id": "salesforce:006Dn00000A1b2C"},
        headers=api.auth(),
    )
    body = Api.problem(response, 409, "invariant-violated")
    assert first["id"] in body["detail"]
    assert "salesforce:006Dn00000A1b2C" in body["detail"]
