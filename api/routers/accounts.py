"""/v1/accounts/{account}/relationships: department depth across an account's deals."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.auth import ServicesDep, Viewer
from api.problems import NOT_FOUND, Problem
from api.reads import catch_up
from api.routers.opportunities import json_response
from api.schemas.responses import AccountRelationshipsOut
from projections.queries import account_relationships

router = APIRouter(prefix="/accounts", tags=["accounts"])


@router.get(
    "/{account}/relationships",
    summary="Departments reached across all of an account's opportunities",
    response_model=AccountRelationshipsOut,
)
def get_account_relationships(account: str, _key: Viewer, services: ServicesDep) -> Response:
    catch_up(services, ("relationships",))
    found = account_relationships(services.database, account)
    if found is None:
        raise Problem(NOT_FOUND, "no opportunity has this account")
    return json_response({"account": found.account, "departments": found.departments})
