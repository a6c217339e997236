"""Role checks, as dependencies every /v1 route declares. Who is asking was decided once,
before the route, by `api.middleware.Authenticate`, which put the API key in the request
state; these only read it and compare roles. They never look a key up themselves."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.keys import ApiKey
from api.middleware.authentication import MISSING
from api.problems import FORBIDDEN, UNAUTHORIZED, Problem
from api.services import Services

# Declares bearer auth on every operation that depends on it (the OpenAPI document's
# security scheme); it only parses the header.
bearer = HTTPBearer(auto_error=False, description="An API key made with `smallwins keys create`.")
NOT_CHECKED = "no API key was checked for this path"


async def services(request: Request) -> Services:
    """Async, so FastAPI resolves it on the event loop, not through the thread pool."""
    found: Services = request.app.state.services
    return found


ServicesDep = Annotated[Services, Depends(services)]


def require(role: str) -> Callable[..., Awaitable[ApiKey]]:
    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> ApiKey:
        key: ApiKey | None = getattr(request.state, "api_key", None)  # set by Authenticate
        if key is None:  # a path Authenticate does not cover: refuse, never look the key up
            raise Problem(UNAUTHORIZED, NOT_CHECKED if credentials else MISSING)
        if not key.allows(role):
            raise Problem(FORBIDDEN, f"this needs the {role} role; the key has {key.role}")
        return key

    dependency.required_role = role  # type: ignore[attr-defined]
    return dependency


Viewer = Annotated[ApiKey, Depends(require("viewer"))]
Editor = Annotated[ApiKey, Depends(require("editor"))]
Admin = Annotated[ApiKey, Depends(require("admin"))]
