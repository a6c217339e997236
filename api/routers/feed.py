"""/v1/events: the global feed in commit order."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.auth import ServicesDep, Viewer
from api.pagination import Limit
from api.presenters import feed_item
from api.schemas.history import FeedPage
from api.schemas.responses import FeedEntry, Page
from domain.opportunity import EVENTS

router = APIRouter(tags=["feed"])
MAX_POSITION = 2**63 - 1  # the largest position either store can hold (BIGINT)


@router.get(
    "/events", summary="Every event in commit order, after a position", response_model=FeedPage
)
def list_events(
    _key: Viewer,
    services: ServicesDep,
    after: Annotated[
        int, Query(ge=0, le=MAX_POSITION, description="Last position the client has seen.")
    ] = 0,
    limit: Limit = 100,
) -> Response:
    app = services.opportunities
    notifications = app.recorder.select_notifications(
        start=after, limit=limit, inclusive_of_start=False
    )
    records = zip(notifications, app.records_of(notifications), strict=True)
    items = [
        feed_item(n.id, n.originator_id, record)  # type: ignore[arg-type]
        for n, record in records
        if record.type in EVENTS  # the sellers' goals share the log but are no deal's events
    ]
    full = len(notifications) == limit
    page = Page[FeedEntry](items=items, next_cursor=str(notifications[-1].id) if full else None)
    return Response(page.model_dump_json(), 200, media_type="application/json")
