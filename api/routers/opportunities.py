"""/v1/opportunities: open, record events, read state (now or as of an instant), list,
history."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, get_args
from uuid import UUID

import anyio.to_thread
import orjson
from fastapi import APIRouter, Header, Query, Response
from pydantic import AfterValidator, AwareDatetime

from api.auth import Editor, ServicesDep, Viewer
from api.fast_reads import etag, state_response
from api.pagination import Limit, decode_cursor, encode_cursor
from api.presenters import history_item
from api.problems import NOT_FOUND, PRECONDITION_FAILED, Problem
from api.reads import catch_up, current_state
from api.schemas.requests import EventBody, OpenOpportunity
from api.schemas.responses import (
    HistoryItem,
    OpportunityOut,
    Page,
    VerifyOut,
    VerifyProblemOut,
)
from api.services import Services
from domain.application import Written
from domain.ladder import NO_STAGE, RUNGS
from domain.lifecycle import STATUSES
from domain.state import describe
from projections.queries import SORTS, Filters, list_page, with_momentum
from projections.render import render_full, rfc3339
from storage.audit import verify_opportunity

router = APIRouter(prefix="/opportunities", tags=["opportunities"])
POSITION_HEADER = "X-Smallwins-Position"
Status = Literal["open", "paused", "won", "lost"]
Stage = Literal["none", "meeting", "customer_data", "decision_makers", "demo", "verbal_commitment"]
Sort = Literal[
    "momentum", "-momentum", "opened_at", "-opened_at", "last_win_at", "-last_win_at",
    "closed_at", "-closed_at", "amount", "-amount",
]  # fmt: skip
assert set(get_args(Sort)) == set(SORTS)  # noqa: S101 (import-time consistency check)
assert set(get_args(Status)) == set(STATUSES)  # noqa: S101
assert set(get_args(Stage)) == {NO_STAGE, *RUNGS}  # noqa: S101


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


def _written(services: Services, written: Written) -> Response:
    services.runner.wake()
    services.metrics.count_written(written)
    state = describe(written.history, services.clock(), services.policy)
    return json_response(
        render_full(str(written.opportunity_id), state),
        201,
        {
            "Location": f"/v1/opportunities/{written.opportunity_id}",
            "ETag": etag(written.version),
            POSITION_HEADER: str(written.position),
        },
    )


@router.post("", status_code=201, summary="Open an opportunity", response_model=OpportunityOut)
async def open_opportunity(body: OpenOpportunity, key: Editor, services: ServicesDep) -> Response:
    pending = services.writer.open(
        recorded_by=key.name, fields=body.fields(), occurred_at=body.occurred_at, note=body.note
    )
    return _written(services, await asyncio.wrap_future(pending))


@router.post(
    "/{opportunity_id}/events",
    status_code=201,
    summary="Record one event",
    response_model=OpportunityOut,
)
async def record_event(
    opportunity_id: str,
    body: EventBody,
    key: Editor,
    services: ServicesDep,
    if_match: Annotated[str | None, Header(description='Quoted version, e.g. "3".')] = None,
) -> Response:
    oid = parse_id(opportunity_id)
    pending = services.writer.record(
        oid,
        body.type,
        recorded_by=key.name,
        fields=body.fields(),
        occurred_at=body.occurred_at,
        note=body.note,
        expected_version=expected_version(if_match),
    )
    return _written(services, await asyncio.wrap_future(pending))


@router.get("", summary="List, filter and sort opportunities", response_model=Page[OpportunityOut])
def list_opportunities(
    _key: Viewer,
    services: ServicesDep,
    status: Status | None = None,
    owner: str | None = None,
    account: str | None = None,
    stage: Stage | None = None,
    stalled: bool | None = None,
    single_threaded: bool | None = None,
    sort: Sort = "-opened_at",
    limit: Limit = 50,
    cursor: str | None = None,
) -> Response:
    position = decode_cursor(cursor)
    at = services.clock()
    after = None
    if position:
        try:
            at = _parse_instant(position["t"])
            after = _keyset(position["after"])
            if position.get("sort") != sort:
                raise ValueError
        except (KeyError, TypeError, ValueError, OverflowError):
            decode_cursor("!")  # raises the one 'not a valid cursor' problem
    else:
        catch_up(services, ("pipeline",))
    filters = Filters(status, owner, account, stage, stalled, single_threaded)
    rows, next_after = list_page(
        services.database, filters, sort, limit, after, at, services.policy
    )
    now = services.clock()
    items = [with_momentum(state, inputs, now, services.policy) for _id, state, inputs in rows]
    next_cursor = (
        encode_cursor(t=rfc3339(at), sort=sort, after=next_after)
        if next_after is not None
        else None
    )
    return json_response({"items": items, "next_cursor": next_cursor})


def _parse_instant(value: object) -> datetime:
    if not isinstance(value, str):
        raise TypeError
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError
    return parsed.astimezone(UTC)  # OverflowError: not an instant UTC can express


def _keyset(value: object) -> list[Any]:
    """A cursor's position: [the sort value (always a finite number), an opportunity id]."""
    if not isinstance(value, list) or len(value) != 2 or not isinstance(value[1], str):
        raise ValueError
    first = value[0]
    if isinstance(first, bool) or not isinstance(first, int | float) or not math.isfinite(first):
        raise ValueError
    return [float(first), value[1]]


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
    """Blocking (the store): run in a worker thread."""
    if as_of is None:
        return current_state(services, oid)
    records = services.opportunities.history(oid, as_of=as_of)
    rendered = render_full(str(oid), describe(records, as_of, services.policy))
    rendered["as_of"] = rfc3339(as_of)
    return rendered


@router.get("/{opportunity_id}/verify", summary="Check the history against its hash chain")
def verify(opportunity_id: str, _key: Viewer, services: ServicesDep) -> VerifyOut:
    oid = parse_id(opportunity_id)
    found = verify_opportunity(
        services.opportunities.recorder, services.database, services.integrity_key, oid
    )
    if found is None:
        raise Problem(NOT_FOUND, "no opportunity has this id")
    return VerifyOut(
        ok=found.ok,
        checked=found.checked,
        problems=[VerifyProblemOut(version=p.version, problem=p.problem) for p in found.problems],
    )


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
