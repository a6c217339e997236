"""The bare endpoints the HTTP figures are compared with: async FastAPI handlers that
validate the same request body with the same pydantic schema and store nothing, served
under the same uvicorn settings as the API.

    uvicorn bench.bare_app:create_app --factory --loop uvloop --http httptools"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Response

from api.schemas.events import EventBody

STATE: dict[str, Any] = {
    "id": "00000000-0000-4000-8000-000000000000",
    "version": 7,
    "title": "Acme scheduling rollout",
    "account": "Acme Corp",
    "owner": "bench",
    "status": "open",
    "stage": "customer_data",
}


def create_app() -> FastAPI:
    app = FastAPI(title="bare", openapi_url=None, docs_url=None, redoc_url=None)

    @app.post("/v1/opportunities/{opportunity_id}/events", status_code=201)
    async def record_event(opportunity_id: str, body: EventBody) -> Response:
        answer = {**STATE, "id": opportunity_id, "type": body.event.type}  # type: ignore[attr-defined]
        return Response(orjson.dumps(answer), 201, media_type="application/json")

    @app.get("/v1/opportunities/{opportunity_id}")
    async def get_opportunity(opportunity_id: str) -> Response:
        return Response(
            orjson.dumps({**STATE, "id": opportunity_id}), media_type="application/json"
        )

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
