"""Response bodies. Datetimes are UTC RFC 3339 (`...Z`), described as `date-time`; the
domain's value sets are named enumerations (api.schemas.enums)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, Field, PlainSerializer, WithJsonSchema

from api.schemas.enums import Channel, Depth, EventType, Rung, Source, Stage, Status, Trend
from projections.render import rfc3339

T = TypeVar("T")


# The serializer's return type alone would describe a plain string.
UtcDatetime = Annotated[
    datetime,
    PlainSerializer(rfc3339, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


class ResumePoint(BaseModel):
    rung: int
    name: Rung
    version: int
    occurred_at: UtcDatetime


class RungReachedOut(ResumePoint):
    """A rung of the ladder and the event that first reached it (of those that stand)."""


class LastSmallWin(BaseModel):
    type: EventType
    version: int
    occurred_at: UtcDatetime


class MomentumOut(BaseModel):
    score: float
    trend: Trend
    stalled: bool
    days_since_last_win: float


class DepartmentOut(BaseModel):
    name: str
    depth: Depth
    stakeholders: list[str]


class RelationshipsOut(BaseModel):
    departments: list[DepartmentOut]
    bought_in_departments: int
    single_threaded: bool
    coverage: float | None


class PausedOut(BaseModel):
    reason: str
    since: UtcDatetime
    resume_on: date | None


class InteractionOut(BaseModel):
    interaction_id: str
    contact: str
    department: str
    channel: Channel
    purpose: str
    commitment_objective: str | None
    planned_for: UtcDatetime | None
    overdue: bool
    slips: int
    planned_at: UtcDatetime
    version: int


class OpportunityOut(BaseModel):
    id: str
    version: int
    title: str
    account: str
    owner: str
    amount: float | None
    currency: str
    source: Source
    referred_by: str | None
    referrer_account: str | None
    external_id: str | None
    buying_departments: list[str]
    expected_close: date | None
    close_date_pushes: int
    status: Status
    opened_at: UtcDatetime
    closed_at: UtcDatetime | None
    stage: Stage
    resume_point: ResumePoint | None
    rungs_reached: list[RungReachedOut] = Field(
        description="Every rung reached, lowest first: the resume point is the highest; a"
        " rung below it may not have been reached (the ladder does not police the order)."
    )
    next_small_win: Rung | None
    last_small_win: LastSmallWin | None
    momentum: MomentumOut
    relationships: RelationshipsOut
    paused: PausedOut | None
    open_interactions: list[InteractionOut]
    next_step: InteractionOut | None
    as_of: UtcDatetime | None = None


class OpportunityPage(Page[OpportunityOut]):
    """One page of opportunities; `next_cursor` fetches the next (null on the last)."""


class EventItem(BaseModel):
    """One recorded event as the routes send it (the document describes it per event type:
    api.schemas.history)."""

    version: int
    type: str
    occurred_at: UtcDatetime
    recorded_at: UtcDatetime
    recorded_by: str
    data: dict[str, Any]


class HistoryEntry(EventItem):
    retracted_by: int | None = None  # the version of the retraction that took it back


class FeedEntry(EventItem):
    position: int
    opportunity_id: str


class Health(BaseModel):
    status: str


class FieldProblem(BaseModel):
    loc: list[str | int]
    field: str
    message: str


class ProblemOut(BaseModel):
    """RFC 9457 problem details, served as application/problem+json."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldProblem] | None = None


class AccountDepartmentOut(BaseModel):
    name: str
    depth: Depth
    stakeholders: list[str]
    opportunities: list[str]
    first_contacted_at: UtcDatetime | None
    first_bought_in_at: UtcDatetime | None


class AccountRelationshipsOut(BaseModel):
    account: str
    departments: list[AccountDepartmentOut]


class ProjectionOut(BaseModel):
    name: str
    position: int
    head: int
    lag: int


class ProjectionsOut(BaseModel):
    items: list[ProjectionOut]


class Readiness(BaseModel):
    status: str
    store: str
    projections: list[ProjectionOut]


class VerifyProblemOut(BaseModel):
    version: int
    problem: str


class VerifyOut(BaseModel):
    ok: bool
    checked: int
    problems: list[VerifyProblemOut]


class StageTotalOut(BaseModel):
    stage: Stage
    count: int = Field(description="Deals at this stage that match the filters.")
    unpriced: int = Field(description="Of those, deals without an amount.")
    amounts: dict[str, float] = Field(
        description="The amounts of the others summed per currency (ISO 4217 code -> sum);"
        " amounts in different currencies are never added together."
    )


class TotalOut(BaseModel):
    count: int
    unpriced: int
    amounts: dict[str, float]


class PipelineTotalsOut(BaseModel):
    stages: list[StageTotalOut] = Field(description="Every stage, in ladder order.")
    total: TotalOut = Field(description="The same over every stage.")


class MeOut(BaseModel):
    name: str = Field(description="The key's name: recorded_by of what it records.")
    role: str = Field(description="viewer, editor or admin.")


class MomentumSettingsOut(BaseModel):
    half_life_days: float = Field(
        description="A small win's weight halves every so many active days."
    )
    trend_window_days: float = Field(
        description="The trend compares momentum with this many days ago."
    )
    stall_threshold_days: float = Field(
        description="An open deal without a small win for this many active days is stalled."
    )
    trend_step: float = Field(
        description="Rising (falling): momentum at least this much above (below) what it"
        " was a trend window earlier; steady otherwise."
    )


class SettingsOut(BaseModel):
    momentum: MomentumSettingsOut
