"""The CLI on a newcomer's first day: every command says which store it uses, does not make
a store it only reads, stops with one plain line (exit 2) on a mistake of the user's, and a
store refuses an integrity key that is not its own."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import cli
from tests.ops.stores import SMALL_POOLS, demo, open_services

OTHER_KEY = "c3" * 32


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], CliRunner]:
    def use(url: str) -> CliRunner:
        monkeypatch.setenv("SMALLWINS_DATABASE_URL", url)
        for name, value in SMALL_POOLS.items():
            monkeypatch.setenv(f"SMALLWINS_{name.upper()}", str(value))
        return CliRunner()

    return use


def one_line(output: str) -> str:
    return " ".join(output.split())


def test_every_command_names_the_store_it_uses_without_a_password(
    env: Callable[[str], CliRunner], tmp_path: Path
) -> None:
    runner = env("postgresql://jo:s3cret@127.0.0.1:1/nowhere")
    result = runner.invoke(cli, ["keys", "list"])
    assert "store: PostgreSQL jo@127.0.0.1:1/nowhere" in result.output
    assert "s3cret" not in result.output
    runner = env(f"sqlite:///{tmp_path / 'x.db'}")
    assert f"store: SQLite {tmp_path / 'x.db'}" in runner.invoke(cli, ["keys", "list"]).output


@pytest.mark.parametrize("command", [["keys", "list"], ["analyze"], ["verify", "--all"]])
def test_a_command_that_only_reads_makes_no_store_where_there_is_none(
    env: Callable[[str], CliRunner], tmp_path: Path, command: list[str]
) -> None:
    store = tmp_path / "smallwins.db"
    result = env(f"sqlite:///{store}").invoke(cli, command)
    assert result.exit_code == 1
    assert "no store at" in result.output
    assert not store.exists()
    assert not Path(f"{store}.key").exists()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://localhost/x", "unsupported database URL scheme 'mysql'"),
        ("sqlite:///{tmp}/missing/folder/x.db", "does not exist: create it"),
        ("postgresql://postgres@127.0.0.1:1/x", "is not reachable"),
    ],
)
def test_a_users_mistake_is_one_plain_line_and_exit_code_2(
    env: Callable[[str], CliRunner], tmp_path: Path, url: str, says: str
) -> None:
    result = env(url.format(tmp=tmp_path)).invoke(cli, ["demo", "--opportunities", "1"])
    assert result.exit_code == 2, result.output
    assert says in one_line(result.output)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_serve_on_a_busy_port_says_which_port_to_try(
    env: Callable[[str], CliRunner], tmp_path: Path
) -> None:
    runner = env(f"sqlite:///{tmp_path / 'smallwins.db'}")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(cli, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert f"port {port} is in use on 127.0.0.1; try --port {port + 1}" in one_line(result.output)


@pytest.mark.parametrize("command", [["verify", "--all"], ["analyze"], ["export", "-"]])
def test_a_store_refuses_a_key_it_was_not_created_with(
    env: Callable[[str], CliRunner],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    services = open_services(database_url)
    demo(services, 5, seed=3)
    services.close()
    runner = env(database_url)
    monkeypatch.setenv("SMALLWINS_INTEGRITY_KEY", OTHER_KEY)
    result = runner.invoke(cli, command)
    assert result.exit_code == 2, result.output
    message = one_line(result.output)
    assert "the integrity key does not match this store (fingerprint " in message
    assert "set SMALLWINS_INTEGRITY_KEY to the key it was created with" in message
    assert "stored bytes changed" not in message


def test_a_failed_import_leaves_no_store_and_no_key_file_behind(
    env: Callable[[str], CliRunner],
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    services = open_services(database_url)
    demo(services, 5, seed=3)
    services.close()
    backup = tmp_path / "backup.jsonl"
    assert env(database_url).invoke(cli, ["export", str(backup)]).exit_code == 0
    target = tmp_path / "restored" / "smallwins.db"
    target.parent.mkdir()
    runner = env(f"sqlite:///{target}")
    monkeypatch.delenv("SMALLWINS_INTEGRITY_KEY")
    result = runner.invoke(cli, ["import", str(backup)])
    assert result.exit_code == 1
    assert "set SMALLWINS_INTEGRITY_KEY to the key (fingerprint " in one_line(result.output)
    assert list(target.parent.iterdir()) == []


@pytest.mark.parametrize("value", ["2026-06-01", "2026-06-01T00:00:00Z"])
def test_the_cli_takes_a_plain_date_wherever_it_takes_an_instant(
    env: Callable[[str], CliRunner], database_url: str, value: str
) -> None:
    services = open_services(database_url)
    demo(services, 5, seed=3)
    services.close()
    result = env(database_url).invoke(cli, ["analyze", "--json", "--as-of", value])
    assert result.exit_code == 0, result.output
