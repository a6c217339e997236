"""Reads that see the caller's own writes: the views are brought up to the head of the log
(bounded by settings.read_wait_seconds) before they are read; a single opportunity whose
view row is still behind is computed from its events instead."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

from api.services import Services
from domain.errors import OpportunityNotFound
from domain.state import describe
from projections.queries import CurrentRow, body_with_momentum, get_one_with_head, with_momentum
from projections.render import render_full

_inline_lock = threading.Lock()


def catch_up(services: Services, names: tuple[str, ...]) -> bool:
    """Bring the named views to the current head; True when they got there in time."""
    runner = services.runner
    head = runner.head()
    if services.in_process and not runner.is_running:  # no background loop: project inline
        with _inline_lock:
            runner.catch_up(list(names))
        return True
    return runner.wait_for(head, services.settings.read_wait_seconds, names)


def view_state(services: Services, opportunity_id: UUID) -> dict[str, Any] | None:
    """The current state from the view in one statement, or None when the view's row is
    behind the store (then `current_state`). Raises OpportunityNotFound."""
    found = _up_to_date_row(services, opportunity_id)
    if found is None:
        return None
    return with_momentum(found.state, found.inputs, services.clock(), services.policy)


def view_body(services: Services, opportunity_id: UUID) -> tuple[bytes, int] | None:
    """`view_state` as the JSON body it is answered with, and its version (a closed
    opportunity's stored state is answered as it is)."""
    found = _up_to_date_row(services, opportunity_id)
    if found is None:
        return None
    body = body_with_momentum(found.state, found.inputs, services.clock(), services.policy)
    return body, found.version


def _up_to_date_row(services: Services, opportunity_id: UUID) -> CurrentRow | None:
    events_table = services.opportunities.recorder.events_table_name  # type: ignore[attr-defined]
    row = get_one_with_head(services.database, events_table, opportunity_id)
    if row.store_version is None:
        raise OpportunityNotFound(str(opportunity_id))
    return row.up_to_date()


def current_state(services: Services, opportunity_id: UUID) -> dict[str, Any]:
    """From the view when its row has every stored event (after a bounded catch-up);
    otherwise computed from the events themselves."""
    state = view_state(services, opportunity_id)
    if state is not None:
        return state
    catch_up(services, ("pipeline",))
    state = view_state(services, opportunity_id)
    if state is not None:
        return state
    records = services.opportunities.history(opportunity_id)
    return render_full(str(opportunity_id), describe(records, services.clock(), services.policy))
