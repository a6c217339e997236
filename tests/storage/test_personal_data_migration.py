"""`smallwins migrate-personal-data` on the release 0.1 store, whose events hold names in
clear: a dry run changes nothing; the migration stores every name as a token, keeps every
answer of the API as it was, renews the chains with signed records of their old heads
(checked by verify, carried by export and import), and makes erasure possible."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import cli
from storage.chain_records import ChainRecord
from storage.gateway import Database
from tests.storage.conftest import KEY, old_store_settings

NAMES = ("Dana Reyes", "Sam Ortiz", "Kofi Young", "IT lead")


@pytest.fixture
def store(old_store: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SMALLWINS_DATABASE_URL", old_store)
    monkeypatch.setenv("SMALLWINS_INTEGRITY_KEY", KEY)
    monkeypatch.setenv("SMALLWINS_POSTGRES_POOL_SIZE", "2")
    return old_store


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def database(store: str) -> Iterator[Database]:
    found = Database(old_store_settings(store).storage())
    yield found
    found.close()


def _rows(database: Database, sql: str) -> list[tuple[Any, ...]]:
    with database.read() as cursor:
        cursor.execute(sql)
        return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r)
                for r in cursor.fetchall()]  # fmt: skip


def _events(database: Database) -> list[tuple[Any, ...]]:
    table = "smallwins_events" if database.is_postgres else "stored_events"
    return _rows(database, f"SELECT originator_id, originator_version, state FROM {table}"  # noqa: S608
                           " ORDER BY originator_id, originator_version")  # fmt: skip


def _protection(database: Database) -> str:
    return str(_rows(database, "SELECT value FROM store_facts WHERE name = 'personal_data'")[0][0])


def _heads(database: Database) -> dict[str, tuple[int, str]]:
    found = _rows(database, "SELECT originator_id, version, link FROM chain_heads")
    return {str(r[0]): (int(r[1]), str(r[2])) for r in found}


def _said(result: Any) -> str:
    """What a command printed, with the terminal's line breaks undone."""
    return " ".join(result.output.split())


def _answers(store: str) -> list[Any]:
    """What the API answers about every deal: list, state, as-of, history, relationships,
    agenda, analysis, pipeline review."""
    app = create_app(old_store_settings(store))
    with TestClient(app) as client:
        _key, token = app.state.services.keys.create("reader", "admin")
        auth = {"Authorization": f"Bearer {token}"}
        listing = client.get("/v1/opportunities?limit=10", headers=auth).json()
        answers: list[Any] = [listing, client.get("/v1/agenda", headers=auth).json()]
        for deal in sorted(listing["items"], key=lambda item: item["account"]):
            base = f"/v1/opportunities/{deal['id']}"
            answers += [
                client.get(base, headers=auth).json(),
                client.get(f"{base}?as_of=2026-10-01T00:00:00Z", headers=auth).json(),
                client.get(f"{base}/history", headers=auth).json(),
                client.get(f"/v1/accounts/{deal['account']}/relationships", headers=auth).json(),
            ]
        answers.append(client.get("/v1/analytics/wins", headers=auth).json())
        review = "/v1/pipeline/changes?from=2000-01-01T00:00:00Z&to=2026-10-01T00:00:00Z"
        answers.append(client.get(review, headers=auth).json())
    return answers


def test_a_dry_run_counts_what_would_change_and_changes_nothing(
    store: str, database: Database
) -> None:
    before = _events(database)

    result = _run("migrate-personal-data", "--dry-run")

    assert result.exit_code == 0, result.output
    assert "dry run: 11 of 20 events (3 opportunities)" in _said(result)
    assert "4 people would be given keys" in _said(result)
    assert _events(database) == before
    assert _rows(database, "SELECT COUNT(*) FROM people") == [(0,)]
    assert _protection(database) == "clear"


def test_the_migration_stores_no_name_in_clear_and_every_answer_stays_the_same(
    store: str, database: Database
) -> None:
    before = _answers(store)
    assert any(name.encode() in state for *_k, state in _events(database) for name in NAMES)

    result = _run("migrate-personal-data", "--yes")

    assert result.exit_code == 0, result.output
    assert "rewrote 11 of 20 events (3 opportunities)" in _said(result)
    states = [state for *_k, state in _events(database)]
    assert not [name for name in NAMES for state in states if name.encode() in state]
    assert sum(b'"_type_":"person_v2"' in state for state in states) == 10
    assert _answers(store) == before
    assert _protection(database) == "protected"


def test_the_renewed_chains_verify_and_keep_a_signed_record_of_their_old_heads(
    store: str, database: Database
) -> None:
    old_heads = _heads(database)

    assert _run("migrate-personal-data", "--yes").exit_code == 0

    verified = _run("verify", "--all")
    assert verified.exit_code == 0, verified.output
    assert "4 opportunities, 20 events checked, 0 with problems" in _said(verified)
    heads = _heads(database)
    records = [ChainRecord(*r) for r in _rows(database, "SELECT * FROM chain_migrations")]
    assert len(records) == 3  # the deal that names nobody keeps its chain
    for record in records:
        assert (record.old_version, record.old_link) == old_heads[record.originator_id]
        assert heads[record.originator_id] == (record.old_version, record.new_link)
        assert record.new_link != record.old_link
        assert record.signature == record.expected_signature(bytes.fromhex(KEY))
    unchanged = set(old_heads) - {r.originator_id for r in records}
    assert [heads[oid] for oid in unchanged] == [old_heads[oid] for oid in unchanged]


