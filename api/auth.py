"""Bearer-key authentication and role checks, as dependencies every /v1 route declares."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import anyio.to_thread
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.keys import ApiKey
from api.problems import FORBIDDEN, UNAUTHORIZED, Problem
from api.services import Services

bearer = HTTPBearer(auto_error=False, description="An API key made with `smallwins keys create`.")


async def services(request: Request) -> Services:
    """Async, so FastAPI resolves it on the event loop, not through the thread pool."""
    found: Services = request.app.state.services
    return found


ServicesDep = Annotated[Services, Depends(services)]


def authenticate(request: Request, token: str | None) -> ApiKey:
    if not token:
        raise Problem(UNAUTHORIZED, "send Authorization: Bearer <API key>")
    found: Services = request.app.state.services
    key = found.keys.authenticate(token)
    if key is None:
        raise Problem(UNAUTHORIZED, "the API key is not valid or was revoked")
    request.state.api_key = key
    return key


def require(role: str) -> Callable[..., Awaitable[ApiKey]]:
    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> ApiKey:
        key: ApiKey | None = getattr(request.state, "api_key", None)  # set by RequestGuard
        if key is None:
            token = credentials.credentials if credentials else None
            key = await anyio.to_thread.run_sync(authenticate, request, token)
        if not key.allows(role):
            raise Problem(FORBIDDEN, f"this needs the {role} role; the key has {key.role}")
        return key

    dependency.required_role = role  # type: ignore[attr-defined]
    return dependency


Viewer = Annotated[ApiKey, Depends(require("viewer"))]
Editor = Annotated[ApiKey, Depends(require("editor"))]
Admin = Annotated[ApiKey, Depends(require("admin"))]
