"""/metrics: Prometheus text format, public like /healthz and /readyz.

Public because scrapers rarely carry bearer keys; it exposes only route templates, counts,
latencies, event type names and log positions, never opportunity ids, names or bodies (the
webhook series carry webhook ids, never URLs or secrets). Where the API is reachable from
outside, block /metrics at the load balancer (see docs/operations.md)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.auth import ServicesDep
from api.metrics import CONTENT_TYPE
from api.openapi import PUBLIC

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {}}, "description": "Prometheus text format"}},
    openapi_extra=PUBLIC,
)
def metrics(services: ServicesDep) -> Response:
    return Response(services.metrics.render(), media_type=CONTENT_TYPE)
