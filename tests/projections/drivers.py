"""Small drivers for read-side tests."""

from __future__ import annotations

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
