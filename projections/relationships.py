"""The relationship view: each opportunity's departments with depth, stakeholders and
when they were first reached, and each account's opportunities, for the account query."""

from __future__ import annotations

import orjson

from domain.names import name_key
from domain.state import DealState
from projections.view import OpportunityView, Rows


class RelationshipView(OpportunityView):
    name = "relationships"
    tables = ("opportunity_departments", "account_opportunities")
    ddl = (
        "CREATE TABLE IF NOT EXISTS account_opportunities ("
        " opportunity_id TEXT PRIMARY KEY, account_key TEXT NOT NULL, account TEXT NOT NULL,"
        " opened_ts DOUBLE PRECISION NOT NULL)",
        "CREATE INDEX IF NOT EXISTS account_opportunities_key"
        " ON account_opportunities (account_key, opened_ts)",
        "CREATE TABLE IF NOT EXISTS opportunity_departments ("
        " opportunity_id TEXT NOT NULL, account_key TEXT NOT NULL, position INTEGER NOT NULL,"
        " name TEXT NOT NULL, depth TEXT NOT NULL, stakeholders TEXT NOT NULL,"
        " first_contacted_at TEXT, first_bought_in_at TEXT,"
        " PRIMARY KEY (opportunity_id, position))",
        "CREATE INDEX IF NOT EXISTS opportunity_departments_account"
        " ON opportunity_departments (account_key)",
    )

    def rows(self, opportunity_id: str, state: DealState) -> Rows:
        account = state.profile["account"]
        key = name_key(account)
        opened_at = state.lifecycle.opened_at
        return {
            "account_opportunities": [
                (opportunity_id, key, account, opened_at.timestamp() if opened_at else 0.0),
            ],
            "opportunity_departments": [
                (
                    opportunity_id,
                    key,
                    position,
                    dept.name,
                    dept.depth,
                    orjson.dumps(list(dept.stakeholders)).decode(),
                    dept.first_contacted_at.isoformat() if dept.first_contacted_at else None,
                    dept.first_bought_in_at.isoformat() if dept.first_bought_in_at else None,
                )
                for position, dept in enumerate(state.relationships.departments())
            ],
        }
