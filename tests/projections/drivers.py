"""Small drivers for read-side tests."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from api.services import Services


def record(services: Services, opportunity_id: Any, event_type: str, **fields: Any) -> None:
    occurred_at = fields.pop("occurred_at", None)
    services.opportunities.record(
        opportunity_id, event_type, recorded_by="jo", fields=fields, occurred_at=occurred_at
    )


def open_deal(services: Services, **fields: Any) -> Any:
    fields.setdefault("title", "Deal")
    fields.setdefault("account", "Acme")
    return services.opportunities.open(recorded_by="jo", fields=fields).opportunity_id


DAY = timedelta(days=1)


def snapshot(services: Services) -> dict[str, list[Any]]:
    """Every view row, in a stable order."""
    tables = {
        "pipeline": "SELECT * FROM pipeline ORDER BY opportunity_id",
        "account_opportunities": "SELECT * FROM account_opportunities ORDER BY opportunity_id",
        "opportunity_departments": "SELECT * FROM opportunity_departments"
        " ORDER BY opportunity_id, position",
        "account_deals": "SELECT * FROM account_deals ORDER BY opportunity_id",
        "account_departments": "SELECT * FROM account_departments"
        " ORDER BY opportunity_id, department_key",
    }
    with services.database.read() as cursor:
        found = {}
        for name, sql in tables.items():
            cursor.execute(sql)
            found[name] = [tuple(row) for row in cursor.fetchall()]
    return found


def busy_history(services: Services, clock: Any, deals: int = 6) -> list[Any]:
    ids = []
    for n in range(deals):
        deal = open_deal(services, account=f"Account {n % 3}", buying_departments=["IT", "Finance"])
        clock.advance(hours=5)
        record(services, deal, "MeetingGained", contact="Dana", department="IT")
        record(services, deal, "StakeholderBoughtIn", stakeholder="Sam", department="Finance",
               role="economic_buyer")  # fmt: skip
        if n % 2:
            record(services, deal, "Paused", reason="budget freeze")
        ids.append(deal)
    return ids


def catch_up_together(*runners: Any) -> None:
    """Each runner catches up in its own thread, all at once."""
    threads = [threading.Thread(target=runner.catch_up) for runner in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
