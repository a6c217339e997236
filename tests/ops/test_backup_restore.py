"""`smallwins export` / `smallwins import`: a full-fidelity round trip on both backends,
and a bad file (or the wrong key, or a store with events) writes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from api.cli import cli
from api.erasure import erase
from api.services import Services
from projections.analysis import analyze
from storage.keycheck import fingerprint
from tests.conftest import TEST_INTEGRITY_KEY
from tests.ops.stores import (
    SMALL_POOLS,
    all_verify,
    demo,
    exported,
    histories,
    is_empty,
    open_services,
    view_rows,
)

OTHER_KEY = "a7" * 32
KEY = TEST_INTEGRITY_KEY


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], CliRunner]:
    """A CliRunner whose commands use the store at the given URL."""

    def runner(url: str) -> CliRunner:
        monkeypatch.setenv("SMALLWINS_DATABASE_URL", url)
        for name, value in SMALL_POOLS.items():
            monkeypatch.setenv(f"SMALLWINS_{name.upper()}", str(value))
        return CliRunner()

    return runner


@pytest.fixture
def backup(
    services: Services, database_url: str, tmp_path: Path, cli_env: Callable[[str], CliRunner]
) -> Path:
    """An export of a small demo, written by the CLI."""
    demo(services, 60, seed=8)
    path = tmp_path / "backup.jsonl"
    result = cli_env(database_url).invoke(cli, ["export", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def restored(second_url: str) -> Iterator[Services]:
    built = open_services(second_url)
    yield built
    built.close()


def test_an_export_restores_to_an_identical_store(
    services: Services,
    backup: Path,
    restored: Services,
    second_url: str,
    cli_env: Callable[[str], CliRunner],
) -> None:
    result = cli_env(second_url).invoke(cli, ["import", str(backup)])
    assert result.exit_code == 0, result.output
    assert exported(restored) == backup.read_bytes() == exported(services)
    assert histories(restored) == histories(services)
    assert view_rows(restored) == view_rows(services)
    assert all_verify(restored)
    assert analyze(restored.opportunities) == analyze(services.opportunities)


def parts(lines: list[bytes]) -> int:
    """How many lines come before the events: the header and the key ring's records."""
    return next(i for i, line in enumerate(lines) if line.startswith(b'{"position"'))


def test_the_first_line_names_the_key_the_file_needs_and_whether_names_are_protected(
    backup: Path,
) -> None:
    header = orjson.loads(backup.read_bytes().splitlines()[0])
    assert header == {
        "smallwins_export": 2,
        "key_fingerprint": fingerprint(bytes.fromhex(KEY)),
        "personal_data": "protected",
    }


def test_the_key_rings_people_and_their_names_words_come_before_the_events(
    backup: Path,
) -> None:
    lines = [orjson.loads(line) for line in backup.read_bytes().splitlines()]
    records = lines[1 : parts(backup.read_bytes().splitlines())]
    people = [r["person"] for r in records if "person" in r]
    words = [r["person_part"] for r in records if "person_part" in r]
    assert people
    assert len(people) + len(words) == len(records)
    assert all(p["reference"].startswith("person-") and p["data_key"] for p in people)
    assert {w["reference"] for w in words} <= {p["reference"] for p in people}
    assert words  # the demo's people have first and last names


def test_each_line_carries_position_id_version_topic_state_and_link(backup: Path) -> None:
    every = backup.read_bytes().splitlines()
    lines = [orjson.loads(line) for line in every[parts(every) :]]
    assert [line["position"] for line in lines] == list(range(1, len(lines) + 1))
    assert set(lines[0]) == {"position", "originator_id", "version", "topic", "state", "link"}
    assert lines[0]["version"] == 1
    assert lines[0]["topic"].endswith("Opportunity.OpportunityOpened")
    assert orjson.loads(lines[0]["state"])["recorded_by"]


def corrupt_json(lines: list[bytes]) -> None:
    lines[4] = lines[4][:-10]


def drop_version(lines: list[bytes]) -> None:
    data = orjson.loads(lines[4])
    del data["version"]
    lines[4] = orjson.dumps(data)


def change_state(lines: list[bytes]) -> None:
    data = orjson.loads(lines[4])
    data["state"] = data["state"].replace('"recorded_by":"', '"recorded_by":"x', 1)
    lines[4] = orjson.dumps(data)


def skip_a_version(lines: list[bytes]) -> None:
    first = orjson.loads(lines[0])["originator_id"]
    second = next(
        i for i, line in enumerate(lines) if i and orjson.loads(line)["originator_id"] == first
    )
    del lines[second]


def unknown_topic(lines: list[bytes]) -> None:
    data = orjson.loads(lines[4])
    data["topic"] = "os:system"
    lines[4] = orjson.dumps(data)


