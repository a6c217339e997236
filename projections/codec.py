"""A deal's momentum summary (domain.momentum.Summary) <-> the JSON the pipeline view keeps
beside its rendered state, so a reading evaluates momentum without the deal's history."""

from __future__ import annotations

import orjson

from domain.momentum import NONE, Summary


def _log(value: float) -> float | None:
    return None if value == NONE else value


def _unlog(value: float | None) -> float:
    return NONE if value is None else value


def dump_summary(summary: Summary) -> str:
    return orjson.dumps(
        [
            summary.opened,
            summary.is_open,
            summary.paused_since,
            summary.cutoff,
            summary.cutoff_active,
            summary.spans,
            _log(summary.settled),
            summary.last_settled,
            summary.tail_times,
            [_log(s) for s in summary.tail_sums],
            summary.half_life,
        ]
    ).decode()


def load_summary(text: str | bytes) -> Summary:
    (opened, is_open, paused_since, cutoff, cutoff_active, spans, settled, last_settled,
     tail_times, tail_sums, half_life) = orjson.loads(text)  # fmt: skip
    return Summary(
        opened=opened,
        is_open=is_open,
        paused_since=paused_since,
        cutoff=cutoff,
        cutoff_active=cutoff_active,
        spans=tuple((s, e) for s, e in spans),
        settled=_unlog(settled),
        last_settled=(last_settled[0], last_settled[1]) if last_settled else None,
        tail_times=tuple(tail_times),
        tail_sums=tuple(_unlog(s) for s in tail_sums),
        half_life=half_life,
    )
