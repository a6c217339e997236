"""/v1/accounts: the customer base as equity (wins, repeat business, referrals), one
account with its departments and referrals, and an account's department depth."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from api import accounts
from api.auth import ServicesDep, Viewer
from api.pagination import Limit
from api.problems import NOT_FOUND, Problem
from api.reads import catch_up
from api.routers.opportunities import json_response
from api.schemas.accounts import AccountDetailOut, AccountPage
from api.schemas.enums import AccountSort
from api.schemas.responses import AccountRelationshipsOut
from projections.queries import account_relationships

router = APIRouter(prefix="/accounts", tags=["accounts"])
Account = Annotated[str, Path(max_length=200, description="An account, matched like names.")]


@router.get(
    "",
    summary="Every account with its deals, wins, repeat business and referrals given",
    operation_id="listAccounts",
    response_model=AccountPage,
)
def list_accounts(
    _key: Viewer,
    services: ServicesDep,
    sort: AccountSort = "account",
    limit: Limit = 50,
    cursor: str | None = None,
) -> Response:
    return json_response(accounts.list_accounts(services, str(sort), limit, cursor))


@router.get(
    "/{account}",
    summary="One account's figures, departments and the opportunities it referred",
    operation_id="getAccount",
    response_model=AccountDetailOut,
)
def get_account(account: Account, _key: Viewer, services: ServicesDep) -> Response:
    return json_response(accounts.get_account(services, account))


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
