"""/v1/projections: each view's position, the log head and the lag; admin rebuild."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import Admin, ServicesDep, Viewer
from api.openapi import REPLAYED, IdempotencyKey, answers
from api.problems import NOT_FOUND, Problem
from api.schemas.responses import ProjectionOut, ProjectionsOut
from projections.runner import UnknownProjection

router = APIRouter(prefix="/projections", tags=["projections"])


def _statuses(services: ServicesDep) -> ProjectionsOut:
    return ProjectionsOut(
        items=[
            ProjectionOut(name=s.name, position=s.position, head=s.head, lag=s.lag)
            for s in services.runner.statuses()
        ]
    )


@router.get("", summary="Position, head and lag of every projection")
def list_projections(_key: Viewer, services: ServicesDep) -> ProjectionsOut:
    return _statuses(services)


@router.post(
    "/{name}/rebuild",
    status_code=202,
    summary="Empty a projection and rebuild it from the log",
    responses=answers(202, "Rebuilding: every projection's status", REPLAYED),
)
def rebuild_projection(
    name: str, _key: Admin, services: ServicesDep, _idempotency_key: IdempotencyKey = None
) -> ProjectionsOut:
    try:
        services.runner.rebuild(name)
    except UnknownProjection:
        raise Problem(NOT_FOUND, f"no projection is named {name!r}") from None
    return _statuses(services)
