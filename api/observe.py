"""Pure ASGI middleware outside every other: times each request, counts it by method, route
template and status, and writes one JSON access line. It wraps the middlewares of
`api.middleware`, so the 400, 401, 413, 415 and idempotent replays they answer themselves
are counted too."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from starlette.routing import compile_path

from api.asgi import ASGIApp, Message, Receive, Scope, Send
from api.metrics import UNMATCHED, Metrics

access_log = logging.getLogger("smallwins.access")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ANY_UUID = "00000000-0000-0000-0000-000000000000"
CACHED_SHAPES = 1024  # path shapes whose route template is remembered


class RouteTemplates:
    """Maps a request path to the template of the route that serves it. Built on first use
    (after every router is included) from the app's routes, whether a FastAPI version
    flattens included routers or nests them, and from its OpenAPI paths."""

    def __init__(self, paths: Callable[[], Iterable[str]]) -> None:
        self._paths = paths
        self._compiled: list[tuple[re.Pattern[str], str]] | None = None
        self._shapes: dict[str, str] = {}

    @classmethod
    def of(cls, app: FastAPI) -> RouteTemplates:
        def paths() -> Iterator[str]:
            yield from _route_paths(app.router.routes)
            yield from app.openapi().get("paths", {})

        return cls(paths)

    def match(self, path: str) -> str:
        """The template of the route that serves `path`. Paths that differ only in the
        UUIDs they carry are served by the same route: the regexes are tried once per such
        shape (remembered, up to CACHED_SHAPES of them), not on every request."""
        shape = _UUID.sub(_ANY_UUID, path)
        found = self._shapes.get(shape)
        if found is None:
            found = self._match(shape)
            if len(self._shapes) >= CACHED_SHAPES:
                self._shapes.clear()
            self._shapes[shape] = found
        return found

    def _match(self, path: str) -> str:
        if self._compiled is None:
            self._compiled = _compile(self._paths())
        for regex, template in self._compiled:
            if regex.match(path):
                return template
        return UNMATCHED


def _route_paths(routes: Iterable[Any]) -> Iterator[str]:
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)  # nested include_router
        if callable(contexts):
            yield from (str(context.path) for context in contexts())
        elif isinstance(getattr(route, "path", None), str):
            yield route.path


def _compile(paths: Iterable[str]) -> list[tuple[re.Pattern[str], str]]:
    """One (regex, template) per template; the template drops convertors
    (`/static/{name:path}` -> `/static/{name}`); fewer parameters are tried first."""
    compiled: dict[str, re.Pattern[str]] = {}
    for path in paths:
        if path:
            regex, template, _convertors = compile_path(path)
            compiled.setdefault(template, regex)
    order = sorted(compiled, key=lambda template: (template.count("{"), template))
    return [(compiled[template], template) for template in order]


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
        state: dict[str, Any] = scope.get("state") or {}
        route = state.get("route_template") or self.routes.match(str(scope["path"]))
        self.metrics.observe_request(method, route, status, seconds)
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
