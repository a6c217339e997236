"""The win analysis answer (DESIGN section 4), for the OpenAPI document. Rates, lifts and
medians are rounded to 4 decimals; `null` where there is nothing to divide or no sample."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.enums import EventType


class Outcomes(BaseModel):
    closed: int = Field(description="Deals in this group that closed (won or lost).")
    won: int
    win_rate: float | None = Field(description="won / closed; null when nothing closed.")


class SmallWinRow(BaseModel):
    type: EventType = Field(description="A ladder event type.")
    with_: Outcomes = Field(
        alias="with", description="Deals where it occurred at or before the close."
    )
    without: Outcomes
    lift: float | None = Field(
        description="with win rate / without win rate; null when either is null or the second is 0."
    )
    median_days_to_close: float | None = Field(
        description="Over won deals with it: days from its first occurrence to the close."
    )


class PathRow(Outcomes):
    path: list[EventType] = Field(
        description="Ladder event types in occurred_at order (then version), consecutive"
        " repeats collapsed; [] for deals without any."
    )


class DepartmentsRow(Outcomes):
    departments: Literal["0", "1", "2", "3+"] = Field(
        description="Departments at depth >= bought_in at the close."
    )


class TimedOutcomes(Outcomes):
    median_days_to_close: float | None = Field(
        description="Over won deals: days from opening to close."
    )


class OnTime(BaseModel):
    completed: int = Field(description="Interactions completed that had a planned_for.")
    on_time: int = Field(description="Of those, completed at or before their planned_for.")
    share: float | None = Field(description="on_time / completed; null when none.")


class OnTimeByOutcome(BaseModel):
    won: OnTime = Field(description="Over the interactions of won deals.")
    lost: OnTime = Field(description="Over the interactions of lost deals.")


class CommitmentObjectives(BaseModel):
    with_: TimedOutcomes = Field(
        alias="with",
        description="Deals that planned interactions, >= 80% of them with a commitment objective.",
    )
    without: TimedOutcomes = Field(description="Deals that planned interactions, fewer with one.")
    on_time: OnTimeByOutcome = Field(
        description="How many interactions were completed on time, in won vs lost deals."
    )


class SourceRow(Outcomes):
    source: str = Field(description="How the deals came: inbound, outbound, referral, ...")
    median_days_to_close: float | None = Field(
        description="Over won deals: days from opening to close, to 1 decimal."
    )


class Pauses(BaseModel):
    paused: int = Field(description="Analysed deals that were ever paused.")
    won: int
    lost: int
    median_days_resume_to_next_win: float | None = Field(
        description="Over every Resumed followed by a small win before the close: days to it."
    )


class WinAnalysisOut(BaseModel):
    closed: int
    won: int
    lost: int
    win_rate: float | None
    by_small_win: list[SmallWinRow]
    paths: list[PathRow]
    by_bought_in_departments: list[DepartmentsRow]
    commitment_objectives: CommitmentObjectives
    pauses: Pauses
    by_source: list[SourceRow] = Field(
        description="One row per source: inbound, outbound, referral, repeat, other."
    )
