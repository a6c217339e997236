"""/v1/opportunities: open, record events, read state (now or as of an instant), list,
history, verify. Parsing and answering only: the work is in api.deals."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import anyio.to_thread
import orjson
import psycopg
from fastapi import APIRouter, Body, Header, Query, Response
from pydantic import AfterValidator, AwareDatetime

from api import deals
from api.auth import Editor, ServicesDep, Viewer
from api.fast_reads import etag, state_response
from api.filters import PipelineFilters
from api.openapi import ETAG, POSITION_HEADER, WRITTEN, IdempotencyKey, answers
from api.pagination import Limit, decode_cursor, encode_cursor
from api.presenters import history_item
from api.problems import NOT_FOUND, PRECONDITION_FAILED, Problem
from api.reads import open_async_reads, read_without_waiting
from api.schemas.enums import Sort
from api.schemas.events import EVENT_EXAMPLES, EventBody, OpenOpportunity
from api.schemas.history import HistoryPage
from api.schemas.responses import (
    HistoryEntry,
    OpportunityOut,
    OpportunityPage,
    Page,
    VerifyOut,
    VerifyProblemOut,
)
from api.services import Services
from domain.application import Written

router = APIRouter(prefix="/opportunities", tags=["opportunities"])
log = logging.getLogger("smallwins.api")


def parse_id(opportunity_id: str) -> UUID:
    try:
        return UUID(opportunity_id)
    except ValueError:
        raise Problem(NOT_FOUND, "no opportunity has this id") from None


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header demands (None: unconditional). `*` matches any."""
    if if_match is None or if_match.strip() == "*":
        return None
    for tag in if_match.split(","):
        value = tag.strip().removeprefix("W/").strip('"')
        if value.isdigit():
            return int(value)
    raise Problem(PRECONDITION_FAILED, f"If-Match {if_match!r} matches no version")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status, headers, media_type="application/json")


def _written(written: Written) -> Response:
    return json_response(
        written.presented,
        201,
        {
            "Location": f"/v1/opportunities/{written.opportunity_id}",
            "ETag": etag(written.version),
            POSITION_HEADER: str(written.position),
        },
    )


@router.post(
    "",
    status_code=201,
    summary="Open an opportunity",
    response_model=OpportunityOut,
    responses=answers(201, "Opened: the new state", WRITTEN),
)
async def open_opportunity(
    body: OpenOpportunity,
    key: Editor,
    services: ServicesDep,
    _idempotency_key: IdempotencyKey = None,
) -> Response:
    return _written(await deals.open_deal(services, key.name, body))


@router.post(
    "/{opportunity_id}/events",
    status_code=201,
    summary="Record one event",
    response_model=OpportunityOut,
    responses=answers(201, "Recorded: the new state", WRITTEN),
)
async def record_event(
    opportunity_id: str,
    body: Annotated[EventBody, Body(openapi_examples=EVENT_EXAMPLES)],
    key: Editor,
    services: ServicesDep,
    if_match: Annotated[
        str | None, Header(alias="If-Match", description='Quoted version, e.g. "3".')
    ] = None,
    _idempotency_key: IdempotencyKey = None,
) -> Response:
    oid = parse_id(opportunity_id)
    written = await deals.record_event(services, oid, key.name, body, expected_version(if_match))
    return _written(written)


@router.get("", summary="List, filter and sort opportunities", response_model=OpportunityPage)
async def list_opportunities(
    _key: Viewer,
    services: ServicesDep,
    filters: PipelineFilters,
    sort: Sort = "-opened_at",
    limit: Limit = 50,
    cursor: str | None = None,
) -> Response:
    page = None
    reads = open_async_reads(services)
    if reads is not None:
        try:
            page = await deals.page_async(services, reads, filters, str(sort), limit, cursor)
        except psycopg.Error:  # (a pool's timeout too) the thread path meets the same store
            log.warning("a list page read on the event loop failed; reading it in a thread",
                        exc_info=True)  # fmt: skip
    if page is None:
        page = await read_without_waiting(
            services, ("pipeline",), deals.page, services, filters, str(sort), limit, cursor
        )
    return json_response(page)


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is not an instant UTC can express (years 1 to 9999)") from None


UtcInstant = Annotated[AwareDatetime, AfterValidator(_in_utc)]


@router.get(
    "/{opportunity_id}",
    summary="Current state, or the state as of an instant",
    response_model=OpportunityOut,
    responses=answers(200, "The state", ETAG),
)
async def get_opportunity(
    opportunity_id: str,
    _key: Viewer,
    services: ServicesDep,
    as_of: Annotated[
        UtcInstant | None, Query(description="RFC 3339 instant: the state as recorded then.")
    ] = None,
) -> Response:
    oid = parse_id(opportunity_id)
    # A current view row was already answered by api.fast_reads; what reaches here needs
    # the store (a row behind the log, an unknown id, as_of): a worker thread.
    rendered = await anyio.to_thread.run_sync(_state_of, services, oid, as_of)
    body, headers = state_response(rendered)
    return Response(body, 200, headers, media_type="application/json")


def _state_of(services: Services, oid: UUID, as_of: datetime | None) -> dict[str, Any]:
    if as_of is None:
        return deals.state_now(services, oid)
    return deals.state_as_of(services, oid, as_of)


@router.get("/{opportunity_id}/verify", summary="Check the history against its hash chain")
def verify_opportunity(opportunity_id: str, _key: Viewer, services: ServicesDep) -> VerifyOut:
    found = deals.verify(services, parse_id(opportunity_id))
    if found is None:
        raise Problem(NOT_FOUND, "no opportunity has this id")
    return VerifyOut(
        ok=found.ok,
        checked=found.checked,
        problems=[VerifyProblemOut(version=p.version, problem=p.problem) for p in found.problems],
    )


@router.get(
    "/{opportunity_id}/history",
    summary="The audit trail, oldest first",
    response_model=HistoryPage,
    responses=answers(200, "One page of the history", ETAG),
)
def get_history(
    opportunity_id: str,
    _key: Viewer,
    services: ServicesDep,
    limit: Limit = 100,
    cursor: str | None = None,
) -> Response:
    oid = parse_id(opportunity_id)
    after = decode_cursor(cursor).get("v", 0)
    if not isinstance(after, int):
        after = 0
    records, retracted = deals.history(services, oid)
    shown = [r for r in records if r.version > after][:limit]
    more = bool(shown) and shown[-1].version < records[-1].version
    page = Page[HistoryEntry](
        items=[history_item(r, retracted.get(r.version)) for r in shown],
        next_cursor=encode_cursor(v=shown[-1].version) if more else None,
    )
    headers = {"ETag": etag(records[-1].version)}
    return Response(page.model_dump_json(), 200, headers, media_type="application/json")
