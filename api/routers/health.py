"""Liveness and readiness (public)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.auth import ServicesDep
from api.schemas.responses import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive")
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", summary="The store is reachable", responses={503: {"model": Health}})
def readyz(services: ServicesDep, response: Response) -> Health:
    try:
        services.database.ping()
    except Exception:  # noqa: BLE001 (any store failure means not ready; reported, not hidden)
        response.status_code = 503
        return Health(status="unavailable")
    return Health(status="ready")
