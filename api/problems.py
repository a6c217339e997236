"""RFC 9457 problem details: one shape, one stable `type` per kind of problem, and one
table mapping domain exceptions to them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from domain import errors
from domain.records import EVENT_TYPES

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True, slots=True)
class Kind:
    slug: str
    status: int
    title: str

    @property
    def type(self) -> str:
        return f"/problems/{self.slug}"


MALFORMED = Kind("malformed-request", 400, "Malformed request")
UNAUTHORIZED = Kind("unauthorized", 401, "Missing or invalid API key")
FORBIDDEN = Kind("forbidden", 403, "The API key's role does not allow this")
NOT_FOUND = Kind("not-found", 404, "Not found")
METHOD_NOT_ALLOWED = Kind("method-not-allowed", 405, "Method not allowed")
NOT_ACCEPTABLE = Kind("not-acceptable", 406, "Not acceptable")
CONFLICT = Kind("invariant-violated", 409, "The opportunity's lifecycle does not allow this")
IN_PROGRESS = Kind("request-in-progress", 409, "A request with this Idempotency-Key is in progress")
PRECONDITION_FAILED = Kind(
    "precondition-failed", 412, "If-Match does not match the current version"
)
TOO_LARGE = Kind("payload-too-large", 413, "Request body too large")
UNSUPPORTED_MEDIA = Kind("unsupported-media-type", 415, "Request body must be application/json")
VALIDATION = Kind("validation-error", 422, "The request is not valid")
IDEMPOTENCY_REUSED = Kind(
    "idempotency-key-reused", 422, "This Idempotency-Key was used with another request"
)
UNAVAILABLE = Kind("service-unavailable", 503, "The store is not reachable")
INTERNAL = Kind("internal-error", 500, "Internal error")

KINDS: tuple[Kind, ...] = (
    MALFORMED,
    UNAUTHORIZED,
    FORBIDDEN,
    NOT_FOUND,
    METHOD_NOT_ALLOWED,
    NOT_ACCEPTABLE,
    CONFLICT,
    IN_PROGRESS,
    PRECONDITION_FAILED,
    TOO_LARGE,
    UNSUPPORTED_MEDIA,
    VALIDATION,
    IDEMPOTENCY_REUSED,
    UNAVAILABLE,
    INTERNAL,
)
_BY_STATUS = {k.status: k for k in reversed(KINDS)}


class Problem(Exception):
    """Raise anywhere in the API to answer with a problem document."""

    def __init__(
        self,
        kind: Kind,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


def problem_response(
    kind: Kind,
    detail: str,
    *,
    instance: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": kind.type,
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    all_headers = dict(headers or {})
    if kind.status == 401:
        all_headers.setdefault("WWW-Authenticate", 'Bearer realm="smallwins"')
    return Response(orjson.dumps(body), kind.status, all_headers, media_type=PROBLEM_JSON)


def field_error(loc: list[str | int], message: str) -> dict[str, Any]:
    return {
        "loc": loc,
        "field": ".".join(str(p) for p in loc[1:]) or str(loc[0]),
        "message": message,
    }


# The one table from domain exceptions to problem kinds.
DOMAIN_PROBLEMS: tuple[tuple[type[errors.DomainError], Kind], ...] = (
    (errors.InvalidValue, VALIDATION),
    (errors.OpportunityNotFound, NOT_FOUND),
    (errors.VersionConflict, PRECONDITION_FAILED),
    (errors.InvariantViolated, CONFLICT),
)


def from_domain(error: errors.DomainError) -> Problem:
    for exception_type, kind in DOMAIN_PROBLEMS:
        if isinstance(error, exception_type):
            if isinstance(error, errors.InvalidValue):
                loc: list[str | int] = [
                    "body",
                    *(int(p) if p.isdigit() else p for p in error.field.split(".")),
                ]
                return Problem(kind, str(error), errors=[field_error(loc, error.message)])
            if isinstance(error, errors.OpportunityNotFound):
                return Problem(kind, "no opportunity has this id")
            return Problem(kind, str(error))
    return Problem(CONFLICT, str(error))


async def handle_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)  # noqa: S101 (registered for Problem only)
    return problem_response(
        exc.kind, exc.detail, instance=request.url.path, errors=exc.errors, headers=exc.headers
    )


async def handle_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.DomainError)  # noqa: S101
    return await handle_problem(request, from_domain(exc))


async def handle_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)  # noqa: S101
    problems = list(exc.errors())
    if any(p.get("type") == "json_invalid" for p in problems):
        return problem_response(MALFORMED, "the body is not valid JSON", instance=request.url.path)
    details = [field_error(_path(e), str(e.get("msg", ""))) for e in problems]
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:5])
    return problem_response(VALIDATION, summary, instance=request.url.path, errors=details)


_TAG_ERRORS = frozenset({"union_tag_invalid", "union_tag_not_found"})


def _path(error: Any) -> list[str | int]:
    """The field path, without the union tag pydantic inserts for discriminated bodies; a
    missing or unknown tag is reported at the tag's own field (`type`), not at the body."""
    path: list[str | int] = [p if isinstance(p, int) else str(p) for p in error.get("loc", ())]
    if len(path) > 2 and path[0] == "body" and path[1] in EVENT_TYPES:
        del path[1]
    if error.get("type") in _TAG_ERRORS:
        path.append(str(error.get("ctx", {}).get("discriminator", "type")).strip("'"))
    return path


async def handle_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101
    kind = _BY_STATUS.get(exc.status_code, INTERNAL if exc.status_code >= 500 else MALFORMED)
    detail = exc.detail if isinstance(exc.detail, str) else kind.title
    if exc.status_code == 404:
        detail = "no such resource"
    return problem_response(
        kind, detail, instance=request.url.path, headers=dict(exc.headers or {})
    )
