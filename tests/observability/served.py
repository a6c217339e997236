"""Helpers for the metrics and log tests: one served app with keys and a /metrics reader, and
a capture of what the server side logged."""

from __future__ import annotations

import io
import json
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

CLIENT_LOGGERS = ("httpx", "httpcore")  # the test's HTTP client, not the server


class Served:
    """One app and its TestClient, with keys made on demand and a /metrics reader."""

    def __init__(self, app: FastAPI, client: TestClient) -> None:
        self.app = app
        self.client = client
        self._tokens: dict[str, str] = {}

    def token(self, role: str = "editor") -> str:
        if role not in self._tokens:
            _key, self._tokens[role] = self.app.state.services.keys.create(f"{role}-key", role)
        return self._tokens[role]

    def auth(self, role: str = "editor") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role)}"}

    def open(self, **fields: Any) -> str:
        body = {"title": "Acme scheduling rollout", "account": "Acme Corp", **fields}
        response = self.client.post("/v1/opportunities", json=body, headers=self.auth())
        assert response.status_code == 201, response.text
        opened: str = response.json()["id"]
        return opened

    def record(self, opportunity_id: str, event_type: str, **fields: Any) -> None:
        response = self.client.post(
            f"/v1/opportunities/{opportunity_id}/events",
            json={"type": event_type, **fields},
            headers=self.auth(),
        )
        assert response.status_code == 201, response.text

    def scrape(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        """Every sample of /metrics, keyed by name and label set."""
        response = self.client.get("/metrics")
        assert response.status_code == 200, response.text
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples
        }

    def sample(self, name: str, **labels: str) -> float | None:
        return self.scrape().get((name, frozenset(labels.items())))

    def requests(self, method: str, route: str, status: int) -> float | None:
        """The request counter for one method, route template and status."""
        labels = {"method": method, "route": route, "status": str(status)}
        return self.sample("smallwins_http_requests_total", **labels)


class LogCapture:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    def text(self) -> str:
        """Everything the server side logged, exactly as written (JSON lines)."""
        return "\n".join(
            raw
            for raw in self.stream.getvalue().splitlines()
            if raw and not json.loads(raw)["logger"].startswith(CLIENT_LOGGERS)
        )

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(raw) for raw in self.text().splitlines()]

    def access(self) -> list[dict[str, Any]]:
        return [line for line in self.lines() if line["logger"] == "smallwins.access"]
