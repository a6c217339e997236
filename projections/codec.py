"""EventRecords <-> JSON for the per-opportunity record cache the views keep."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import orjson

from domain.momentum import MomentumInputs, Win
from domain.records import EventRecord


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$dt" in value:
            return datetime.fromisoformat(value["$dt"])
        if "$d" in value:
            return date.fromisoformat(value["$d"])
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def dump_records(records: Sequence[EventRecord]) -> str:
    return orjson.dumps(
        [
            [
                r.type,
                r.version,
                r.occurred_at.isoformat(),
                r.recorded_at.isoformat(),
                r.recorded_by,
                {k: _encode(v) for k, v in r.data.items()},
            ]
            for r in records
        ]
    ).decode()


def load_records(text: str | bytes | None) -> list[EventRecord]:
    if not text:
        return []
    return [
        EventRecord(
            type=kind,
            version=version,
            occurred_at=datetime.fromisoformat(occurred),
            recorded_at=datetime.fromisoformat(recorded),
            recorded_by=by,
            data={k: _decode(v) for k, v in data.items()},
        )
        for kind, version, occurred, recorded, by, data in orjson.loads(text)
    ]


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
