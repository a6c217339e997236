"""The rep's week (DESIGN section 6), for the OpenAPI document: the agenda, a seller's goals,
the scorecard and the list of sellers. Datetimes are UTC RFC 3339 (`...Z`). The goals'
request body is read from the GoalsSet declaration (domain.seller)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt

from api.schemas.enums import named_enum
from api.schemas.responses import UtcDatetime
from domain.fields import Targets
from domain.schema import own_fields
from domain.seller import Seller


def _targets() -> Targets:
    spec = next(d.spec for d in own_fields(Seller.GoalsSet) if d.name == "weekly")
    if not isinstance(spec, Targets):
        msg = "GoalsSet.weekly is declared as Targets"
        raise TypeError(msg)
    return spec


TARGETS = _targets()
if TYPE_CHECKING:
    Weekly = dict[str, int]
else:
    Weekly = dict[
        named_enum(TARGETS.metrics),
        Annotated[StrictInt, Field(ge=TARGETS.minimum, le=TARGETS.maximum)],
    ]

AGENDA_EXAMPLE: dict[str, Any] = {
    "interaction_id": "5b0c6a9e-1f3c-4a8e-9a53-2f4f1d0c7e21",
    "contact": "Dana Reyes",
    "department": "IT",
    "channel": "video",
    "purpose": "Walk through the pilot results",
    "commitment_objective": "Agree to a proposal meeting",
    "planned_for": "2026-12-08T10:00:00Z",
    "overdue": False,
    "slips": 1,
    "opportunity_id": "0193a1c2-7d4e-7a10-8b2c-5d6e7f801234",
    "title": "Acme rollout",
    "account": "Acme Corp",
    "owner": "jo",
    "status": "open",
    "stage": "customer_data",
    "next_small_win": "decision_makers",
}


class AgendaItem(BaseModel):
    """One open interaction of an open or paused deal, with the deal it belongs to."""

    model_config = ConfigDict(json_schema_extra={"examples": [AGENDA_EXAMPLE]})

    interaction_id: str
    contact: str
    department: str
    channel: str
    purpose: str
    commitment_objective: str | None
    planned_for: UtcDatetime | None = Field(description="null: not scheduled (listed last).")
    overdue: bool = Field(description="planned_for has passed, at the moment of reading.")
    slips: int = Field(description="Reschedules recorded after the time they replaced.")
    opportunity_id: str
    title: str
    account: str
    owner: str
    status: str = Field(description="open or paused.")
    stage: str
    next_small_win: str | None


class GoalsIn(BaseModel):
    """Weekly targets: a whole number of at least 0 per metric; metrics left out have no
    goal. Recorded as a GoalsSet on the seller, in force from `occurred_at` (default now)
    until the next one."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"weekly": {"MeetingGained": 3, "commitments_gained": 2}}]},
    )

    weekly: Weekly = Field(description="METRIC: target.")
    occurred_at: AwareDatetime | None = Field(
        None, description="When the goals take effect (RFC 3339); default now, at most 5"
        " minutes ahead.",
    )  # fmt: skip


class GoalsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "owner": "jo",
                    "weekly": {"MeetingGained": 3, "commitments_gained": 2},
                    "set_at": "2026-11-30T08:00:00Z",
                }
            ]
        }
    )

    owner: str = Field(description="The owner as first spelled.")
    weekly: dict[str, int] = Field(description="The targets in force; {} when none.")
    set_at: UtcDatetime | None = Field(description="When they were set; null when none.")


class SmallWinsOut(BaseModel):
    MeetingGained: int
    CustomerDataGathered: int
    StakeholderBoughtIn: int
    DemoScheduled: int
    VerbalCommitment: int
    commitments_gained: int


class InteractionsOut(BaseModel):
    planned: int
    planned_with_objective: int
    completed: int
    completed_with_objective: int
    commitments_gained: int
    rescheduled: int
    slipped: int = Field(description="Reschedules recorded after the time they replaced.")
    cancelled: int
    commitment_rate: float | None = Field(
        description="Completed with an objective and the commitment gained, over completed"
        " with an objective; 3 decimals; null when none was completed with one."
    )


class DealsOut(BaseModel):
    opened: int
    won: int
    lost: int
    won_amounts: dict[str, float] = Field(description="CURRENCY: the amounts won, summed.")


class GoalRow(BaseModel):
    metric: str
    target: int
    actual: int
    met: bool = Field(description="actual >= target.")


class ScorecardOut(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "owner": "jo",
                    "week": "2026-W49",
                    "from": "2026-11-30T00:00:00Z",
                    "to": "2026-12-07T00:00:00Z",
                    "small_wins": {
                        "MeetingGained": 2, "CustomerDataGathered": 1, "StakeholderBoughtIn": 0,
                        "DemoScheduled": 1, "VerbalCommitment": 0, "commitments_gained": 1,
                    },
                    "interactions": {
                        "planned": 3, "planned_with_objective": 3, "completed": 2,
                        "completed_with_objective": 2, "commitments_gained": 1,
                        "rescheduled": 1, "slipped": 1, "cancelled": 0, "commitment_rate": 0.5,
                    },
                    "deals": {"opened": 1, "won": 1, "lost": 0, "won_amounts": {"USD": 52000}},
                    "overdue_now": 0,
                    "goals": [
                        {"metric": "MeetingGained", "target": 3, "actual": 2, "met": False},
                        {"metric": "commitments_gained", "target": 1, "actual": 1, "met": True},
                    ],
                    "streak_weeks": 2,
                }
            ]
        },
    )  # fmt: skip

    owner: str
    week: str = Field(description="The ISO week, such as 2026-W49, in the team's time zone.")
    from_: UtcDatetime = Field(alias="from", description="Its Monday 00:00, in UTC.")
    to: UtcDatetime = Field(description="The next Monday 00:00, in UTC.")
    small_wins: SmallWinsOut
    interactions: InteractionsOut
    deals: DealsOut
    overdue_now: int = Field(description="The owner's overdue open interactions right now.")
    goals: list[GoalRow] = Field(description="One row per goal in force for the week.")
    streak_weeks: int = Field(
        description="Weeks right before this one, in a row, with goals in force and all met."
    )


class GoalsMet(BaseModel):
    met: int
    total: int


class SellerOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "owner": "jo",
                    "small_wins": {
                        "MeetingGained": 2, "CustomerDataGathered": 1, "StakeholderBoughtIn": 0,
                        "DemoScheduled": 1, "VerbalCommitment": 0, "commitments_gained": 1,
                    },
                    "goals": {"met": 1, "total": 2},
                    "overdue_now": 0,
                }
            ]
        }
    )  # fmt: skip

    owner: str
    small_wins: SmallWinsOut = Field(description="This week's.")
    goals: GoalsMet = Field(description="This week's goals: how many are met, of how many.")
    overdue_now: int
