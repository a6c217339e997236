"""The pipeline view: one row per opportunity with its rendered state, what momentum needs
to be evaluated at the moment of reading (a summary whose size does not grow with the
deal's history), and columns for every filter and sort.

A closed opportunity's momentum is read at its close, so it is the same at any moment: it
is evaluated here, stored in the state, and `inputs` is left empty. It depends on the
momentum settings, so they are part of the view's definition: other settings rebuild it."""

from __future__ import annotations

import math
from typing import Any

import orjson

from domain.lifecycle import PAUSED_STATUS
from domain.momentum import NO_MOMENTUM
from domain.names import name_key
from domain.state import DealState
from projections.codec import dump_summary
from projections.render import render_momentum, render_state
from projections.view import OpportunityView, Rows, momentum_definition


def search_text(title: str, account: str, owner: str) -> str:
    """What `q` searches: title, account and owner, case-folded, one per line."""
    return "\n".join((title, account, owner)).casefold()


class PipelineView(OpportunityView):
    name = "pipeline"
    tables = ("pipeline",)
    # 3: rows from the deal's state; summary inputs; expected close, search
    # 4: the rungs reached in the state; the currency, for the totals per stage
    version = 4
    ddl = (
        "CREATE TABLE IF NOT EXISTS pipeline ("
        " opportunity_id TEXT PRIMARY KEY, version INTEGER NOT NULL,"
        " account_key TEXT NOT NULL, owner_key TEXT NOT NULL, status TEXT NOT NULL,"
        " stage TEXT NOT NULL, stage_rank INTEGER NOT NULL, single_threaded INTEGER NOT NULL,"
        " opened_ts DOUBLE PRECISION NOT NULL, last_win_ts DOUBLE PRECISION,"
        " closed_ts DOUBLE PRECISION, amount DOUBLE PRECISION, currency TEXT NOT NULL,"
        " momentum_a DOUBLE PRECISION NOT NULL, momentum_b INTEGER NOT NULL,"
        " stall_ts DOUBLE PRECISION, resume_on TEXT, expected_close_day INTEGER,"
        " search TEXT NOT NULL, state TEXT NOT NULL, inputs TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS pipeline_status ON pipeline (status, opened_ts)",
        "CREATE INDEX IF NOT EXISTS pipeline_owner ON pipeline (owner_key, status)",
        "CREATE INDEX IF NOT EXISTS pipeline_account ON pipeline (account_key, status)",
        "CREATE INDEX IF NOT EXISTS pipeline_stage ON pipeline (stage, status)",
        "CREATE INDEX IF NOT EXISTS pipeline_stall ON pipeline (status, stall_ts)",
        "CREATE INDEX IF NOT EXISTS pipeline_momentum ON pipeline (momentum_b, momentum_a)",
        "CREATE INDEX IF NOT EXISTS pipeline_opened ON pipeline (opened_ts)",
        "CREATE INDEX IF NOT EXISTS pipeline_last_win ON pipeline (last_win_ts)",
        "CREATE INDEX IF NOT EXISTS pipeline_expected_close ON pipeline (expected_close_day)",
        "CREATE INDEX IF NOT EXISTS pipeline_closed ON pipeline (closed_ts)",
    )

    def definition(self) -> str:
        return f"{super().definition()}; {momentum_definition(self.policy)}"

    def rows(self, opportunity_id: str, state: DealState) -> Rows:
        shown = state.describe(None, None)
        rendered: dict[str, Any] = render_state(opportunity_id, shown)
        fixed = state.fixed_momentum(self.policy)
        inputs = ""
        if fixed is not None:
            rendered["momentum"] = render_momentum(fixed)
            a, b = (NO_MOMENTUM, 0) if fixed.score <= 0 else (math.log2(fixed.score), 1)
            stall = None
        else:
            summary = state.summary(self.policy)
            inputs = dump_summary(summary)
            frozen = state.momentum.pauses.open_since if shown.status == PAUSED_STATUS else None
            a, b = state.momentum.sort_key(summary, frozen_at=frozen)
            stall = state.momentum.stall_at(self.policy) if shown.status == "open" else None
        win, pause, profile = shown.last_small_win, shown.paused, shown.profile
        expected_close = profile.get("expected_close")
        return {
            "pipeline": [
                (
                    opportunity_id,
                    shown.version,
                    name_key(profile["account"]),
                    name_key(profile["owner"]),
                    shown.status,
                    shown.ladder.stage,
                    shown.ladder.rung,
                    int(shown.relationships.single_threaded),
                    shown.opened_at.timestamp(),
                    win.occurred_at.timestamp() if win else None,
                    shown.closed_at.timestamp() if shown.closed_at else None,
                    profile["amount"],
                    profile["currency"],
                    a,
                    b,
                    stall.timestamp() if stall else None,
                    pause.resume_on.isoformat() if pause and pause.resume_on else None,
                    expected_close.toordinal() if expected_close else None,
                    search_text(profile["title"], profile["account"], profile["owner"]),
                    orjson.dumps(rendered).decode(),
                    inputs,
                )
            ]
        }
