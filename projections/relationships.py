"""The relationship view: each opportunity's departments with depth, stakeholders and
when they were first reached, and each account's opportunities, for the account query."""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from domain.names import name_key
from domain.records import EventRecord
from domain.relationships import departments
from projections.database import Cursor
from projections.view import OpportunityView


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

    def project(self, cursor: Cursor, opportunity_id: str, records: Sequence[EventRecord]) -> None:
        opened = records[0]
        account = opened.data["account"]
        cursor.execute(
            "DELETE FROM account_opportunities WHERE opportunity_id = ?", (opportunity_id,)
        )
        cursor.execute(
            "INSERT INTO account_opportunities VALUES (?, ?, ?, ?)",
            (opportunity_id, name_key(account), account, opened.occurred_at.timestamp()),
        )
        cursor.execute(
            "DELETE FROM opportunity_departments WHERE opportunity_id = ?", (opportunity_id,)
        )
        for position, dept in enumerate(departments(records)):
            cursor.execute(
                "INSERT INTO opportunity_departments VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    opportunity_id,
                    name_key(account),
                    position,
                    dept.name,
                    dept.depth,
                    orjson.dumps(list(dept.stakeholders)).decode(),
                    dept.first_contacted_at.isoformat() if dept.first_contacted_at else None,
                    dept.first_bought_in_at.isoformat() if dept.first_bought_in_at else None,
                ),
            )
