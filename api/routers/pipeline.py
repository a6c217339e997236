"""/v1/pipeline/totals: how many deals, and how much money, at each stage of the ladder."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api import deals
from api.auth import ServicesDep, Viewer
from api.filters import PipelineFilters
from api.routers.opportunities import json_response
from api.schemas.responses import PipelineTotalsOut

router = APIRouter(prefix="/pipeline", tags=["pipeline"])


@router.get(
    "/totals",
    summary="Deals and amounts per stage, for the list's filters",
    response_model=PipelineTotalsOut,
)
def get_pipeline_totals(_key: Viewer, services: ServicesDep, filters: PipelineFilters) -> Response:
    return json_response(deals.totals(services, filters))
