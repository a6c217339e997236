"""The pipeline's filters as query parameters, one declaration for every route that reads the
pipeline view (the list of opportunities and the totals per stage), so they filter alike."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query
from pydantic import AwareDatetime

from api.problems import VALIDATION, Problem, field_error
from api.schemas.enums import Stage, Status
from projections.queries import Filters


def require_order(
    start: datetime | None, end: datetime | None, start_name: str, end_name: str
) -> None:
    """A period given by two query instants must run forwards (422 naming the second)."""
    if start is not None and end is not None and start >= end:
        message = f"must be after {start_name}"
        raise Problem(
            VALIDATION, f"{end_name}: {message}", errors=[field_error(["query", end_name], message)]
        )


def pipeline_filters(
    status: Status | None = None,
    owner: Annotated[
        str | None, Query(description="Only this owner's deals (matched like names).")
    ] = None,
    account: Annotated[
        str | None, Query(description="Only this account's deals (matched like names).")
    ] = None,
    stage: Stage | None = None,
    stalled: bool | None = None,
    single_threaded: bool | None = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Case-insensitive part of the title, account or owner."),
    ] = None,
    closed_from: Annotated[
        AwareDatetime | None,
        Query(description="Only deals that closed (won or lost) at or after this instant."),
    ] = None,
    closed_to: Annotated[
        AwareDatetime | None,
        Query(description="Only deals that closed before this instant (exclusive)."),
    ] = None,
) -> Filters:
    require_order(closed_from, closed_to, "closed_from", "closed_to")
    # The enumerations' members are str; the queries get the plain values.
    return Filters(
        None if status is None else str(status),
        owner,
        account,
        None if stage is None else str(stage),
        stalled,
        single_threaded,
        q,
        closed_from,
        closed_to,
    )


PipelineFilters = Annotated[Filters, Depends(pipeline_filters)]
