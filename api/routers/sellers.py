"""/v1/sellers: the sellers' weekly goals, their scorecards and the list of sellers.
Parsing and answering only: the work is in api.scorecards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api import scorecards
from api.auth import Editor, ServicesDep, Viewer
from api.pagination import Limit
from api.routers.opportunities import json_response
from api.schemas.responses import Page
from api.schemas.week import GoalsIn, GoalsOut, ScorecardOut, SellerOut

router = APIRouter(prefix="/sellers", tags=["sellers"])
Owner = Annotated[
    str, Path(max_length=200, description="An opportunity owner, matched like names.")
]


@router.put(
    "/{owner}/goals",
    summary="Set a seller's weekly goals",
    operation_id="putGoals",
    response_model=GoalsOut,
)
async def put_goals(owner: Owner, body: GoalsIn, key: Editor, services: ServicesDep) -> Response:
    return json_response(await scorecards.put_goals(services, owner, key.name, body))


@router.get(
    "/{owner}/goals",
    summary="A seller's weekly goals in force now",
    operation_id="getGoals",
    response_model=GoalsOut,
)
def get_goals(owner: Owner, _key: Viewer, services: ServicesDep) -> Response:
    return json_response(scorecards.get_goals(services, owner))


@router.get(
    "/{owner}/scorecard",
    summary="A seller's week: small wins, interactions, deals, goals and streak",
    operation_id="getScorecard",
    response_model=ScorecardOut,
)
def get_scorecard(
    owner: Owner,
    _key: Viewer,
    services: ServicesDep,
    week: Annotated[
        str | None,
        Query(max_length=20, description="An ISO week such as 2026-W49; default: this week."),
    ] = None,
) -> Response:
    return json_response(scorecards.get_scorecard(services, owner, week))


@router.get(
    "",
    summary="Every seller with this week's small wins, goals met and overdue interactions",
    operation_id="listSellers",
    response_model=Page[SellerOut],
)
def list_sellers(
    _key: Viewer, services: ServicesDep, limit: Limit = 50, cursor: str | None = None
) -> Response:
    return json_response(scorecards.list_sellers(services, limit, cursor))
