"""The `smallwins` command line: serve, project, rebuild, keys."""

from __future__ import annotations

import getpass
import logging.config
import signal
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated
from uuid import UUID

import orjson
import typer
import uvicorn
from pydantic import ValidationError
from rich.console import Console
from rich.progress import Progress, TaskID
from rich.table import Table

from api import erasure, operations
from api.cli_support import announce, ensure_port_free, friendly, require_store
from api.crm import crm_cli
from api.keys import REVOCATION_SECONDS, ROLES, KeyStore, UnknownRole
from api.logs import log_config
from api.problems import Problem
from api.report.labels import scope_text
from api.report.terminal import parse_instant, print_analysis
from api.services import build_services
from api.settings import Settings
from domain.application import Opportunities
from projections.analysis import Filters
from projections.analysis import analyze as win_analysis
from storage.audit import all_opportunity_ids, is_opportunity, verify_opportunity
from storage.collector import collect_less
from storage.config import eventsourcing_env
from storage.gateway import Database, schema_lock
from storage.keycheck import check_key

cli = typer.Typer(help="smallwins: event-sourced opportunity tracker.", no_args_is_help=True)
keys_cli = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")
cli.add_typer(crm_cli, name="import-crm")
err = Console(stderr=True)
# Commands that run until stopped keep Python's collector as it is: their memory matters
# more over days than a rebuild's seconds (storage.collector).
LONG_RUNNING = frozenset({"serve", "project"})


@cli.callback()
def _every_command(ctx: typer.Context) -> None:
    """smallwins: event-sourced opportunity tracker. Every command reads
    SMALLWINS_DATABASE_URL (default ./smallwins.db) and says which store it uses."""
    if not ctx.resilient_parsing and ctx.invoked_subcommand is not None:
        announce()
        if ctx.invoked_subcommand not in LONG_RUNNING:
            collect_less()  # a command that works through the log and ends


def _check_key(settings: Settings) -> None:
    """Stop before serving when the integrity key is not the store's (KeyMismatch)."""
    storage = settings.storage()
    key = settings.chain_key()
    with schema_lock(storage):
        app = Opportunities(eventsourcing_env(storage, key))
        database = Database(storage)
        try:
            check_key(database, app.recorder, bytes.fromhex(key))
        finally:
            database.close()
            app.close()


def _keys() -> KeyStore:
    storage = Settings().storage()
    with schema_lock(storage):
        return KeyStore(Database(storage))


