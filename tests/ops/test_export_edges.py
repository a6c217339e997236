"""Export edges: bytes that are not UTF-8, writing to stdout, and a store that no longer
verifies (the backup is written, but the operator is told it will not import)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent
from typer.testing import CliRunner

from api.cli import cli
from api.services import Services
from storage.transfer.lines import KNOWN_TOPICS, dump, load
from tests.ops.stores import demo, open_services


def test_state_bytes_that_are_not_text_round_trip_as_base64() -> None:
    topic = sorted(KNOWN_TOPICS)[0]
    event = StoredEvent(uuid4(), 3, topic, b"\x00\xff\xfe compressed or encrypted")
    line = dump(7, event, "ab" * 32)
    assert b"state_base64" in line
    back = load(1, line)
    assert back.event == event
    assert back.position == 7
    assert back.link == "ab" * 32


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    """A small demo on SQLite (the file format does not depend on the backend), which the
    CLI uses too."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("SMALLWINS_DATABASE_URL", url)
    services = open_services(url)
    demo(services, 10, seed=2)
    yield services
    services.close()


def test_export_to_stdout_writes_the_same_lines_as_to_a_file(
    store: Services, tmp_path: Path
) -> None:
    runner = CliRunner()
    to_file = runner.invoke(cli, ["export", str(tmp_path / "out.jsonl")])
    to_stdout = runner.invoke(cli, ["export", "-"])
    assert to_file.exit_code == to_stdout.exit_code == 0
    assert to_stdout.stdout_bytes == (tmp_path / "out.jsonl").read_bytes()
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_exporting_a_store_that_was_tampered_with_warns_that_it_will_not_import(
    store: Services, tmp_path: Path
) -> None:
    with store.database.transaction() as cursor:
        cursor.execute("UPDATE stored_events SET state = ? WHERE rowid = 3", (b'{"x":1}',))
    result = CliRunner().invoke(cli, ["export", str(tmp_path / "out.jsonl")])
    assert result.exit_code == 1
    assert "1 exported events do not verify" in " ".join(result.output.split())
    assert (tmp_path / "out.jsonl").exists()
