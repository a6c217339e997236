"""`smallwins import-crm salesforce DIR` / `hubspot FILE.json` (DESIGN section 8): read and
check the export, map its stages, then record (or with --dry-run only check) its history
through the one write path; progress bars on stderr, the report on stdout."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api.cli_support import progress_bar
from api.services import build_services
from api.settings import Settings
from storage.crm import (
    BadFile,
    Export,
    Report,
    check,
    load_stages,
    prepare,
    read_hubspot,
    read_salesforce,
    sizes,
    write,
)

crm_cli = typer.Typer(
    help="Bring history from another CRM (Salesforce, HubSpot).", no_args_is_help=True
)
err = Console(stderr=True)
Reader = Callable[[Callable[[int], object]], Export]

StagesOption = Annotated[
    Path | None,
    typer.Option(
        "--stages", exists=True, dir_okay=False, metavar="FILE",
        help='TOML: "Stage Name" = "rung" (meeting, customer_data, decision_makers, demo,'
        " verbal_commitment, none, won, lost): adds to or overrides the standard stages.",
    ),
]  # fmt: skip
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Write nothing; print what would be recorded.")
]


@crm_cli.command("salesforce")
def salesforce(
    directory: Annotated[Path, typer.Argument(
        metavar="DIR", exists=True, file_okay=False,
        help="A Data Loader export: Opportunity.csv, OpportunityHistory.csv, ...",
    )],
    stages: StagesOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Import a Salesforce Data Loader export (CSV files in DIR)."""
    _import(lambda progress: read_salesforce(directory, progress), lambda: sizes(directory),
            stages, dry_run=dry_run)  # fmt: skip


@crm_cli.command("hubspot")
def hubspot(
    file: Annotated[Path, typer.Argument(
        metavar="FILE.json", exists=True, dir_okay=False,
        help="A JSON list of deals from the CRM API with propertiesWithHistory.",
    )],
    stages: StagesOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Import HubSpot deals (the CRM API's deal objects with propertiesWithHistory)."""
    _import(lambda _progress: read_hubspot(file), lambda: 0, stages, dry_run=dry_run)


def _fail(message: str) -> typer.Exit:
    err.print(message, style="red", highlight=False, markup=False, soft_wrap=True)
    return typer.Exit(1)


def _import(
    read: Reader, size: Callable[[], int], stages: Path | None, *, dry_run: bool
) -> None:
    with progress_bar(transient=True) as bar:  # one bar for the whole run: its tasks one after the other
        try:
            overrides = load_stages(stages) if stages is not None else {}
            task = bar.add_task("reading the export", total=size() or None)
            export = read(lambda n: bar.advance(task, n))
        except BadFile as error:
            raise _fail(f"{error}; nothing was imported") from None
        services = build_services(Settings())
        try:
            app = services.opportunities
            task = bar.add_task("reading what was imported before", total=None)
            prepared = prepare(export, overrides, app, lambda n: bar.update(task, completed=n))
            if prepared.unmapped and not dry_run:
                listed = "\n  ".join(prepared.unmapped)
                raise _fail(
                    f"{len(prepared.unmapped)} stage(s) map to no rung, none or close:\n"
                    f"  {listed}\nmap them in a --stages file (\"Stage Name\" = \"rung\");"
                    " nothing was imported"
                )
            total = len(prepared.deals)
            task = bar.add_task("checking" if dry_run else "writing", total=total)
            run = check if dry_run else write
            report = run(prepared, app, lambda n: bar.update(task, completed=n))
        finally:
            services.close()
    _print(report)
    if report.failed:
        raise _fail(
            f"writing stopped part way ({report.failed}): {report.recorded:,} events were"
            " recorded, listed above; run the same command again to add the rest"
        )
    if report.unmapped:
        raise typer.Exit(1)
    if not dry_run:
        err.print(
            "The views catch up when `smallwins serve` (SQLite) or `smallwins project` runs.",
            highlight=False,
        )


def _print(report: Report) -> None:
    sys.stdout.write("\n".join(report.lines()) + "\n")