@cli.command()
@friendly
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the API on SMALLWINS_DATABASE_URL (default: ./smallwins.db)."""
    settings = Settings()
    ensure_port_free(host, port)
    _check_key(settings)
    store = _keys()
    if not store.has_active_admin():
        err.print(
            "[yellow]No admin API key exists yet.[/] Create one with:\n"
            "  smallwins keys create --name admin --role admin"
        )
    store.database.close()
    shown = f"[{host}]" if ":" in host else host
    err.print(
        f"serving the API at http://{shown}:{port}/v1 (docs: /docs) and the web pages at"
        f" http://{shown}:{port}/app/ (sign in with an API key)",
        soft_wrap=True,
    )
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        log_config=log_config(settings.log_level),
        access_log=False,  # our middleware logs access lines with the route template
    )


@cli.command()
@friendly
def project() -> None:
    """Run the projection worker: catch up from the tracked positions, then follow the log;
    deliver the webhooks."""
    settings = Settings()
    logging.config.dictConfig(log_config(settings.log_level))
    services = build_services(settings)
    err.print(
        f"projecting {', '.join(services.runner.views)} and delivering webhooks;"
        " Ctrl-C or SIGTERM to stop"
    )
    services.webhooks.start()
    signal.signal(signal.SIGTERM, lambda *_: services.runner.stop(timeout=0))
    try:
        services.runner.run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        services.close()


@cli.command()
@friendly
def rebuild(
    name: Annotated[str | None, typer.Argument(help="One projection; default: all.")] = None,
) -> None:
    """Empty projections and rebuild them from the whole log, with a progress bar."""
    require_store()
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
@friendly
def verify(
    opportunity: Annotated[str | None, typer.Argument(help="An opportunity id.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Verify every opportunity.")] = False,
) -> None:
    """Check histories against their hash chain; exits 1 if anything was altered."""
    if (opportunity is None) == (not all_):
        err.print("[red]give an opportunity id or --all[/]")
        raise typer.Exit(2)
    require_store()
    services = build_services(Settings())
    recorder, database, key = (
        services.opportunities.recorder,
        services.database,
        services.integrity_key,
    )
    try:
        ids = list(all_opportunity_ids(recorder, database)) if all_ else [UUID(str(opportunity))]
        bad = checked = others = 0
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
                others += 0 if is_opportunity(recorder, oid) else 1
                for problem in found.problems:
                    Console().print(f"{oid} version {problem.version}: {problem.problem}")
                bad += 0 if found.ok else 1
    except ValueError:
        err.print(f"[red]{opportunity!r} is not an opportunity id[/]")
        raise typer.Exit(2) from None
    finally:
        services.close()
    goals = f" and {others} sellers' goals" if others else ""
    err.print(
        f"{len(ids) - others} opportunities{goals}, {checked} events checked, {bad} with problems"
    )
    if bad:
        raise typer.Exit(1)


@cli.command()
@friendly
def analyze(
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of",
            parser=parse_instant,
            help="Replay only what was recorded by this RFC 3339 instant (e.g. 2025-03-31T23:59:59Z).",
        ),
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Only this owner's deals.")] = None,
    closed_from: Annotated[
        datetime | None,
        typer.Option(
            parser=parse_instant, help="Only deals whose close occurred at or after this instant."
        ),
    ] = None,
    closed_to: Annotated[
        datetime | None,
        typer.Option(
            parser=parse_instant, help="Only deals whose close occurred before this instant."
        ),
    ] = None,
    json_: Annotated[
        bool, typer.Option("--json", help="Print the JSON answer of GET /v1/analytics/wins.")
    ] = False,
    html: Annotated[
        Path | None,
        typer.Option(
            dir_okay=False,
            metavar="FILE",
            help="Also write a self-contained HTML report with charts.",
        ),
    ] = None,
) -> None:
    """Win analysis: which small wins, paths and habits led to closes (replays the log)."""
    if closed_from and closed_to and closed_from >= closed_to:
        err.print("[red]--closed-from must be before --closed-to[/]")
        raise typer.Exit(2)
    require_store()
    services = build_services(Settings())
    filters = Filters(closed_from=closed_from, closed_to=closed_to, owner=owner, as_of=as_of)
    try:
        head = int(services.opportunities.recorder.max_notification_id() or 0)
        with Progress(console=err, transient=True) as progress:
            task = progress.add_task("replaying the event log", total=head or None)
            analysis = win_analysis(
                services.opportunities, filters, lambda n: progress.advance(task, n)
            )
    finally:
        services.close()
    scope = scope_text(owner, closed_from, closed_to, as_of)
    if json_:
        sys.stdout.write(orjson.dumps(analysis, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        print_analysis(Console(), analysis, scope)
    if html is not None:
        from api.report.html import render_report  # noqa: PLC0415 (loads matplotlib: only when asked)

        page = render_report(
            analysis, owner=owner, closed_from=closed_from, closed_to=closed_to, as_of=as_of
        )
        html.write_text(page, encoding="utf-8")
        err.print(f"wrote the report to {html}")


@cli.command()
@friendly
def demo(
    opportunities: Annotated[int, typer.Option(min=0, help="How many deals.")] = 200,
    seed: Annotated[int, typer.Option(help="Same seed (and --end): same history.")] = 1,
    end: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Last day of the history. [default: today]"),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Most events per transaction (fewer in the last ones)."
            " [default: 50000 on SQLite, 5000 on PostgreSQL]",
        ),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=0, help="Processes telling stories. [default: auto]")
    ] = None,
    checked: Annotated[
        bool,
        typer.Option(
            "--checked",
            help="Play every story through the domain's commands (every rule enforced;"
            " same history, about half the speed).",
        ),
    ] = False,
) -> None:
    """Write realistic synthetic history (two years of a sales team) into an empty store."""
    operations.demo(
        opportunities, seed, batch_size, workers, end.date() if end else None, checked=checked
    )


@cli.command()
@friendly
def export(
    file: Annotated[
        str, typer.Argument(metavar="FILE.jsonl", help="Where to write; - for stdout.")
    ],
) -> None:
    """Back up every event, byte for byte, with its hash-chain link, as JSON Lines."""
    require_store()
    operations.export(file)


@cli.command("import")
@friendly
def import_(
    file: Annotated[Path, typer.Argument(metavar="FILE.jsonl", help="A file from export.")],
) -> None:
    """Restore an export into an empty store; checks the whole file before writing."""
    operations.import_(file)


@cli.command()
@friendly
def erase(
    account: Annotated[str, typer.Option(help="The account whose deals name the person.")],
    name: Annotated[str, typer.Option(help="The person's name (matched like stakeholders).")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a person for good: every mention reads as a reference from then on, the text
    about them as "[erased]"; the history still verifies. Prints what was erased (JSON)."""
    require_store()
    if not yes:
        typer.confirm(f"Erase {name!r} of {account!r} for good? This cannot be undone.", abort=True)
    services = build_services(Settings())
    try:
        done = erasure.erase(services, account, name, f"cli:{getpass.getuser()}")
    except Problem as problem:
        err.print(f"[red]{problem.detail}[/]")
        raise typer.Exit(1) from None
    finally:
        services.close()
    answer = {"reference": done.reference, "account": done.account,
              "opportunities": done.opportunities, "events": done.events}  # fmt: skip
    sys.stdout.write(orjson.dumps(answer).decode() + "\n")


