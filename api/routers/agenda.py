"""/v1/agenda: the open interactions of open and paused deals, soonest first. Parsing and
answering only: the work is in api.agenda."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api import agenda
from api.auth import ServicesDep, Viewer
from api.pagination import Limit
from api.routers.opportunities import UtcInstant, json_response
from api.schemas.responses import Page
from api.schemas.week import AgendaItem
from projections.agenda import AgendaFilters

router = APIRouter(tags=["agenda"])
Name = Annotated[str | None, Query(max_length=200, description="Matched like names.")]


@router.get(
    "/agenda",
    summary="Open interactions across deals, by when they are planned",
    operation_id="getAgenda",
    response_model=Page[AgendaItem],
)
def get_agenda(
    _key: Viewer,
    services: ServicesDep,
    owner: Name = None,
    account: Name = None,
    due_before: Annotated[
        UtcInstant | None,
        Query(description="Only items planned before this instant (unscheduled ones left out)."),
    ] = None,
    overdue: Annotated[
        bool | None, Query(description="true: overdue items only; false: the others only.")
    ] = None,
    limit: Limit = 50,
    cursor: str | None = None,
) -> Response:
    filters = AgendaFilters(owner, account, due_before, overdue)
    return json_response(agenda.page(services, filters, limit, cursor))
