"""The `smallwins` command line: serve, project, rebuild, keys."""

from __future__ import annotations

import signal
import sys
from typing import Annotated
from uuid import UUID

import typer
import uvicorn
from rich.console import Console
from rich.progress import Progress, TaskID
from rich.table import Table

from api.keys import ROLES, KeyStore, UnknownRole
from api.services import build_services
from api.settings import Settings
from projections.audit import all_opportunity_ids, verify_opportunity
from projections.database import Database

cli = typer.Typer(help="smallwins: event-sourced opportunity tracker.", no_args_is_help=True)
keys_cli = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")
err = Console(stderr=True)


def _keys() -> KeyStore:
    return KeyStore(Database(Settings().storage()))


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the API on SMALLWINS_DATABASE_URL (default: ./smallwins.db)."""
    settings = Settings()
    store = _keys()
    if not store.has_active_admin():
        err.print(
            "[yellow]No admin API key exists yet.[/] Create one with:\n"
            "  smallwins keys create --name admin --role admin"
        )
    store.database.close()
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
    )


@cli.command()
def project() -> None:
    """Run the projection worker: catch up from the tracked positions, then follow the log."""
    services = build_services(Settings())
    err.print(f"projecting {', '.join(services.runner.views)}; Ctrl-C or SIGTERM to stop")
    signal.signal(signal.SIGTERM, lambda *_: services.runner.stop(timeout=0))
    try:
        services.runner.run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        services.close()


@cli.command()
def rebuild(
    name: Annotated[str | None, typer.Argument(help="One projection; default: all.")] = None,
) -> None:
    """Empty projections and rebuild them from the whole log, with a progress bar."""
    services = build_services(Settings())
    runner = services.runner
    names = [name] if name else list(runner.views)
    unknown = [n for n in names if n not in runner.views]
    if unknown:
        err.print(
            f"[red]no projection named {unknown[0]!r}; choose from {', '.join(runner.views)}[/]"
        )
        raise typer.Exit(2)
    head = runner.head()
    try:
        with Progress(console=err) as progress:
            for each in names:
                runner.rebuild(each)
                task = progress.add_task(f"rebuilding {each}", total=head or None)

                def advance(_name: str, applied: int, task: TaskID = task) -> None:
                    progress.advance(task, applied)

                runner.catch_up([each], progress=advance)
                progress.update(task, completed=head)
    finally:
        services.close()


@cli.command()
def verify(
    opportunity: Annotated[str | None, typer.Argument(help="An opportunity id.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Verify every opportunity.")] = False,
) -> None:
    """Check histories against their hash chain; exits 1 if anything was altered."""
    if (opportunity is None) == (not all_):
        err.print("[red]give an opportunity id or --all[/]")
        raise typer.Exit(2)
    services = build_services(Settings())
    recorder, database, key = (
        services.opportunities.recorder,
        services.database,
        services.integrity_key,
    )
    try:
        ids = list(all_opportunity_ids(recorder, database)) if all_ else [UUID(str(opportunity))]
        bad = checked = 0
        with Progress(console=err, transient=True) as progress:
            task = progress.add_task("verifying", total=len(ids))
            for oid in ids:
                found = verify_opportunity(recorder, database, key, oid)
                progress.advance(task)
                if found is None:
                    err.print(f"[red]{oid}: no such opportunity[/]")
                    bad += 1
                    continue
                checked += found.checked
                for problem in found.problems:
                    Console().print(f"{oid} version {problem.version}: {problem.problem}")
                bad += 0 if found.ok else 1
    except ValueError:
        err.print(f"[red]{opportunity!r} is not an opportunity id[/]")
        raise typer.Exit(2) from None
    finally:
        services.close()
    err.print(f"{len(ids)} opportunities, {checked} events checked, {bad} with problems")
    if bad:
        raise typer.Exit(1)


@keys_cli.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="Who uses the key; recorded as recorded_by.")],
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.")] = "editor",
) -> None:
    """Create a key and print it (only the key, on stdout, this one time)."""
    try:
        _key, token = _keys().create(name, role)
    except (UnknownRole, ValueError) as error:
        err.print(f"[red]{error}[/]")
        raise typer.Exit(2) from None
    sys.stdout.write(token + "\n")


@keys_cli.command("list")
def keys_list() -> None:
    """List keys (never their secrets)."""
    table = Table("id", "name", "role", "created", "revoked")
    for key in _keys().list():
        table.add_row(key.key_id, key.name, key.role, key.created_at, key.revoked_at or "")
    Console().print(table)


@keys_cli.command("revoke")
def keys_revoke(
    key: Annotated[str, typer.Argument(help="A key id, or a name to revoke all its keys.")],
) -> None:
    """Revoke a key; it stops working at once, in every API process."""
    count = _keys().revoke(key)
    if not count:
        err.print(f"[red]no active key matches {key!r}[/]")
        raise typer.Exit(1)
    err.print(f"revoked {count} key(s)")


def main() -> None:
    cli()
