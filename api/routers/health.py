"""Liveness and readiness (public)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response

from api.auth import ServicesDep
from api.openapi import PUBLIC
from api.schemas.responses import Health, ProjectionOut, Readiness

router = APIRouter(tags=["health"])
log = logging.getLogger("smallwins.health")


@router.get("/healthz", summary="The process is alive", openapi_extra=PUBLIC)
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="The store is reachable and the projections are caught up",
    responses={503: {"model": Readiness}},
    openapi_extra=PUBLIC,
)
def readyz(services: ServicesDep, response: Response) -> Readiness:
    try:
        statuses = services.runner.statuses()
    except Exception as error:  # noqa: BLE001 (a store failure is the answer: not ready)
        log.warning("readiness check failed: %s", type(error).__name__)
        response.status_code = 503
        return Readiness(status="unavailable", store="unreachable", projections=[])
    lagging = any(s.lag > services.settings.ready_max_lag for s in statuses)
    if lagging:
        response.status_code = 503
    return Readiness(
        status="catching_up" if lagging else "ready",
        store="ok",
        projections=[
            ProjectionOut(name=s.name, position=s.position, head=s.head, lag=s.lag)
            for s in statuses
        ],
    )
