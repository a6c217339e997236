"""An import run: `prepare` (the stage mapping, the unmapped stages, what the store has of
the deals already imported), then `check` (--dry-run: every event through the domain's
rules in memory, nothing written) or `write` (every event through the group-commit writer,
the one write path: rules, retries, hash chain). Both give the same `Report`.

Not one transaction: the files are read and checked, the stages mapped and the store read
before anything is written; then the writer commits in batches. If writing stops part way
(the store fails, Ctrl-C), what was written stays (each event valid and chained) and the
report says how much it was; the same command run again adds the rest (a deal gets only
what is newer than the last event the importer recorded on it)."""

from __future__ import annotations

import random
import secrets
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from domain.application import Opportunities, Written
from domain.errors import DomainError
from domain.ids import millis_of, time_ordered_id
from domain.opportunity import Opportunity, Stamp
from storage.crm.model import Deal, Export, Skipped
from storage.crm.plan import Known, Planned, Planner, known_of
from storage.crm.report import Report
from storage.crm.stages import DEFAULTS, StageMap
from storage.writer import GroupCommitWriter

Progress = Callable[[int], Any]  # deals done so far
WRITE_BATCH = 2000  # commands per transaction, at most
IN_FLIGHT = 20_000  # commands submitted and not yet answered, at most
COPIES = 4000  # deals the writer keeps (more than are in flight: each is written once)


@dataclass(slots=True)
class Prepared:
    export: Export
    stages: StageMap
    recorded_by: str
    deals: list[Deal]  # those whose stages all map
    known: dict[str, Known] = field(default_factory=dict)  # by external_id
    unmapped: list[str] = field(default_factory=list)
    unplanned: int = 0

    def report(self, dry_run: bool) -> Report:
        export = self.export
        return Report(export.label, dry_run, unplanned=self.unplanned, unmapped=self.unmapped,
                      skipped=list(export.skipped), notes=list(export.notes))  # fmt: skip


def prepare(
    export: Export,
    overrides: dict[str, str],
    app: Opportunities,
    progress: Progress | None = None,
) -> Prepared:
    """Map the stages, set aside the deals that use unmapped ones, and read what the store
    has of the deals already imported (`progress`: deals read)."""
    stages = StageMap(DEFAULTS[export.crm], overrides, export.closes)
    every = [stage for deal in export.deals for stage in deal.stages()]
    unmapped = stages.unmapped(every)
    lacking = set(unmapped)
    deals = [d for d in export.deals if not d.stages() & lacking] if lacking else export.deals
    left_out = len(export.deals) - len(deals)
    prepared = Prepared(export, stages, f"import:{export.crm}", deals, unplanned=left_out)
    prepared.unmapped = [f"{s} {export.stage_context[s]}".strip() if s in export.stage_context else s
                         for s in unmapped]  # fmt: skip
    owners = app.external_id_owners([d.external_id for d in deals])
    for done, (external_id, owner) in enumerate(owners.items(), start=1):
        opportunity_id = UUID(owner)
        history = app.history(opportunity_id)
        prepared.known[external_id] = known_of(opportunity_id, history, prepared.recorded_by)
        if progress is not None:
            progress(done)
    return prepared


def plan(prepared: Prepared, deal: Deal, now: Any) -> list[Planned]:
    known = prepared.known.get(deal.external_id)
    return Planner(deal, prepared.stages, known, prepared.export.label, now).events()


def check(prepared: Prepared, app: Opportunities, progress: Progress | None = None) -> Report:
    """--dry-run: what `write` would record, each event judged by the domain's rules on an
    opportunity in memory; nothing is written."""
    report, started, now = prepared.report(dry_run=True), time.monotonic(), app.clock()
    who = prepared.recorded_by
    for done, deal in enumerate(prepared.deals, start=1):
        events = plan(prepared, deal, now)
        known = prepared.known.get(deal.external_id)
        if known is None:
            opening, events = events[0], events[1:]
            try:
                opportunity = Opportunity.open(
                    Stamp(who, now, opening.occurred_at, opening.note), opening.fields
                )
            except DomainError as error:
                _refused(report, opening, error)
                continue
            report.opened += 1
            report.events[opening.type] += 1
        elif not events:
            report.unchanged += 1
            continue
        else:
            opportunity = app.load(known.opportunity_id)
        recorded = 0
        for event in events:
            try:
                opportunity.record(event.type, Stamp(who, now, event.occurred_at, event.note),
                                   event.fields)  # fmt: skip
            except DomainError as error:
                report.skipped.append(Skipped(event.where, f"{event.type}: {error}"))
                continue
            report.events[event.type] += 1
            recorded += 1
        _count_known(report, known, recorded)
        if progress is not None:
            progress(done)
    report.seconds = time.monotonic() - started
    return report


