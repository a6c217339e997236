"""EventRecords <-> JSON for the per-opportunity record cache the views keep."""

from __future__ import annotations

from datetime import datetime

import orjson

from domain.momentum import MomentumInputs, Win


def dump_inputs(inputs: MomentumInputs) -> str:
    return orjson.dumps(
        {
            "wins": [[w.occurred_at.isoformat(), w.weight, w.version] for w in inputs.wins],
            "finished": [[s.isoformat(), e.isoformat()] for s, e in inputs.finished_pauses],
            "paused_since": inputs.paused_since.isoformat() if inputs.paused_since else None,
            "opened_at": inputs.opened_at.isoformat(),
            "status": inputs.status,
            "closed_at": inputs.closed_at.isoformat() if inputs.closed_at else None,
        }
    ).decode()


def load_inputs(text: str | bytes) -> MomentumInputs:
    raw = orjson.loads(text)
    moment = datetime.fromisoformat
    return MomentumInputs(
        wins=tuple(Win(moment(at), weight, version) for at, weight, version in raw["wins"]),
        finished_pauses=tuple((moment(s), moment(e)) for s, e in raw["finished"]),
        paused_since=moment(raw["paused_since"]) if raw["paused_since"] else None,
        opened_at=moment(raw["opened_at"]),
        status=raw["status"],
        closed_at=moment(raw["closed_at"]) if raw["closed_at"] else None,
    )
