"""/v1/analytics/wins: the win analysis, replayed from the event log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime

from api.auth import ServicesDep, Viewer
from api.filters import require_order
from api.routers.opportunities import json_response
from api.schemas.analytics import WinAnalysisOut
from projections.analysis import Filters, analyze

router = APIRouter(prefix="/analytics", tags=["analytics"])


@router.get(
    "/wins",
    summary="Which small wins, paths and habits led to closes",
    response_model=WinAnalysisOut,
)
def get_win_analysis(
    _key: Viewer,
    services: ServicesDep,
    closed_from: Annotated[
        AwareDatetime | None,
        Query(description="Only deals whose close occurred at or after this instant."),
    ] = None,
    closed_to: Annotated[
        AwareDatetime | None,
        Query(description="Only deals whose close occurred before this instant (exclusive)."),
    ] = None,
    owner: Annotated[
        str | None,
        Query(max_length=200, description="Only this owner's deals (matched like names)."),
    ] = None,
    as_of: Annotated[
        AwareDatetime | None,
        Query(description="Replay only what was recorded by this instant."),
    ] = None,
) -> Response:
    require_order(closed_from, closed_to, "closed_from", "closed_to")
    filters = Filters(closed_from=closed_from, closed_to=closed_to, owner=owner, as_of=as_of)
    return json_response(analyze(services.opportunities, filters))
