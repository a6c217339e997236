"""The pipeline view: one row per opportunity with its rendered state, what momentum needs
to be evaluated at the moment of reading, and columns for every filter and sort.

A closed opportunity's momentum is read at its close, so it is the same at any moment: it
is evaluated here, stored in the state, and `inputs` is left empty (nothing is left to
evaluate when the row is read). It depends on the momentum settings, so they are part of
the view's definition: other settings rebuild the view."""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from domain.ladder import RUNGS
from domain.momentum import fixed_momentum, sort_key, stall_at
from domain.names import name_key
from domain.records import EventRecord
from domain.state import describe
from projections.codec import dump_inputs
from projections.render import render_momentum, render_state
from projections.view import OpportunityView, Rows


class PipelineView(OpportunityView):
    name = "pipeline"
    tables = ("pipeline",)
    version = 2  # 2: a closed opportunity's momentum is in its state
    ddl = (
        "CREATE TABLE IF NOT EXISTS pipeline ("
        " opportunity_id TEXT PRIMARY KEY, version INTEGER NOT NULL,"
        " account_key TEXT NOT NULL, owner_key TEXT NOT NULL, status TEXT NOT NULL,"
        " stage TEXT NOT NULL, stage_rank INTEGER NOT NULL, single_threaded INTEGER NOT NULL,"
        " opened_ts DOUBLE PRECISION NOT NULL, last_win_ts DOUBLE PRECISION,"
        " closed_ts DOUBLE PRECISION, amount DOUBLE PRECISION,"
        " momentum_a DOUBLE PRECISION NOT NULL, momentum_b INTEGER NOT NULL,"
        " stall_ts DOUBLE PRECISION, resume_on TEXT, state TEXT NOT NULL, inputs TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS pipeline_status ON pipeline (status, opened_ts)",
        "CREATE INDEX IF NOT EXISTS pipeline_owner ON pipeline (owner_key, status)",
        "CREATE INDEX IF NOT EXISTS pipeline_account ON pipeline (account_key, status)",
        "CREATE INDEX IF NOT EXISTS pipeline_stage ON pipeline (stage, status)",
        "CREATE INDEX IF NOT EXISTS pipeline_stall ON pipeline (status, stall_ts)",
        "CREATE INDEX IF NOT EXISTS pipeline_momentum ON pipeline (momentum_b, momentum_a)",
        "CREATE INDEX IF NOT EXISTS pipeline_opened ON pipeline (opened_ts)",
        "CREATE INDEX IF NOT EXISTS pipeline_last_win ON pipeline (last_win_ts)",
    )

    def definition(self) -> str:
        p = self.policy
        return (
            f"{super().definition()}; half-life {p.half_life_days} d, trend window"
            f" {p.trend_window_days} d, stall threshold {p.stall_threshold_days} d"
        )

    def rows(self, opportunity_id: str, records: Sequence[EventRecord]) -> Rows:
        # Every recorded win counts; an open deal's momentum is evaluated from `inputs` when
        # the row is read, a closed deal's now (it is read at the close).
        state = describe(records, None, None)
        inputs = state.momentum_inputs
        rendered = render_state(opportunity_id, state)
        fixed = fixed_momentum(inputs, self.policy)
        if fixed is not None:
            rendered["momentum"] = render_momentum(fixed)
        a, b = sort_key(inputs, self.policy)
        stall = stall_at(inputs, self.policy)
        win = state.last_small_win
        pause = state.paused
        profile = state.profile
        stage_rank = RUNGS.index(state.ladder.stage) + 1 if state.ladder.resume_point else 0
        return {
            "pipeline": [
                (
                    opportunity_id,
                    state.version,
                    name_key(profile["account"]),
                    name_key(profile["owner"]),
                    state.lifecycle.status,
                    state.ladder.stage,
                    stage_rank,
                    int(state.relationships.single_threaded),
                    records[0].occurred_at.timestamp(),
                    win.occurred_at.timestamp() if win else None,
                    state.lifecycle.closed_at.timestamp() if state.lifecycle.closed_at else None,
                    state.lifecycle.amount,
                    a,
                    b,
                    stall.timestamp() if stall else None,
                    pause.resume_on.isoformat() if pause and pause.resume_on else None,
                    orjson.dumps(rendered).decode(),
                    "" if fixed is not None else dump_inputs(inputs),
                )
            ]
        }
