"""A rep working through the API, for the tests of the agenda, goals and scorecards: opens
deals, plans, moves, cancels and completes interactions, sets goals and reads the week."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.api.conftest import Api, rfc3339


class Rep:
    """Records as an editor; reads as a viewer."""

    def __init__(self, api: Api) -> None:
        self.api = api

    def open(self, **fields: Any) -> str:
        fields.setdefault("owner", "jo")
        deal: str = self.api.open(**fields)["id"]
        return deal

    def record(self, deal: str, event_type: str, **fields: Any) -> dict[str, Any]:
        fields = {k: rfc3339(v) if isinstance(v, datetime) else v for k, v in fields.items()}
        return self.api.record(deal, event_type, **fields)

    def plan(
        self,
        deal: str,
        planned_for: datetime | None = None,
        objective: str | None = "Agree to a demo",
        **fields: Any,
    ) -> str:
        body = {
            "contact": "Dana",
            "department": "IT",
            "channel": "video",
            "purpose": "Walk through the pilot",
            **fields,
        }
        if objective is not None:
            body["commitment_objective"] = objective
        if planned_for is not None:
            body["planned_for"] = planned_for
        before = {i["interaction_id"] for i in self.api.state(deal)["open_interactions"]}
        state = self.record(deal, "InteractionPlanned", **body)
        added = [i for i in state["open_interactions"] if i["interaction_id"] not in before]
        assert len(added) == 1
        planned: str = added[0]["interaction_id"]
        return planned

    def move(self, deal: str, interaction: str, planned_for: datetime, **fields: Any) -> None:
        self.record(
            deal, "InteractionRescheduled", interaction_id=interaction, planned_for=planned_for,
            **fields,
        )  # fmt: skip

    def cancel(self, deal: str, interaction: str) -> None:
        self.record(deal, "InteractionCancelled", interaction_id=interaction, reason="Declined")

    def complete(self, deal: str, interaction: str, *, gained: bool, **fields: Any) -> None:
        self.record(
            deal, "InteractionCompleted", interaction_id=interaction, commitment_gained=gained,
            **fields,
        )  # fmt: skip

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        response = self.api.client.get(path, params=params, headers=self.api.auth("viewer"))
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    def agenda(self, **params: Any) -> list[dict[str, Any]]:
        """Every item of the agenda, following the cursors."""
        items: list[dict[str, Any]] = []
        while True:
            page = self.get("/v1/agenda", **params)
            items.extend(page["items"])
            if page["next_cursor"] is None:
                return items
            params["cursor"] = page["next_cursor"]

    def set_goals(self, owner: str, weekly: dict[str, int], **fields: Any) -> dict[str, Any]:
        fields = {k: rfc3339(v) if isinstance(v, datetime) else v for k, v in fields.items()}
        response = self.api.client.put(
            f"/v1/sellers/{owner}/goals", json={"weekly": weekly, **fields},
            headers=self.api.auth("editor"),
        )  # fmt: skip
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def goals(self, owner: str) -> dict[str, Any]:
        return self.get(f"/v1/sellers/{owner}/goals")

    def scorecard(self, owner: str, week: str | None = None) -> dict[str, Any]:
        params = {} if week is None else {"week": week}
        return self.get(f"/v1/sellers/{owner}/scorecard", **params)
