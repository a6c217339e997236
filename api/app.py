"""`create_app(settings)`: the only place the FastAPI app is assembled."""

from __future__ import annotations

import inspect
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from api import problems
from api.fast_reads import FastReads
from api.middleware import Authenticate, BodyLimits, CleanUrl, IdempotencyReplay, RequestId
from api.observe import Observe, RouteTemplates
from api.openapi import SERVERS, operation_id
from api.routers import (
    accounts,
    agenda,
    analytics,
    feed,
    health,
    me,
    metrics,
    opportunities,
    people,
    pipeline,
    projections,
    sellers,
    web,
)
from api.routers import webhooks as webhook_routes
from api.schemas.responses import ProblemOut
from api.services import Services, build_services
from api.settings import Settings
from api.webhooks.metrics import WebhookCollector
from domain.application import utc_now
from domain.errors import DomainError

log = logging.getLogger("smallwins.api")

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "model": ProblemOut,
        "content": {problems.PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemOut"}}},
        "description": description,
    }
    for status, description in (
        (400, "Malformed request"),
        (401, "Missing or invalid API key"),
        (403, "Role not allowed"),
        (404, "Not found"),
        (409, "Lifecycle invariant violated"),
        (412, "If-Match does not match"),
        (413, "Body too large"),
        (415, "Body is not JSON"),
        (422, "Validation failed"),
    )
}


# The store did not answer: the event store's errors, and the drivers' own on our tables
# (connection lost, database locked, pool timed out). Not that the server is broken: 503.
STORE_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
)


async def _unavailable(request: Request, exc: Exception) -> Response:
    log.warning("store unavailable: %s", type(exc).__name__)
    return problems.problem_response(
        problems.UNAVAILABLE,
        "the store did not answer; retry shortly",
        instance=request.url.path,
        headers={"Retry-After": "1"},
    )


async def _internal(request: Request, exc: Exception) -> Response:
    if isinstance(exc, STORE_ERRORS):  # raised in a middleware, outside the handlers above
        return await _unavailable(request, exc)
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problems.problem_response(
        problems.INTERNAL, "something went wrong on our side", instance=request.url.path
    )


def telemetry_off() -> dict[str, Any]:
    """FastAPI's own OpenTelemetry layer switched off, where this FastAPI has one: it asks
    the environment on every request whether a provider is configured (about 5% of the
    event loop's time per POST in a profile). smallwins' metrics are Prometheus'
    (`api.observe`); it configures no OpenTelemetry provider."""
    if "telemetry" not in inspect.signature(FastAPI).parameters:
        return {}
    return {"telemetry": {"tracing": False, "metrics": False, "logs": False}}


def create_app(
    settings: Settings | None = None,
    *,
    services: Services | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> FastAPI:
    settings = settings or Settings()
    built = services or build_services(settings, clock=clock)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        built.start()
        if built.async_reads is not None:
            await built.async_reads.open()  # on this event loop, for as long as it serves
        try:
            yield
        finally:
            if built.async_reads is not None:
                await built.async_reads.close()
            built.close()

    app = FastAPI(
        title="smallwins",
        version="0.1.0",
        description="Event-sourced opportunity tracker: small wins, momentum, resume points, "
        "relationship depth, audit and win analysis.",
        lifespan=lifespan,
        servers=SERVERS,
        generate_unique_id_function=operation_id,
        **telemetry_off(),
    )
    app.state.services = built
    built.metrics.watch_projections(built.runner.statuses)
    built.metrics.registry.register(WebhookCollector(built.webhooks))

    v1 = APIRouter(prefix="/v1", responses=PROBLEM_RESPONSES)
    v1.include_router(opportunities.router)
    v1.include_router(accounts.router)
    v1.include_router(feed.router)
    v1.include_router(projections.router)
    v1.include_router(analytics.router)
    v1.include_router(agenda.router)
    v1.include_router(sellers.router)
    v1.include_router(people.router)
    v1.include_router(webhook_routes.router)
    v1.include_router(pipeline.router)
    v1.include_router(me.router)
    app.include_router(v1)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(web.router)  # the pages: public static files; their data comes from /v1

    app.add_exception_handler(problems.Problem, problems.handle_problem)
    app.add_exception_handler(DomainError, problems.handle_domain_error)
    app.add_exception_handler(RequestValidationError, problems.handle_validation)
    app.add_exception_handler(StarletteHTTPException, problems.handle_http)
    for store_error in STORE_ERRORS:
        app.add_exception_handler(store_error, _unavailable)
    app.add_exception_handler(Exception, _internal)

    app.add_middleware(FastReads, services=built)  # innermost: CORS headers apply to it
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key"],
            expose_headers=["ETag", "Location", "X-Request-ID"],
        )
    # Each add_middleware wraps what was added before; see api/middleware/__init__.py.
    app.add_middleware(IdempotencyReplay, services=built)
    app.add_middleware(BodyLimits, max_body=built.settings.max_body_bytes)
    app.add_middleware(Authenticate, services=built)  # before any body is read
    app.add_middleware(CleanUrl)
    app.add_middleware(RequestId)
    app.add_middleware(Observe, metrics=built.metrics, routes=RouteTemplates.of(app))  # outermost
    return app
