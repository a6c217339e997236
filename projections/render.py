"""The one JSON rendering of an opportunity's state (DESIGN section 4), used by the views
and by the API's direct path alike. Datetimes are UTC RFC 3339."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from domain.momentum import Momentum
from domain.state import OpportunityState


def rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def jsonable(value: Any) -> Any:
    """Event data made JSON-ready: datetimes in UTC RFC 3339, dates ISO, tuples as lists."""
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _when(value: datetime | None) -> str | None:
    return rfc3339(value) if value is not None else None


def render_momentum(momentum: Momentum) -> dict[str, Any]:
    return {
        "score": momentum.score,
        "trend": momentum.trend,
        "stalled": momentum.stalled,
        "days_since_last_win": momentum.days_since_last_win,
    }


def render_state(opportunity_id: str, state: OpportunityState) -> dict[str, Any]:
    """Everything but momentum, which depends on the moment of reading."""
    profile, lifecycle, ladder = state.profile, state.lifecycle, state.ladder
    rels, win, pause = state.relationships, state.last_small_win, state.paused
    point = ladder.resume_point
    return {
        "id": opportunity_id,
        "version": state.version,
        "title": profile["title"],
        "account": profile["account"],
        "owner": profile["owner"],
        "amount": lifecycle.amount,
        "currency": profile["currency"],
        "source": profile["source"],
        "referred_by": profile.get("referred_by"),
        "buying_departments": list(profile.get("buying_departments") or []),
        "status": lifecycle.status,
        "opened_at": _when(lifecycle.opened_at),
        "closed_at": _when(lifecycle.closed_at),
        "stage": ladder.stage,
        "resume_point": {
            "rung": point.rung,
            "name": point.name,
            "version": point.version,
            "occurred_at": rfc3339(point.occurred_at),
        }
        if point
        else None,
        "next_small_win": ladder.next_small_win,
        "last_small_win": {
            "type": win.type,
            "version": win.version,
            "occurred_at": rfc3339(win.occurred_at),
        }
        if win
        else None,
        "relationships": {
            "departments": [
                {"name": d.name, "depth": d.depth, "stakeholders": list(d.stakeholders)}
                for d in rels.departments
            ],
            "bought_in_departments": rels.bought_in_departments,
            "single_threaded": rels.single_threaded,
            "coverage": rels.coverage,
        },
        "paused": {
            "reason": pause.reason,
            "since": rfc3339(pause.since),
            "resume_on": pause.resume_on.isoformat() if pause.resume_on else None,
        }
        if pause
        else None,
        "open_interactions": [
            {
                "interaction_id": r.data["interaction_id"],
                "contact": r.data["contact"],
                "department": r.data["department"],
                "channel": r.data["channel"],
                "purpose": r.data["purpose"],
                "commitment_objective": r.data.get("commitment_objective"),
                "planned_at": rfc3339(r.occurred_at),
                "version": r.version,
            }
            for r in lifecycle.open_interactions
        ],
    }


def render_full(opportunity_id: str, state: OpportunityState) -> dict[str, Any]:
    if state.momentum is None:
        msg = "render_full needs a state described at a moment of reading"
        raise ValueError(msg)
    rendered = render_state(opportunity_id, state)
    rendered["momentum"] = render_momentum(state.momentum)
    return rendered