Pending = tuple[Deal, Known | None, list[tuple[Planned, Future[Written]]]]


def write(prepared: Prepared, app: Opportunities, progress: Progress | None = None) -> Report:
    """Record every planned event through the group-commit writer (no presenter: nobody
    reads the answers' rendered state). Submits ahead of the answers, at most IN_FLIGHT."""
    report, started = prepared.report(dry_run=False), time.monotonic()
    writer = GroupCommitWriter(app, max_batch=WRITE_BATCH, cache_size=COPIES)
    who = prepared.recorded_by
    # The new opportunities' random bits, from a generator seeded by the system's once: a
    # system call per id would hand the interpreter to the writer thread each time.
    bits = random.Random(secrets.randbits(128))  # noqa: S311 (ids, not secrets)
    pending: deque[Pending] = deque()
    in_flight = done = 0
    try:
        for deal in prepared.deals:
            events = plan(prepared, deal, app.clock())
            known = prepared.known.get(deal.external_id)
            submitted: list[tuple[Planned, Future[Written]]] = []
            if known is None:
                opportunity_id = time_ordered_id(millis_of(app.clock()), bits.getrandbits(74))
                opening = events[0]
                submitted.append((opening, writer.open(
                    recorded_by=who, fields=opening.fields, occurred_at=opening.occurred_at,
                    note=opening.note, opportunity_id=opportunity_id,
                )))  # fmt: skip
                events = events[1:]
            else:
                opportunity_id = known.opportunity_id
            submitted += [(event, writer.record(
                opportunity_id, event.type, recorded_by=who, fields=event.fields,
                occurred_at=event.occurred_at, note=event.note,
            )) for event in events]  # fmt: skip
            pending.append((deal, known, submitted))
            in_flight += len(submitted)
            while pending and (in_flight > IN_FLIGHT or _answered(pending[0])):
                in_flight -= _settle(report, pending.popleft())
                done += 1
                if progress is not None:
                    progress(done)
            if report.failed:
                break
    except KeyboardInterrupt:
        report.failed = "interrupted"
    finally:
        while pending:  # the writer answers everything submitted before it stops
            _settle(report, pending.popleft())
        writer.stop()
    report.seconds = time.monotonic() - started
    return report


def _answered(item: Pending) -> bool:
    submitted = item[2]
    return not submitted or submitted[-1][1].done()


def _settle(report: Report, item: Pending) -> int:
    """Count one deal's answers; a failure that is no rule's (the store) stops the run."""
    _deal, known, submitted = item
    recorded = 0
    opening_failed = False  # then its events fail too: not reported one by one
    for event, future in submitted:
        error = future.exception()
        opening = known is None and event.type == "OpportunityOpened"
        if error is None:
            report.opened += opening
            report.events[event.type] += 1
            recorded += 1
            continue
        if not isinstance(error, DomainError):
            report.failed = report.failed or f"{type(error).__name__}: {error}"
        elif opening:
            _refused(report, event, error)
        elif not opening_failed:
            report.skipped.append(Skipped(event.where, f"{event.type}: {error}"))
        opening_failed = opening_failed or opening
    if known is not None:
        _count_known(report, known, recorded)
    return len(submitted)


def _refused(report: Report, opening: Planned, error: Exception) -> None:
    report.refused += 1
    report.skipped.append(Skipped(opening.where, f"OpportunityOpened: {error}"))


def _count_known(report: Report, known: Known | None, recorded: int) -> None:
    if known is not None:
        if recorded:
            report.updated += 1
        else:
            report.unchanged += 1
