"""What `smallwins demo`, `export`, `import` and `migrate-personal-data` do, with progress bars on stderr. The CLI
commands in api/cli.py only parse their options and call these."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO, cast

import typer
from rich.console import Console

from api.cli_support import progress_bar
from api.services import Services, build_services
from api.settings import Settings
from demo import default_end, generate
from domain.application import Opportunities
from storage.audit import all_opportunity_ids, verify_opportunity
from storage.chain_records import INSERT as INSERT_CHAIN_RECORD
from storage.config import TRANSCODER_TOPIC
from storage.keycheck import KeyMismatch, fingerprint
from storage.migrate_personal import migrate_personal_data
from storage.personal import Known, reading_mapper
from storage.statistics import refresh_statistics
from storage.transfer import (
    BadLine,
    StoreNotEmpty,
    check_file,
    ensure_empty,
    export_events,
    file_fingerprint,
    write_file,
)
from storage.transfer.lines import CHAIN_MIGRATION, PERSON
from storage.transfer.restore import file_header, record_lines

err = Console(stderr=True)


@contextmanager
def _services() -> Iterator[Services]:
    services = build_services(Settings())
    try:
        yield services
    finally:
        services.close()


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]{message}[/]", highlight=False)
    return typer.Exit(code)


def demo(
    opportunities: int,
    seed: int,
    batch_size: int | None,
    workers: int | None,
    end: date | None,
    *,
    checked: bool = False,
) -> None:
    until = default_end() if end is None else datetime(end.year, end.month, end.day, tzinfo=UTC)
    if until > datetime.now(UTC):
        raise _fail("--end may not be in the future", 2)
    with _services() as services:
        try:
            ensure_empty(services.opportunities.recorder, services.database)
        except StoreNotEmpty:
            raise _fail(
                "the store already holds events: demo writes into an empty store only"
                " (point SMALLWINS_DATABASE_URL at a new database)"
            ) from None
        with progress_bar() as bar:
            task = bar.add_task("demo: 0 events", total=opportunities)

            def advance(finished: int, written: int) -> None:
                bar.update(task, completed=finished, description=f"demo: {written:,} events")

            stats = generate(
                services.opportunities, opportunities=opportunities, seed=seed,
                batch_size=batch_size, end=until, workers=workers, checked=checked,
                progress=advance,
            )  # fmt: skip
            bar.update(task, completed=opportunities)
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(stats.statuses.items()))
    err.print(
        f"wrote {stats.events:,} events for {stats.opportunities:,} opportunities ({statuses})"
        f" in {stats.seconds:.2f} s: {stats.rate:,.0f} events/s",
        highlight=False,
    )
    err.print("The views catch up when `smallwins serve` (SQLite) or `smallwins project` runs.")


@contextmanager
def _output(target: str) -> Iterator[BinaryIO]:
    """stdout for "-"; otherwise a temporary file beside the target, renamed over it only
    when the export is complete (a failed export never leaves a truncated backup)."""
    if target == "-":
        yield sys.stdout.buffer
        return
    path = Path(target)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed and renamed below)
        "wb", dir=path.parent, prefix=f".{path.name}.", suffix=".partial", delete=False
    )
    try:
        with handle:
            yield cast(BinaryIO, handle)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def export(target: str) -> None:
    with _services() as services, _output(target) as out:
        recorder = services.opportunities.recorder
        with progress_bar() as bar:
            task = bar.add_task("exporting events", total=recorder.max_notification_id() or 0)
            done = export_events(
                recorder, services.database, services.integrity_key, out,
                progress=lambda n: bar.update(task, completed=n),
                people=services.people.records, personal_data=services.people.protection(),
            )  # fmt: skip
    where = "stdout" if target == "-" else target
    err.print(f"exported {done.events:,} events of {done.opportunities:,} opportunities to {where}")
    if done.unverified:
        raise _fail(
            f"{done.unverified} exported events do not verify against the integrity key"
            f" (first: {done.first_unverified}); this file will not import."
            " Run `smallwins verify --all`."
        )


def import_(source: Path) -> None:
    """Check the whole file against the configured key before the store is even opened
    (so a failed import leaves nothing behind: no database, no key file), then restore it
    into an empty store."""
    if not source.is_file():
        raise _fail(f"{source}: no such file", 2)
    settings = Settings()
    needed = file_fingerprint(source)
    key_hex = settings.configured_key()
    if key_hex is None:
        named = f" (fingerprint {needed})" if needed else ""
        raise _fail(
            f"set SMALLWINS_INTEGRITY_KEY to the key{named} of the store {source} was exported"
            " from: its events' links need it; nothing was imported"
        )
    key = bytes.fromhex(key_hex)
    if needed is not None and needed != fingerprint(key):
        raise _fail(f"{KeyMismatch(needed)}; nothing was imported")
    size = source.stat().st_size
    try:
        records = record_lines(source, key)
        people = records[PERSON]
        scratch = Opportunities({"PERSISTENCE_MODULE": "eventsourcing.popo",
                                 "TRANSCODER_TOPIC": TRANSCODER_TOPIC})  # fmt: skip
        mapper = reading_mapper(scratch.mapper.transcoder, Known(people))
        with progress_bar() as bar:
            task = bar.add_task("checking the file", total=size)
            checked = check_file(source, mapper, key, lambda n: bar.advance(task, n))
            bar.update(task, completed=size)
    except BadLine as error:
        raise _fail(f"{source}: {error}; nothing was imported") from None
    with _services() as services:
        app, database = services.opportunities, services.database
        try:
            ensure_empty(app.recorder, database)
        except StoreNotEmpty as error:
            raise _fail(str(error)) from None
        services.people.restore(records)
        with database.transaction() as cursor:  # the signed records of renewed chains
            cursor.executemany(INSERT_CHAIN_RECORD, records[CHAIN_MIGRATION])
        services.people.mark_as(protected=file_header(source).get("personal_data") == "protected")
        with progress_bar() as bar:
            task = bar.add_task("importing events", total=checked.events)
            try:
                written = write_file(
                    source, app.recorder, key, progress=lambda n: bar.update(task, completed=n)
                )
            except BadLine as error:
                raise _fail(
                    f"{source}: {error}; the import stopped part way: empty the store and"
                    " import again from an unchanged file"
                ) from None
        refresh_statistics(app)
    err.print(
        f"imported {written:,} events of {checked.opportunities:,} opportunities;"
        " the views catch up when `smallwins serve` (SQLite) or `smallwins project` runs."
    )


def migrate_personal(*, dry_run: bool, yes: bool) -> None:
    """Rewrite a store whose events hold names in clear into the protected form, after
    checking every chain (a store that does not verify is left as it is)."""
    with _services() as services:
        if services.people.protection() == "protected":
            err.print("every event of this store has its names protected: nothing to do")
            return
        if not dry_run and not yes:
            typer.confirm(
                "This rewrites the store's events and hash chains. Stop every smallwins"
                " process using the store first (serve, project). Rewrite now?",
                abort=True,
            )
        recorder, database, key = (
            services.opportunities.recorder,
            services.database,
            services.integrity_key,
        )
        ids = list(all_opportunity_ids(recorder, database))
        with progress_bar() as bar:
            task = bar.add_task("checking the chains", total=len(ids))
            bad = 0
            for oid in ids:
                found = verify_opportunity(recorder, database, key, oid)
                bad += 0 if found is None or found.ok else 1
                bar.advance(task)
        if bad:
            raise _fail(
                f"{bad} opportunities do not verify (`smallwins verify --all` lists the"
                " problems): restore them from a backup first; nothing was changed"
            )
        with progress_bar() as bar:
            task = bar.add_task(
                "dry run" if dry_run else "protecting names",
                total=recorder.max_notification_id() or 0,
            )
            done = migrate_personal_data(
                services.opportunities, database, services.people, key, dry_run=dry_run,
                progress=lambda n: bar.update(task, completed=n),
            )  # fmt: skip
        if not dry_run:
            refresh_statistics(services.opportunities)
    counts = f"{done.rewritten:,} of {done.events:,} events ({done.opportunities:,} opportunities)"
    if dry_run:
        err.print(
            f"dry run: {counts} name people in clear and would be rewritten;"
            f" {done.people:,} people would be given keys. Nothing was changed.",
            highlight=False,
        )
        return
    err.print(
        f"rewrote {counts} that named people in clear; {done.people:,} people were given"
        " keys. Each renewed chain keeps a signed record of its old head (`smallwins verify"
        " --all` checks them). People of this store can now be erased.",
        highlight=False,
    )
