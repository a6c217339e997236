"""The hottest read, answered without the framework: `GET /v1/opportunities/{id}` with no
query string, when the caller may read and the view's row is up to date. It sits inside the
middlewares of `api.middleware` (so the caller is already authenticated, the request id is
set, and Observe counts and logs it) and answers with the same body and headers as the
route, from the same view row (`api.reads.view_body`; a closed opportunity's stored state is
sent as it is). Anything else — an unknown or malformed id, a row behind the store,
`?as_of=`, a key below the viewer role — goes on to the FastAPI route, which
owns every problem answer. On SQLite the read is one indexed statement that waits for no
writer (see Database.reads_never_wait), run on the event loop. On PostgreSQL it is awaited
on the event loop through the app's async pool (projections/async_reads.py) once the
lifespan has opened it, else run in a worker thread; a store error there leaves the
request to the route, which answers it as a problem."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import anyio.to_thread
import orjson
import psycopg
from psycopg_pool import PoolTimeout

from api.asgi import ASGIApp, Receive, Scope, Send
from api.reads import open_async_reads, view_body, view_body_async
from api.services import Services
from domain.errors import OpportunityNotFound

PREFIX = "/v1/opportunities/"
TEMPLATE = "/v1/opportunities/{opportunity_id}"  # the route's, for metrics and logs
_ID_LENGTH = 36  # canonical UUID text


def etag(version: int) -> str:
    return f'"{version}"'


def state_response(state: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """The body and headers a current state is answered with (by the route)."""
    return orjson.dumps(state), {"ETag": etag(state["version"])}


class FastReads:
    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        oid = _one_opportunity(scope)
        if oid is not None:
            found = await self._body(oid)
            if found is not None:
                scope["state"]["route_template"] = TEMPLATE
                body, version = found
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (b"content-length", str(len(body)).encode()),
                            (b"content-type", b"application/json"),
                            (b"etag", etag(version).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    async def _body(self, oid: UUID) -> tuple[bytes, int] | None:
        services = self.services
        try:
            if services.database.reads_never_wait:
                return view_body(services, oid)
            reads = open_async_reads(services)
            if reads is not None:
                return await view_body_async(services, reads, oid)
            return await anyio.to_thread.run_sync(view_body, services, oid)
        except OpportunityNotFound:
            return None  # the route answers the 404
        except (psycopg.Error, PoolTimeout):
            return None  # the route meets the same store and answers with a problem


def _one_opportunity(scope: Scope) -> UUID | None:
    """The id of a plain `GET /v1/opportunities/{id}` a viewer may make, else None."""
    if scope["type"] != "http" or scope["method"] != "GET" or scope.get("query_string"):
        return None
    path = str(scope["path"])
    if len(path) != len(PREFIX) + _ID_LENGTH or not path.startswith(PREFIX):
        return None
    key = (scope.get("state") or {}).get("api_key")
    if key is None or not key.allows("viewer"):
        return None
    try:
        return UUID(path[len(PREFIX) :])
    except ValueError:
        return None