@cli.command("migrate-personal-data")
@friendly
def migrate_personal_data(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be rewritten; change nothing.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Rewrite a store made before names were protected so its people can be erased: each
    name becomes a token, the chains are linked anew with a signed record of the old
    heads, and the store's files are compacted (stop the service first)."""
    require_store()
    operations.migrate_personal(dry_run=dry_run, yes=yes)


@keys_cli.command("create")
@friendly
def keys_create(
    name: Annotated[str, typer.Option(help="Who uses the key; recorded as recorded_by.")],
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.")] = "editor",
) -> None:
    """Create a key and print it (only the key, on stdout, this one time)."""
    require_store()
    try:
        _key, token = _keys().create(name, role)
    except (UnknownRole, ValueError) as error:
        err.print(f"[red]{error}[/]")
        raise typer.Exit(2) from None
    sys.stdout.write(token + "\n")


@keys_cli.command("list")
@friendly
def keys_list() -> None:
    """List keys (never their secrets)."""
    require_store()
    table = Table("id", "name", "role", "created", "revoked")
    for key in _keys().list():
        table.add_row(key.key_id, key.name, key.role, key.created_at, key.revoked_at or "")
    Console().print(table)


@keys_cli.command("revoke")
@friendly
def keys_revoke(
    key: Annotated[str, typer.Argument(help="A key id, or a name to revoke all its keys.")],
) -> None:
    """Revoke a key; it stops working at once, in every API process."""
    require_store()
    count = _keys().revoke(key)
    if not count:
        err.print(f"[red]no active key matches {key!r}[/]")
        raise typer.Exit(1)
    # Every running process reads the revocations again at least this often before it
    # answers anyone: once this command returns, no process accepts the key.
    time.sleep(2 * REVOCATION_SECONDS)
    err.print(f"revoked {count} key(s)")


def main() -> None:
    try:
        cli()
    except ValidationError as error:  # a setting from the environment is not valid: say which
        for problem in error.errors():
            where = ".".join(str(part) for part in problem["loc"])
            message = str(problem["msg"]).removeprefix("Value error, ")
            err.print(f"[red]invalid setting[/] SMALLWINS_{where.upper()}: {message}")
        sys.exit(2)
