"""The state of an opportunity at an instant, derived from its records by the one set of
pure functions (lifecycle, ladder, momentum, relationships)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from domain.ladder import Ladder, ladder
from domain.lifecycle import Lifecycle, Pause, fold
from domain.momentum import Momentum, MomentumInputs, MomentumPolicy, evaluate, momentum_inputs
from domain.records import OPENED, EventRecord, is_small_win
from domain.relationships import Relationships, relationships


@dataclass(frozen=True, slots=True)
class OpportunityState:
    version: int
    profile: Mapping[str, Any]
    lifecycle: Lifecycle
    ladder: Ladder
    last_small_win: EventRecord | None
    momentum: Momentum | None  # None when described without a moment of reading
    momentum_inputs: MomentumInputs
    relationships: Relationships

    @property
    def paused(self) -> Pause | None:
        return self.lifecycle.paused


_END_OF_TIME = datetime.max.replace(tzinfo=UTC)


def last_small_win(records: Sequence[EventRecord], at: datetime) -> EventRecord | None:
    """The latest small win by occurred_at (then version) that had occurred by `at`."""
    wins = [r for r in records if is_small_win(r) and r.occurred_at <= at]
    return max(wins, key=lambda r: (r.occurred_at, r.version), default=None)


def describe(
    records: Sequence[EventRecord], now: datetime | None, policy: MomentumPolicy | None
) -> OpportunityState:
    """Everything DESIGN section 4 shows about one opportunity, evaluated at `now`. Without
    `now` (or a policy) momentum is left to be evaluated later from `momentum_inputs`, and
    every recorded small win counts as occurred."""
    if not records or records[0].type != OPENED:
        msg = "an opportunity's history starts with OpportunityOpened"
        raise ValueError(msg)
    lifecycle = fold(records)
    inputs = momentum_inputs(records, lifecycle)
    return OpportunityState(
        version=records[-1].version,
        profile=records[0].data,
        lifecycle=lifecycle,
        ladder=ladder(records),
        last_small_win=last_small_win(records, lifecycle.closed_at or now or _END_OF_TIME),
        momentum=evaluate(inputs, now, policy) if now is not None and policy is not None else None,
        momentum_inputs=inputs,
        relationships=relationships(records),
    )
