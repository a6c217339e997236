"""The one error shape, pinned: RFC 9457 `application/problem+json` with `type`, `title`,
`status`, `detail`, `instance` (and `errors` for validation), one stable `type` per kind of
problem, and nothing about the server's insides in any of them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import OperationalError
from fastapi.testclient import TestClient

# The pinned contract: changing a `type` breaks clients that branch on it.
PINNED_TYPES = {
    "malformed": (400, "/problems/malformed-request"),
    "unauthorized": (401, "/problems/unauthorized"),
    "forbidden": (403, "/problems/forbidden"),
    "not-found": (404, "/problems/not-found"),
    "no-such-route": (404, "/problems/not-found"),
    "method-not-allowed": (405, "/problems/method-not-allowed"),
    "invariant-violated": (409, "/problems/invariant-violated"),
    "precondition-failed": (412, "/problems/precondition-failed"),
    "too-large": (413, "/problems/payload-too-large"),
    "unsupported-media": (415, "/problems/unsupported-media-type"),
    "invalid-body": (422, "/problems/validation-error"),
    "invalid-query": (422, "/problems/validation-error"),
    "invalid-cursor": (422, "/problems/validation-error"),
    "idempotency-key-reused": (422, "/problems/idempotency-key-reused"),
}
KEYS = {"type", "title", "status", "detail", "instance"}
LEAKS = re.compile(
    r"Traceback|File \"|\.py\b|eventsourcing|psycopg|sqlite|pydantic|starlette|fastapi|"
    r"Exception|Error\(|\b(api|domain|projections)\.[a-z_]+|/work/|site-packages|0x[0-9a-f]{6,}",
    re.IGNORECASE,
)


def provoke(api: Any, kind: str) -> tuple[Any, str]:
    """One real request that answers with problem `kind`; returns it and its path."""
    deal = api.open()["id"]
    events = f"/v1/opportunities/{deal}/events"
    json_type = {"Content-Type": "application/json"}
    limit = api.app.state.services.settings.max_body_bytes
    calls: dict[str, Callable[[], tuple[str, str, dict[str, Any]]]] = {
        "malformed": lambda: ("POST", events, {"content": b"{", "headers": api.auth(**json_type)}),
        "unauthorized": lambda: ("GET", f"/v1/opportunities/{deal}", {}),
        "forbidden": lambda: (
            "POST",
            events,
            {"json": {"type": "Resumed"}, "headers": api.auth("viewer")},
        ),
        "not-found": lambda: (
            "GET",
            f"/v1/opportunities/{uuid4()}",
            {"headers": api.auth("viewer")},
        ),
        "no-such-route": lambda: ("GET", "/v1/no-such-thing", {"headers": api.auth("viewer")}),
        "method-not-allowed": lambda: (
            "DELETE",
            f"/v1/opportunities/{deal}",
            {"headers": api.auth("admin")},
        ),
        "invariant-violated": lambda: (
            "POST",
            events,
            {"json": {"type": "Resumed"}, "headers": api.auth()},
        ),
        "precondition-failed": lambda: (
            "POST",
            events,
            {
                "json": {"type": "Paused", "reason": "later"},
                "headers": api.auth(**{"If-Match": '"7"'}),
            },
        ),
        "too-large": lambda: (
            "POST",
            events,
            {
                "content": json.dumps(
                    {"type": "CustomerDataGathered", "summary": "x" * limit}
                ).encode(),
                "headers": api.auth(**json_type),
            },
        ),
        "unsupported-media": lambda: (
            "POST",
            events,
            {"content": b"type=Resumed", "headers": api.auth(**{"Content-Type": "text/plain"})},
        ),
        "invalid-body": lambda: (
            "POST",
            events,
            {"json": {"type": "MeetingGained"}, "headers": api.auth()},
        ),
        "invalid-query": lambda: (
            "GET",
            f"/v1/opportunities/{deal}/history",
            {"params": {"limit": "0"}, "headers": api.auth("viewer")},
        ),
        "invalid-cursor": lambda: (
            "GET",
            f"/v1/opportunities/{deal}/history",
            {"params": {"cursor": "!!"}, "headers": api.auth("viewer")},
        ),
    }
    if kind == "idempotency-key-reused":
        headers = api.auth(**{"Idempotency-Key": "reused"})
        first = api.client.post(
            events, json={"type": "CustomerDataGathered", "summary": "a"}, headers=headers
        )
        assert first.status_code == 201
        calls[kind] = lambda: (
            "POST",
            events,
            {"json": {"type": "CustomerDataGathered", "summary": "b"}, "headers": headers},
        )
    method, path, options = calls[kind]()
    return api.client.request(method, path, **options), path


def assert_problem_shape(response: Any, status: int, path: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    expected_keys = KEYS | ({"errors"} if "errors" in body else set())
    assert set(body) == expected_keys
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert body["type"].startswith("/problems/")
    assert body["instance"] == path
    if "errors" in body:
        assert status == 422
        for error in body["errors"]:
            assert set(error) == {"loc", "field", "message"}
            assert error["loc"][0] in ("body", "query", "path", "header")
    assert not LEAKS.search(response.text), response.text
    return body


@pytest.mark.parametrize("kind", list(PINNED_TYPES))
def test_every_kind_of_problem_has_the_pinned_shape_and_type(api: Any, kind: str) -> None:
    status, problem_type = PINNED_TYPES[kind]

    response, path = provoke(api, kind)

    body = assert_problem_shape(response, status, path)
    assert body["type"] == problem_type
    if status == 401:
        assert response.headers["www-authenticate"].lower().startswith("bearer")
    if status == 405:
        assert "GET" in response.headers["allow"]
    if kind.startswith("invalid-"):
        assert body["errors"]


def test_one_type_has_one_title_and_one_status(api: Any) -> None:
    seen: dict[str, tuple[str, int]] = {}
    for kind in ("not-found", "no-such-route", "invalid-body", "invalid-query", "invalid-cursor"):
        body = provoke(api, kind)[0].json()
        assert seen.setdefault(body["type"], (body["title"], body["status"])) == (
            body["title"],
            body["status"],
        )


INTERNALS = (
    'Traceback (most recent call last):\n  File "/work/main/domain/application.py", line 99'
    " eventsourcing.persistence.ProgrammingError psycopg.errors.UndefinedTable smallwins_events"
)


def test_an_unexpected_failure_is_a_500_problem_that_tells_nothing_of_the_insides(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    deal = api.open()["id"]

    def boom(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError(INTERNALS)

    monkeypatch.setattr(api.app.state.services.opportunities, "save", boom)
    client = TestClient(api.app, raise_server_exceptions=False)

    path = f"/v1/opportunities/{deal}/events"
    response = client.post(
        path, json={"type": "CustomerDataGathered", "summary": "x"}, headers=api.auth()
    )

    body = assert_problem_shape(response, 500, path)
    assert body["type"] == "/problems/internal-error"


def test_an_unreachable_store_is_a_503_problem_with_retry_after(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    deal = api.open()["id"]

    def unreachable(*_args: Any, **_kwargs: Any) -> None:
        raise OperationalError(INTERNALS)

    monkeypatch.setattr(api.app.state.services.opportunities, "save", unreachable)
    path = f"/v1/opportunities/{deal}/events"

    response = api.client.post(
        path, json={"type": "CustomerDataGathered", "summary": "x"}, headers=api.auth()
    )

    body = assert_problem_shape(response, 503, path)
    assert body["type"] == "/problems/service-unavailable"
    assert response.headers["retry-after"].isdigit()


def test_the_openapi_document_describes_errors_as_problem_json(api: Any) -> None:
    document = api.client.get("/openapi.json").json()
    problem = document["components"]["schemas"]["ProblemOut"]
    assert {"type", "title", "status", "detail"} <= set(problem["required"])
    record = document["paths"]["/v1/opportunities/{opportunity_id}/events"]["post"]["responses"]
    for status in ("400", "401", "403", "404", "409", "412", "413", "415", "422"):
        assert "application/problem+json" in record[status]["content"], status
