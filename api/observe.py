"""Pure ASGI middleware outside every other: times each request, counts it by method, route
template and status, and writes one JSON access line. It wraps RequestGuard, so the 413,
415 and idempotent replays RequestGuard answers itself are counted too."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from starlette.routing import compile_path

from api.metrics import UNMATCHED, Metrics
from api.middleware import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("smallwins.access")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RouteTemplates:
    """Maps a request path to the template of the route that serves it. Built from the app's
    OpenAPI paths and its top-level routes on first use (after every router is included),
    so it does not depend on how a FastAPI version nests included routers."""

    def __init__(self, templates: Callable[[], Iterable[str]]) -> None:
        self._templates = templates
        self._compiled: list[tuple[re.Pattern[str], str]] | None = None

    @classmethod
    def of(cls, app: FastAPI) -> RouteTemplates:
        def templates() -> Iterable[str]:
            yield from app.openapi().get("paths", {})
            for route in app.router.routes:
                path = getattr(route, "path", None)
                if isinstance(path, str) and path:
                    yield path

        return cls(templates)

    def match(self, path: str) -> str:
        if self._compiled is None:
            unique = sorted(set(self._templates()), key=lambda t: (t.count("{"), t))
            self._compiled = [(compile_path(t)[0], t) for t in unique]
        for regex, template in self._compiled:
            if regex.match(path):
                return template
        return UNMATCHED


class Observe:
    def __init__(self, app: ASGIApp, metrics: Metrics, routes: RouteTemplates) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception escaped every handler

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in METHODS else "other"
        route = self.routes.match(str(scope["path"]))
        self.metrics.observe_request(method, route, status, seconds)
        state: dict[str, Any] = scope.get("state") or {}
        access_log.info(
            "%s %s %d",
            method,
            route,
            status,
            extra={
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 3),
                "request_id": state.get("request_id"),
            },
        )