def test_an_altered_chain_migration_record_fails_verification(
    store: str, database: Database
) -> None:
    assert _run("migrate-personal-data", "--yes").exit_code == 0
    with database.transaction() as cursor:
        cursor.execute("UPDATE chain_migrations SET old_version = old_version + 1")

    verified = _run("verify", "--all")

    assert verified.exit_code == 1
    assert "chain migration record altered" in _said(verified)


def test_erasure_is_refused_before_the_migration_and_works_after_it(
    store: str, tmp_path: Path
) -> None:
    refused = _run("erase", "--account", "Acme Corp", "--name", "Dana Reyes", "--yes")
    assert refused.exit_code == 1
    assert "migrate-personal-data" in _said(refused)
    assert _run("migrate-personal-data", "--yes").exit_code == 0

    erased = _run("erase", "--account", "Acme Corp", "--name", "Dana Reyes", "--yes")

    assert erased.exit_code == 0, erased.output
    answer = orjson.loads(erased.stdout)
    assert (answer["opportunities"], answer["events"]) == (1, 5)
    assert _run("verify", "--all").exit_code == 0
    assert _run("export", str(tmp_path / "after.jsonl")).exit_code == 0
    assert b"Dana" not in (tmp_path / "after.jsonl").read_bytes()
    history = [item for answer in _answers(store)[2:] if isinstance(answer, dict)
               for item in answer.get("items", []) if "data" in item]  # fmt: skip
    assert answer["reference"] in orjson.dumps(history).decode()
    if store.startswith("sqlite:///"):
        path = Path(store.removeprefix("sqlite:///"))
        for file in path.parent.glob(path.name + "*"):
            assert b"Dana" not in file.read_bytes(), file.name


def test_a_second_run_has_nothing_to_do(store: str, database: Database) -> None:
    assert _run("migrate-personal-data", "--yes").exit_code == 0
    after = _events(database)

    again = _run("migrate-personal-data", "--yes")

    assert again.exit_code == 0
    assert "nothing to do" in _said(again)
    assert _events(database) == after


def test_events_recorded_after_the_upgrade_keep_their_bytes(store: str, database: Database) -> None:
    app = create_app(old_store_settings(store))
    with TestClient(app) as client:
        _key, token = app.state.services.keys.create("rep", "editor")
        auth = {"Authorization": f"Bearer {token}"}
        deal = next(d for d in client.get("/v1/opportunities", headers=auth).json()["items"]
                    if d["account"] == "Umbrella")  # fmt: skip
        recorded = client.post(f"/v1/opportunities/{deal['id']}/events", headers=auth, json={
            "type": "MeetingGained", "contact": "Lena Park", "department": "IT",
            "note": "Lena is keen"})  # fmt: skip
        assert recorded.status_code == 201, recorded.text
    newest = _events(database)
    protected_already = [row for row in newest if b'"person_v2"' in row[2]]
    assert len(protected_already) == 1

    assert _run("migrate-personal-data", "--yes").exit_code == 0

    assert protected_already[0] in _events(database)
    assert _run("verify", "--all").exit_code == 0


def test_a_store_that_does_not_verify_is_left_as_it_is(store: str, database: Database) -> None:
    with database.transaction() as cursor:
        cursor.execute("UPDATE event_chain SET link = ? WHERE version = 2", ("0" * 64,))
    before = _events(database)

    result = _run("migrate-personal-data", "--yes")

    assert result.exit_code == 1
    assert "do not verify" in _said(result)
    assert "nothing was changed" in _said(result)
    assert _events(database) == before


def test_the_signed_records_travel_through_export_and_import(
    store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run("migrate-personal-data", "--yes").exit_code == 0
    backup = tmp_path / "backup.jsonl"
    assert _run("export", str(backup)).exit_code == 0
    lines = backup.read_bytes().splitlines(keepends=True)
    assert sum(line.startswith(b'{"chain_migration"') for line in lines) == 3
    monkeypatch.setenv("SMALLWINS_DATABASE_URL", f"sqlite:///{tmp_path / 'restored.db'}")

    imported = _run("import", str(backup))

    assert imported.exit_code == 0, imported.output
    restored = sqlite3.connect(tmp_path / "restored.db")
    assert restored.execute("SELECT COUNT(*) FROM chain_migrations").fetchone() == (3,)
    assert _run("verify", "--all").exit_code == 0


def test_an_import_refuses_an_altered_chain_migration_record(
    store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run("migrate-personal-data", "--yes").exit_code == 0
    backup = tmp_path / "backup.jsonl"
    assert _run("export", str(backup)).exit_code == 0
    text = backup.read_bytes()
    start = text.index(b'"old_version":') + len(b'"old_version":')
    altered = text[:start] + b"9" + text[start:]
    backup.write_bytes(altered)
    monkeypatch.setenv("SMALLWINS_DATABASE_URL", f"sqlite:///{tmp_path / 'restored.db'}")

    imported = _run("import", str(backup))

    assert imported.exit_code == 1
    assert "chain migration record altered" in _said(imported)
    assert "nothing was imported" in _said(imported)
