"""Domain state -> response schemas."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from api.schemas.responses import (
    DepartmentOut,
    FeedItem,
    HistoryItem,
    InteractionOut,
    LastSmallWin,
    MomentumOut,
    OpportunityOut,
    PausedOut,
    RelationshipsOut,
    ResumePoint,
    jsonable,
)
from domain.records import EventRecord
from domain.state import OpportunityState


def opportunity_out(
    opportunity_id: UUID, state: OpportunityState, as_of: datetime | None = None
) -> OpportunityOut:
    profile, lifecycle, ladder = state.profile, state.lifecycle, state.ladder
    rels, win, pause = state.relationships, state.last_small_win, state.paused
    assert lifecycle.opened_at is not None  # noqa: S101 (describe() guarantees an opening)
    return OpportunityOut(
        id=str(opportunity_id),
        version=state.version,
        title=profile["title"],
        account=profile["account"],
        owner=profile["owner"],
        amount=lifecycle.amount,
        currency=profile["currency"],
        source=profile["source"],
        referred_by=profile.get("referred_by"),
        buying_departments=list(profile.get("buying_departments") or []),
        status=lifecycle.status,
        opened_at=lifecycle.opened_at,
        closed_at=lifecycle.closed_at,
        stage=ladder.stage,
        resume_point=ResumePoint(**_fields(ladder.resume_point)) if ladder.resume_point else None,
        next_small_win=ladder.next_small_win,
        last_small_win=LastSmallWin(type=win.type, version=win.version, occurred_at=win.occurred_at)
        if win
        else None,
        momentum=MomentumOut(**_fields(state.momentum)),
        relationships=RelationshipsOut(
            departments=[
                DepartmentOut(name=d.name, depth=d.depth, stakeholders=list(d.stakeholders))
                for d in rels.departments
            ],
            bought_in_departments=rels.bought_in_departments,
            single_threaded=rels.single_threaded,
            coverage=rels.coverage,
        ),
        paused=PausedOut(reason=pause.reason, since=pause.since, resume_on=pause.resume_on)
        if pause
        else None,
        open_interactions=[
            InteractionOut(
                interaction_id=r.data["interaction_id"],
                contact=r.data["contact"],
                department=r.data["department"],
                channel=r.data["channel"],
                purpose=r.data["purpose"],
                commitment_objective=r.data.get("commitment_objective"),
                planned_at=r.occurred_at,
                version=r.version,
            )
            for r in lifecycle.open_interactions
        ],
        as_of=as_of,
    )


def _fields(obj: object) -> dict[str, object]:
    return {name: getattr(obj, name) for name in obj.__slots__}  # type: ignore[attr-defined]


def history_item(record: EventRecord) -> HistoryItem:
    return HistoryItem(
        version=record.version,
        type=record.type,
        occurred_at=record.occurred_at,
        recorded_at=record.recorded_at,
        recorded_by=record.recorded_by,
        data=jsonable(dict(record.data)),
    )


def feed_item(position: int, opportunity_id: UUID, record: EventRecord) -> FeedItem:
    return FeedItem(
        position=position,
        opportunity_id=str(opportunity_id),
        version=record.version,
        type=record.type,
        occurred_at=record.occurred_at,
        recorded_at=record.recorded_at,
        recorded_by=record.recorded_by,
        data=jsonable(dict(record.data)),
    )
