"""The one JSON rendering of an opportunity's state (DESIGN sections 4, 6 and 11), used by
the views, the writer's answers and the API's direct paths alike. Datetimes are UTC
RFC 3339. Two parts depend on the moment of reading and are added then (`finish`):
momentum (of an open or paused deal) and whether open interactions are overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from domain.ladder import RungReached
from domain.lifecycle import CLOSED_STATUSES
from domain.momentum import Momentum
from domain.plans import Interaction
from domain.state import OpportunityState
from storage.personal import opened


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


def render_interaction(interaction: Interaction) -> dict[str, Any]:
    return {
        "interaction_id": interaction.interaction_id,
        "contact": interaction.contact,
        "department": interaction.department,
        "channel": interaction.channel,
        "purpose": opened(interaction.purpose),
        "commitment_objective": opened(interaction.commitment_objective),
        "planned_for": _when(interaction.planned_for),
        "overdue": False,  # set by `finish` at the moment of reading
        "slips": interaction.slips,
        "planned_at": rfc3339(interaction.planned_at),
        "version": interaction.version,
    }


def render_rung(point: RungReached) -> dict[str, Any]:
    return {
        "rung": point.rung,
        "name": point.name,
        "version": point.version,
        "occurred_at": rfc3339(point.occurred_at),
    }


def render_state(opportunity_id: str, state: OpportunityState) -> dict[str, Any]:
    """Everything but what depends on the moment of reading (see `finish`)."""
    profile, ladder, rels = state.profile, state.ladder, state.relationships
    win, pause, point = state.last_small_win, state.paused, ladder.resume_point
    expected_close = profile.get("expected_close")
    interactions = [render_interaction(i) for i in state.open_interactions]
    step = next((i for i in interactions if i["planned_for"] is not None), None)
    return {
        "id": opportunity_id,
        "version": state.version,
        "title": profile["title"],
        "account": profile["account"],
        "owner": profile["owner"],
        "amount": profile["amount"],
        "currency": profile["currency"],
        "source": profile["source"],
        "referred_by": profile.get("referred_by"),
        "referrer_account": profile.get("referrer_account"),
        "external_id": profile.get("external_id"),
        "buying_departments": list(profile.get("buying_departments") or []),
        "expected_close": expected_close.isoformat() if expected_close else None,
        "close_date_pushes": state.close_date_pushes,
        "status": state.status,
        "opened_at": rfc3339(state.opened_at),
        "closed_at": _when(state.closed_at),
        "stage": ladder.stage,
        "resume_point": render_rung(point) if point else None,
        "rungs_reached": [render_rung(reached) for reached in ladder.reached],
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
            "reason": opened(pause.reason),
            "since": rfc3339(pause.since),
            "resume_on": pause.resume_on.isoformat() if pause.resume_on else None,
        }
        if pause
        else None,
        "open_interactions": interactions,
        "next_step": dict(step) if step else None,
    }


def finish(rendered: dict[str, Any], now: datetime, momentum: Momentum | None) -> dict[str, Any]:
    """Add what depends on the moment of reading: the momentum (None: a closed deal's,
    fixed at its close, is already in `rendered`), and which open interactions are overdue
    (the deal is open or paused and their time has passed)."""
    if momentum is not None:
        rendered["momentum"] = render_momentum(momentum)
    if rendered["status"] not in CLOSED_STATUSES:
        instant = rfc3339(now)
        for interaction in (*rendered["open_interactions"], rendered["next_step"]):
            if interaction is not None and interaction["planned_for"] is not None:
                interaction["overdue"] = _earlier(interaction["planned_for"], instant)
    return rendered


def _earlier(when: str, now: str) -> bool:
    """Two RFC 3339 UTC instants as rendered here, compared."""
    return datetime.fromisoformat(when.replace("Z", "+00:00")) < datetime.fromisoformat(
        now.replace("Z", "+00:00")
    )


def render_full(opportunity_id: str, state: OpportunityState, now: datetime) -> dict[str, Any]:
    """The whole state of a description made at `now` (momentum included)."""
    if state.momentum is None:
        msg = "render_full needs a state described at a moment of reading"
        raise ValueError(msg)
    return finish(render_state(opportunity_id, state), now, state.momentum)
