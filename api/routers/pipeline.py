"""/v1/pipeline: totals per stage of the ladder, and the review of what changed between two
instants. Parsing and answering only: the work is in api.deals and api.review."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api import deals, review
from api.auth import ServicesDep, Viewer
from api.filters import PipelineFilters
from api.pagination import Limit
from api.routers.agenda import Name
from api.routers.opportunities import UtcInstant, json_response
from api.schemas.changes import PipelineChangesOut
from api.schemas.responses import PipelineTotalsOut
from projections.review import ReviewFilters

router = APIRouter(prefix="/pipeline", tags=["pipeline"])


@router.get(
    "/totals",
    summary="Deals and amounts per stage, for the list's filters",
    response_model=PipelineTotalsOut,
)
def get_pipeline_totals(_key: Viewer, services: ServicesDep, filters: PipelineFilters) -> Response:
    return json_response(deals.totals(services, filters))


@router.get(
    "/changes",
    summary="What changed in the deals between two instants (the pipeline review)",
    operation_id="getPipelineChanges",
    response_model=PipelineChangesOut,
)
def get_pipeline_changes(
    _key: Viewer,
    services: ServicesDep,
    start: Annotated[
        UtcInstant, Query(alias="from", description="RFC 3339 instant: compared from then.")
    ],
    to: Annotated[
        UtcInstant | None,
        Query(description="RFC 3339 instant, not in the future: compared to then (default now)."),
    ] = None,
    owner: Name = None,
    account: Name = None,
    limit: Limit = 50,
    cursor: str | None = None,
) -> Response:
    filters = ReviewFilters(owner, account)
    return json_response(review.changes(services, start, to, filters, limit, cursor))