@pytest.mark.parametrize(
    ("damage", "line", "problem"),
    [
        (corrupt_json, 5, "not valid JSON"),
        (drop_version, 5, "missing version"),
        (change_state, 5, "chain link does not verify"),
        (skip_a_version, None, "does not follow version 1"),
        (unknown_topic, 5, "unknown topic"),
    ],
)
def test_a_damaged_file_imports_nothing(
    backup: Path,
    restored: Services,
    second_url: str,
    cli_env: Callable[[str], CliRunner],
    damage: Callable[[list[bytes]], None],
    line: int | None,
    problem: str,
) -> None:
    lines = backup.read_bytes().splitlines()
    before = parts(lines)  # the header and the people
    events = lines[before:]
    damage(events)  # the 5th event's line, if it names one
    backup.write_bytes(b"\n".join([*lines[:before], *events]) + b"\n")
    result = cli_env(second_url).invoke(cli, ["import", str(backup)])
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert problem in message
    assert f"line {before + line}:" in message if line else "line " in message
    assert "nothing was imported" in message
    assert is_empty(restored)


def test_a_file_from_a_store_with_another_key_imports_nothing(
    backup: Path,
    restored: Services,
    second_url: str,
    cli_env: Callable[[str], CliRunner],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner = cli_env(second_url)
    monkeypatch.setenv("SMALLWINS_INTEGRITY_KEY", OTHER_KEY)
    result = runner.invoke(cli, ["import", str(backup)])
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    needed = fingerprint(bytes.fromhex(KEY))
    assert f"the integrity key does not match this store (fingerprint {needed})" in message
    assert "SMALLWINS_INTEGRITY_KEY" in message
    assert "nothing was imported" in message
    assert is_empty(restored)


def test_a_headerless_file_from_a_store_with_another_key_imports_nothing(
    backup: Path,
    restored: Services,
    second_url: str,
    cli_env: Callable[[str], CliRunner],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    every = backup.read_bytes().splitlines(keepends=True)
    backup.write_bytes(b"".join(every[parts(every) :]))  # events only: a file from before
    runner = cli_env(second_url)
    monkeypatch.setenv("SMALLWINS_INTEGRITY_KEY", OTHER_KEY)
    result = runner.invoke(cli, ["import", str(backup)])
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "line 1:" in message
    assert "different key" in message
    assert is_empty(restored)


def test_import_refuses_a_store_that_holds_events(
    services: Services, backup: Path, database_url: str, cli_env: Callable[[str], CliRunner]
) -> None:
    before = exported(services)
    result = cli_env(database_url).invoke(cli, ["import", str(backup)])
    assert result.exit_code == 1
    assert "empty store" in result.output
    assert exported(services) == before


@pytest.mark.postgres
def test_a_sqlite_export_restores_into_postgresql(
    tmp_path: Path, postgres_database_url: str, cli_env: Callable[[str], CliRunner]
) -> None:
    laptop = open_services(f"sqlite:///{tmp_path / 'laptop.db'}")
    server = open_services(postgres_database_url)
    try:
        demo(laptop, 30, seed=6)
        path = tmp_path / "move.jsonl"
        assert (
            cli_env(laptop.settings.database_url).invoke(cli, ["export", str(path)]).exit_code == 0
        )
        result = cli_env(postgres_database_url).invoke(cli, ["import", str(path)])
        assert result.exit_code == 0, result.output
        assert exported(server) == path.read_bytes()
        assert histories(server) == histories(laptop)
        assert all_verify(server)
    finally:
        laptop.close()
        server.close()


@pytest.mark.usefixtures("quick_erasure_generations")  # every app is in this process
def test_an_erased_store_round_trips_and_its_export_never_holds_the_name(
    services: Services,
    database_url: str,
    second_url: str,
    restored: Services,
    tmp_path: Path,
    cli_env: Callable[[str], CliRunner],
) -> None:
    demo(services, 30, seed=8)
    account, name = next(
        (history[0].data["account"], record.data["stakeholder"])
        for history in histories(services).values()
        for record in history
        if record.type == "StakeholderBoughtIn"
    )
    done = erase(services, account, name, "test")
    path = tmp_path / "erased.jsonl"
    assert cli_env(database_url).invoke(cli, ["export", str(path)]).exit_code == 0

    result = cli_env(second_url).invoke(cli, ["import", str(path)])

    assert result.exit_code == 0, result.output
    assert name.encode() not in path.read_bytes()
    assert done.reference.encode() in path.read_bytes()
    assert histories(restored) == histories(services)
    assert view_rows(restored) == view_rows(services)
    assert all_verify(restored)
    assert [e.reference for e in restored.people.erasures()] == [done.reference]
    assert restored.people.find(account, name) is None
