"""The accounts (the customer base as equity): one account's figures, the list, and one
account with its departments and the opportunities it referred."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.enums import Status
from api.schemas.responses import AccountDepartmentOut, UtcDatetime

_FIGURES: dict[str, Any] = {
    "account": "Acme Corp",
    "opportunities": {"open": 1, "paused": 0, "won": 2, "lost": 1},
    "won_amounts": {"EUR": 18000.0, "USD": 52000.0},
    "first_won_at": "2026-10-21T09:00:00Z",
    "last_small_win_at": "2026-11-24T15:30:00Z",
    "departments_bought_in": 3,
    "repeat_opportunities": 2,
    "referrals_given": {"opened": 2, "won": 1, "won_amounts": {"USD": 24000.0}},
}
_DEPARTMENT: dict[str, Any] = {
    "name": "Finance",
    "depth": "decision_maker",
    "stakeholders": ["Sam Ortiz"],
    "opportunities": ["01a19b7c-a680-762d-938f-5865bf1f8a8b"],
    "first_contacted_at": "2026-09-03T09:00:00Z",
    "first_bought_in_at": "2026-09-20T09:00:00Z",
}
_REFERRED: dict[str, Any] = {
    "id": "01a19b7c-a680-744a-99fa-b01cc9af1699",
    "title": "Globex analytics",
    "account": "Globex",
    "status": "won",
}


class OpportunityCounts(BaseModel):
    open: int
    paused: int
    won: int
    lost: int


class ReferralsGiven(BaseModel):
    opened: int = Field(description="Opportunities of any account this account referred.")
    won: int = Field(description="How many of them were won.")
    won_amounts: dict[str, float] = Field(
        description="CURRENCY: their won amounts, summed (a won deal without amount: not summed)."
    )


class AccountOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_FIGURES]})

    account: str = Field(description="The account as first spelled (its earliest deal's).")
    opportunities: OpportunityCounts = Field(description="Its deals by status now.")
    won_amounts: dict[str, float] = Field(
        description="CURRENCY: the amounts of its won deals (the ClosedWon amount, else the"
        " deal's amount as it stood at the close; none: not summed), summed."
    )
    first_won_at: UtcDatetime | None = Field(
        description="The earliest close of its won deals; null when none is won."
    )
    last_small_win_at: UtcDatetime | None = Field(
        description="The latest small win of any of its deals; null when none."
    )
    departments_bought_in: int = Field(
        description="Departments at depth bought_in or deeper on any of its deals."
    )
    repeat_opportunities: int = Field(
        description="Its deals opened (by occurred_at) after first_won_at."
    )
    referrals_given: ReferralsGiven


class ReferredOut(BaseModel):
    id: str
    title: str
    account: str
    status: Status


class AccountDetailOut(AccountOut):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{**_FIGURES, "relationships": [_DEPARTMENT], "referred": [_REFERRED]}]
        }
    )

    relationships: list[AccountDepartmentOut] = Field(
        description="Its departments across all its deals, as /accounts/{account}/relationships"
        " lists them."
    )
    referred: list[ReferredOut] = Field(
        description="The opportunities whose referrer_account is this account, oldest first."
    )


class AccountPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_FIGURES], "next_cursor": None}]}
    )

    items: list[AccountOut]
    next_cursor: str | None
