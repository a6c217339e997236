"""Authenticate: who is asking, decided once per request and before anything else is read.

Every /v1 request but a CORS preflight (OPTIONS) must carry `Authorization: Bearer <API
key>`; the key is looked up (from the keys this process remembers, else in the store, in a
worker thread) and put in the request state as `api_key`, where the routes' role checks
(`api.auth.require`) read it. A missing, unknown or revoked key is answered 401 here, with no
byte of the body read. Other paths (health, metrics, docs, pages) pass unauthenticated."""

from __future__ import annotations

import anyio.to_thread

from api import problems
from api.asgi import ASGIApp, Receive, Scope, Send, header, is_api, send_response, state
from api.keys import ApiKey
from api.services import Services

MISSING = "send Authorization: Bearer <API key>"
REFUSED = "the API key is not valid or was revoked"


def bearer_token(scope: Scope) -> str:
    """The token of an `Authorization: Bearer` header, or "" when there is none."""
    authorization = header(scope, b"authorization") or ""
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class Authenticate:
    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services  # its parts are read per request: a test may swap them

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "OPTIONS" or not is_api(scope):
            await self.app(scope, receive, send)
            return
        token = bearer_token(scope)
        key = await self._key(token) if token else None
        if key is None:
            response = problems.problem_response(
                problems.UNAUTHORIZED, REFUSED if token else MISSING, instance=scope["path"]
            )
            await send_response(scope, send, response)
            return
        state(scope)["api_key"] = key
        await self.app(scope, receive, send)

    async def _key(self, token: str) -> ApiKey | None:
        keys = self.services.keys
        remembered = keys.remembered(token)
        if remembered is not None:
            return remembered
        return await anyio.to_thread.run_sync(keys.authenticate, token)
