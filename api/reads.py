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
from projections.queries import get_one, with_momentum
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


def store_version(services: Services, opportunity_id: UUID) -> int | None:
    found = services.opportunities.recorder.select_events(opportunity_id, desc=True, limit=1)
    return found[0].originator_version if found else None


def current_state(services: Services, opportunity_id: UUID) -> dict[str, Any]:
    latest = store_version(services, opportunity_id)
    if latest is None:
        raise OpportunityNotFound(str(opportunity_id))
    row = get_one(services.database, str(opportunity_id))
    if row is None or row[0] < latest:
        catch_up(services, ("pipeline",))
        row = get_one(services.database, str(opportunity_id))
    now = services.clock()
    if row is not None and row[0] >= latest:
        return with_momentum(row[1], row[2], now, services.policy)
    records = services.opportunities.history(opportunity_id)
    return render_full(str(opportunity_id), describe(records, now, services.policy))
