"""/v1/people/erase and /v1/erasures: a person erased for good (admin only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api import erasure
from api.auth import Admin, ServicesDep
from api.openapi import REPLAYED, IdempotencyKey, answers
from api.pagination import Limit, decode_cursor, encode_cursor

router = APIRouter(tags=["people"])
Name = Annotated[str, Field(min_length=1, max_length=200)]


class EraseRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"account": "Globex", "name": "Kofi Young"}]},
    )
    account: Name = Field(description="The account whose opportunities name the person.")
    name: Name = Field(description="The person's name (matched like stakeholders).")


class ErasureOut(BaseModel):
    reference: str = Field(description="What every mention of the person reads as now.")
    account: str
    opportunities: int = Field(description="How many opportunities named the person.")
    events: int = Field(description="How many events named the person.")


class ErasureItem(ErasureOut):
    erased_at: str
    erased_by: str


class ErasurePage(BaseModel):
    items: list[ErasureItem]
    next_cursor: str | None


@router.post(
    "/people/erase",
    summary="Erase a person for good (admin)",
    responses=answers(200, "The person is erased: what their mentions read as now", REPLAYED),
)
def erase_person(
    body: EraseRequest,
    key: Admin,
    services: ServicesDep,
    _idempotency_key: IdempotencyKey = None,
) -> ErasureOut:
    done = erasure.erase(services, body.account, body.name, key.name)
    return ErasureOut(
        reference=done.reference,
        account=done.account,
        opportunities=done.opportunities,
        events=done.events,
    )


@router.get("/erasures", summary="Every erasure: who, when, by whom (never the name)")
def list_erasures(
    _key: Admin, services: ServicesDep, limit: Limit = 100, cursor: str | None = None
) -> ErasurePage:
    after = decode_cursor(cursor).get("after", "")
    every = services.people.erasures()
    rows = [e for e in every if (e.erased_at, e.reference) > tuple(str(after).split("|", 1))]
    page = rows[:limit]
    more = len(rows) > limit
    return ErasurePage(
        items=[
            ErasureItem(
                reference=e.reference,
                account=e.account,
                erased_at=e.erased_at,
                erased_by=e.erased_by,
                opportunities=e.opportunities,
                events=e.events,
            )
            for e in page
        ],
        next_cursor=encode_cursor(after=f"{page[-1].erased_at}|{page[-1].reference}")
        if more
        else None,
    )
