"""A deal's state as a plain document (strings, numbers, lists, dicts with string keys,
dates and datetimes, which the event store's transcoder writes), and back: what a snapshot
holds, so an opportunity with a long history loads from its latest snapshot and the events
after it instead of from every event."""

from __future__ import annotations

from typing import Any

from domain.active_time import Pauses
from domain.ladder import LadderTally, RungReached
from domain.lifecycle import Lifecycle, Pause
from domain.momentum import MomentumTally
from domain.plans import Interaction, Plans
from domain.profile import Profile
from domain.relationships import DepartmentTally, RelationshipTally
from domain.state import DealState, LastWin

FORMAT = 2  # raised when the document's shape changes (older snapshots are then ignored)


def document(state: DealState) -> dict[str, Any]:
    life, win, pauses = state.lifecycle, state.last_small_win, state.momentum.pauses
    return {
        "format": FORMAT,
        "version": state.version,
        "latest_recording": state.latest_recording,
        "details": dict(state.profile.details),
        "close_date_pushes": state.profile.close_date_pushes,
        "status": life.status,
        "opened_at": life.opened_at,
        "closed_at": life.closed_at,
        "paused": [
            life.paused.reason,
            life.paused.since,
            life.paused.resume_on,
            life.paused.version,
        ]
        if life.paused
        else None,
        "rungs": [[r.rung, r.name, r.version, r.occurred_at] for r in state.rungs.reached.values()],
        "stakeholders": sorted(state.rungs.stakeholders),
        "open": [_interaction(i) for i in state.plans.open.values()],
        "ended": dict(state.plans.ended),
        "departments": [
            [key, t.name, t.rank, dict(t.stakeholders), t.first_contacted_at, t.first_bought_in_at]
            for key, t in state.relationships.tallies.items()
        ],
        "opened": state.momentum.opened,
        "wins": [list(w) for w in state.momentum.wins],
        "pauses": [[s, e] for s, e in pauses.spans],
        "open_since": pauses.open_since,
        "last_small_win": [win.type, win.version, win.occurred_at] if win else None,
        "win_types": {str(v): t for v, t in state.win_types.items()},
        "retracted": {str(v): by for v, by in state.retracted.items()},
        "slips": state.slips,
        "slip_recorded_at": state.slip_recorded_at,
        "last_counts": list(state.last_counts),
    }


def _interaction(i: Interaction) -> list[Any]:
    return [i.interaction_id, i.contact, i.department, i.channel, i.purpose,
            i.commitment_objective, i.planned_for, i.planned_at, i.version, i.slips]  # fmt: skip


def restore(doc: dict[str, Any]) -> DealState | None:
    """The state a document holds, or None for a document of another format."""
    if doc.get("format") != FORMAT:
        return None
    state = object.__new__(DealState)
    state.version = doc["version"]
    state.latest_recording = doc["latest_recording"]
    state.profile = _profile(doc)
    state.lifecycle = _lifecycle(doc)
    state.rungs = _rungs(doc)
    state.plans = _plans(doc)
    state.relationships = _relationships(doc)
    state.momentum = _momentum(doc)
    win = doc["last_small_win"]
    state.last_small_win = LastWin(win[0], win[1], win[2]) if win else None
    state.win_types = {int(v): t for v, t in doc["win_types"].items()}
    state.retracted = {int(v): by for v, by in doc["retracted"].items()}
    state.slips = doc["slips"]
    state.slip_recorded_at = doc["slip_recorded_at"]
    state.last_counts = tuple(doc["last_counts"])
    state._fixed = None
    return state


def _profile(doc: dict[str, Any]) -> Profile:
    profile = Profile()
    profile.details = dict(doc["details"])
    profile.close_date_pushes = doc["close_date_pushes"]
    return profile


def _lifecycle(doc: dict[str, Any]) -> Lifecycle:
    life = Lifecycle()
    life.status, life.opened_at, life.closed_at = doc["status"], doc["opened_at"], doc["closed_at"]
    paused = doc["paused"]
    life.paused = Pause(paused[0], paused[1], paused[2], paused[3]) if paused else None
    return life


def _rungs(doc: dict[str, Any]) -> LadderTally:
    rungs = LadderTally()
    rungs.reached = {r[0]: RungReached(r[0], r[1], r[2], r[3]) for r in doc["rungs"]}
    rungs.stakeholders = set(doc["stakeholders"])
    return rungs


def _plans(doc: dict[str, Any]) -> Plans:
    plans = Plans()
    plans.open = {row[0]: Interaction(*row) for row in doc["open"]}
    plans.ended = dict(doc["ended"])
    return plans


def _relationships(doc: dict[str, Any]) -> RelationshipTally:
    tally = RelationshipTally()
    for key, name, rank, stakeholders, contacted, bought_in in doc["departments"]:
        department = DepartmentTally(name)
        department.rank, department.stakeholders = rank, dict(stakeholders)
        department.first_contacted_at, department.first_bought_in_at = contacted, bought_in
        tally.tallies[key] = department
    return tally


def _momentum(doc: dict[str, Any]) -> MomentumTally:
    momentum = MomentumTally(doc["opened"])
    momentum.wins = [(w[0], w[1], w[2]) for w in doc["wins"]]
    pauses = Pauses()
    for start, end in doc["pauses"]:
        pauses.start(start)
        pauses.end(end)
    pauses.open_since = doc["open_since"]
    momentum.pauses = pauses
    return momentum
