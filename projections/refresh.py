"""Writing some opportunities' view rows again from their events, as far as each view has
got: after an erasure their names read differently (as references), so the rows that
showed them are written anew, under the views' tracking locks, and nothing else moves."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from domain.state import DealState, fold
from projections.runner import ProjectionRunner
from projections.tracking import read_position
from projections.view import RESET, Change, OpportunityView
from storage.gateway import Cursor


def refresh(runner: ProjectionRunner, opportunity_ids: Sequence[UUID]) -> None:
    """Rows of these opportunities written again in every view, each view's in one
    transaction, from the events up to the position it stands at."""
    runner.forget(opportunity_ids)
    postgres = runner.database.is_postgres
    for name, view in runner.views.items():
        if view.captures and not view.adds_up:
            continue  # append-only: what it holds was true when written, names aside
        with runner.database.transaction() as cursor:
            position = read_position(cursor, name, for_update=postgres)
            changes: dict[str, Change] = {}
            for oid in opportunity_ids:
                found = _at(runner, cursor, oid, position, view)
                if found is not None:
                    changes[str(oid)] = found
            if changes:
                view.project(cursor, changes)


def _at(
    runner: ProjectionRunner, cursor: Cursor, oid: UUID, position: int, view: OpportunityView
) -> Change | None:
    """The opportunity as the view knows it (its events up to `position`), with the
    captures of its standing events for a view that adds them up."""
    version = _version_at(runner, cursor, oid, position)
    if version is None:
        return None
    records = runner.app.history(oid, version=version)
    state: DealState = fold(records)
    captured = {view.name: [RESET, *view.capture_history(records)]} if view.adds_up else {}
    return Change(state, captured)


def _version_at(runner: ProjectionRunner, cursor: Cursor, oid: UUID, position: int) -> int | None:
    postgres = runner.database.is_postgres
    column = "notification_id" if postgres else "rowid"
    stored_id = str(oid) if postgres else oid.hex
    cursor.execute(
        f"SELECT MAX(originator_version) FROM {runner.events_table}"  # noqa: S608
        f" WHERE originator_id = ? AND {column} <= ?",
        (stored_id, position),
    )
    row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else None
