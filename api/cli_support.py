"""What every command of the CLI shares: it says which store it uses (one line on stderr),
it does not create a store it only reads, and a user's mistake (a malformed database
URL, a missing folder, an unreachable PostgreSQL, a busy port, the wrong integrity key)
is one plain line and exit code 2, never a traceback."""

from __future__ import annotations

import errno
import functools
import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import psycopg
import typer
from eventsourcing.persistence import InterfaceError, OperationalError
from psycopg_pool import PoolTimeout
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.settings import Settings
from storage.config import MissingFolder, StorageConfig, UnsupportedDatabaseURL, describe
from storage.keycheck import KeyMismatch

P = ParamSpec("P")
R = TypeVar("R")
err = Console(stderr=True, highlight=False, soft_wrap=True)  # one line stays one line


def progress_bar(*, transient: bool = False) -> Progress:
    """The bar long commands draw on stderr: what, how far (n of m), how long so far."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=transient,
    )


class PortInUse(RuntimeError):
    def __init__(self, host: str, port: int) -> None:
        super().__init__(f"port {port} is in use on {host}; try --port {port + 1}")


def problem(error: BaseException, settings: Settings | None) -> str | None:
    """One line for a mistake of the user's, or None for anything else (a bug)."""
    if isinstance(error, KeyMismatch | UnsupportedDatabaseURL | MissingFolder | PortInUse):
        return str(error)
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        return f"SMALLWINS_{where.upper()}: {message}"
    if isinstance(error, psycopg.OperationalError | PoolTimeout | OperationalError | InterfaceError):
        where = _where(settings)
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return f"the store at {where} is not reachable: {detail}"
    if isinstance(error, sqlite3.OperationalError):
        return f"cannot use the store at {_where(settings)}: {error}"
    return None


def _where(settings: Settings | None) -> str:
    try:
        return describe(settings.storage()) if settings else "SMALLWINS_DATABASE_URL"
    except (ValueError, UnsupportedDatabaseURL):
        return "SMALLWINS_DATABASE_URL"


def store_exists(config: StorageConfig) -> bool:
    """Whether a store is there already (a SQLite file; PostgreSQL: the events table)."""
    if config.backend == "sqlite":
        return Path(config.sqlite_path).expanduser().is_file()
    from storage.gateway import conninfo  # noqa: PLC0415 (PostgreSQL only)

    with psycopg.connect(conninfo(config)) as connection:
        found = connection.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s"
            " AND table_name = 'smallwins_events'",
            (config.schema,),
        ).fetchone()
    return found is not None


def ensure_port_free(host: str, port: int) -> None:
    """Raise PortInUse when something already listens there."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUse(host, port) from None
            raise


def friendly(command: Callable[P, R]) -> Callable[P, R]:
    """A command (or callback) whose user mistakes end in one line and exit code 2."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.BadParameter):
            raise
        except Exception as error:
            line = problem(error, _settings_or_none())
            if line is None:
                raise
            err.print(f"[red]{line}[/]")
            raise typer.Exit(2) from None

    return run


def _settings_or_none() -> Settings | None:
    try:
        return Settings()
    except ValidationError:
        return None


@friendly
def announce() -> None:
    """Say which store the command uses (one line on stderr, never a password)."""
    err.print(f"store: {describe(Settings().storage())}")


def require_store() -> None:
    """Stop (exit 1) when a command that only uses a store finds none: it must not make
    one silently (only the services, serve and project, and demo, import and import-crm
    do)."""
    config = Settings().storage()
    if not store_exists(config):
        err.print(
            f"[red]no store at {describe(config)} yet: `smallwins serve` (or `demo`, `import`)"
            " creates one; check SMALLWINS_DATABASE_URL[/]"
        )
        raise typer.Exit(1)
