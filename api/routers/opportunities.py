"""/v1/opportunities: open, record events, read state (now or as of an instant), history."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response
from pydantic import AwareDatetime

from api.auth import Editor, ServicesDep, Viewer
from api.pagination import Limit, decode_cursor, encode_cursor
from api.presenters import history_item, opportunity_out
from api.problems import NOT_FOUND, PRECONDITION_FAILED, Problem
from api.schemas.requests import EventBody, OpenOpportunity
from api.schemas.responses import HistoryItem, OpportunityOut, Page
from api.services import Services
from domain.application import Written
from domain.records import EventRecord
from domain.state import describe

router = APIRouter(prefix="/opportunities", tags=["opportunities"])
POSITION_HEADER = "X-Smallwins-Position"


def parse_id(opportunity_id: str) -> UUID:
    try:
        return UUID(opportunity_id)
    except ValueError:
        raise Problem(NOT_FOUND, "no opportunity has this id") from None


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None, current: int | None = None) -> int | None:
    """The version an If-Match header demands (None: unconditional). `*` matches any."""
    if if_match is None or if_match.strip() == "*":
        return None
    for tag in if_match.split(","):
        value = tag.strip().removeprefix("W/").strip('"')
        if value.isdigit():
            return int(value)
    raise Problem(
        PRECONDITION_FAILED,
        f"If-Match {if_match!r} matches no version of this opportunity"
        + (f"; it is at {current}" if current is not None else ""),
    )


def _state_response(
    services: Services,
    response: Response,
    opportunity_id: UUID,
    records: tuple[EventRecord, ...] | list[EventRecord],
    position: int | None = None,
) -> OpportunityOut:
    state = describe(records, services.clock(), services.policy)
    response.headers["ETag"] = etag(state.version)
    if position is not None:
        response.headers[POSITION_HEADER] = str(position)
    return opportunity_out(opportunity_id, state)


def _written(services: Services, response: Response, written: Written) -> OpportunityOut:
    response.headers["Location"] = f"/v1/opportunities/{written.opportunity_id}"
    return _state_response(
        services, response, written.opportunity_id, written.history, written.position
    )


@router.post("", status_code=201, summary="Open an opportunity")
def open_opportunity(
    body: OpenOpportunity, key: Editor, services: ServicesDep, response: Response
) -> OpportunityOut:
    written = services.opportunities.open(
        recorded_by=key.name, fields=body.fields(), occurred_at=body.occurred_at, note=body.note
    )
    return _written(services, response, written)


@router.post("/{opportunity_id}/events", status_code=201, summary="Record one event")
def record_event(
    opportunity_id: str,
    body: EventBody,
    key: Editor,
    services: ServicesDep,
    response: Response,
    if_match: Annotated[str | None, Header(description='Quoted version, e.g. "3".')] = None,
) -> OpportunityOut:
    oid = parse_id(opportunity_id)
    written = services.opportunities.record(
        oid,
        body.type,
        recorded_by=key.name,
        fields=body.fields(),
        occurred_at=body.occurred_at,
        note=body.note,
        expected_version=expected_version(if_match),
    )
    return _written(services, response, written)


@router.get("/{opportunity_id}", summary="Current state, or the state as of an instant")
def get_opportunity(
    opportunity_id: str,
    _key: Viewer,
    services: ServicesDep,
    response: Response,
    as_of: Annotated[
        AwareDatetime | None, Query(description="RFC 3339 instant: the state as recorded then.")
    ] = None,
) -> OpportunityOut:
    oid = parse_id(opportunity_id)
    records = services.opportunities.history(oid, as_of=as_of)
    if as_of is None:
        return _state_response(services, response, oid, records)
    state = describe(records, as_of, services.policy)
    response.headers["ETag"] = etag(state.version)
    return opportunity_out(oid, state, as_of=as_of)


@router.get("/{opportunity_id}/history", summary="The audit trail, oldest first")
def get_history(
    opportunity_id: str,
    _key: Viewer,
    services: ServicesDep,
    response: Response,
    limit: Limit = 100,
    cursor: str | None = None,
) -> Page[HistoryItem]:
    oid = parse_id(opportunity_id)
    after = decode_cursor(cursor).get("v", 0)
    if not isinstance(after, int):
        after = 0
    records = services.opportunities.history(oid)
    response.headers["ETag"] = etag(records[-1].version)
    page = [r for r in records if r.version > after][:limit]
    more = bool(page) and page[-1].version < records[-1].version
    return Page[HistoryItem](
        items=[history_item(r) for r in page],
        next_cursor=encode_cursor(v=page[-1].version) if more else None,
    )
