"""Each pure ASGI middleware in front of the routes (api/middleware/) does its one job, called
by hand with an app inside it standing in for the routes: RequestId names the request,
CleanUrl refuses NUL in the URL, BodyLimits bounds the body (without reading past the limit)
and wants it JSON. And in the whole app they run in the order api/app.py stacks them:
request id, clean URL, authentication (before any body is read), body limits, idempotency.
IdempotencyReplay alone is in test_idempotency_replay.py, Authenticate in
test_authentication_once.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.middleware import BodyLimits, CleanUrl, RequestId
from api.middleware.authentication import MISSING
from api.middleware.request_id import _REQUEST_ID
from api.settings import Settings
from tests.api.asgi_calls import Chunks, Inner, call, http_scope, problem, run

LIMIT = 1000
JSON = {"Content-Type": "application/json"}


# --- RequestId ------------------------------------------------------------------------------


def test_a_well_formed_request_id_is_kept_in_the_state_and_sent_back() -> None:
    inner = Inner()
    answer = call(RequestId(inner), http_scope(headers={"X-Request-ID": "req-42.a_b"}))

    assert answer.headers["x-request-id"] == "req-42.a_b"
    assert inner.scopes[0]["state"]["request_id"] == "req-42.a_b"


@pytest.mark.parametrize("given", [None, "", "has space", "x" * 65, "semi;colon"])
def test_a_missing_or_malformed_request_id_is_replaced_by_a_new_one(given: str | None) -> None:
    inner = Inner()
    headers = {} if given is None else {"X-Request-ID": given}
    answer = call(RequestId(inner), http_scope(headers=headers))

    made = answer.headers["x-request-id"]
    assert made != given
    assert _REQUEST_ID.match(made)
    assert inner.scopes[0]["state"]["request_id"] == made


def test_every_request_gets_its_own_new_id() -> None:
    ids = {call(RequestId(Inner()), http_scope()).headers["x-request-id"] for _ in range(50)}
    assert len(ids) == 50


# --- CleanUrl -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query"), [("/v1/opportunities/a\x00b", b""), ("/v1/opportunities", b"q=%00")]
)
def test_a_nul_in_the_path_or_query_is_a_400_problem_and_the_app_is_not_called(
    path: str, query: bytes
) -> None:
    inner = Inner()
    answer = call(CleanUrl(inner), http_scope(path=path, query=query))

    assert "NUL" in problem(answer, 400, "malformed-request")["detail"]
    assert inner.calls == 0


def test_a_url_without_nul_goes_on_to_the_app() -> None:
    inner = Inner()
    answer = call(CleanUrl(inner), http_scope(query=b"account=Acme%20Corp"))
    assert (answer.status, inner.calls) == (200, 1)


# --- BodyLimits -----------------------------------------------------------------------------


def test_a_body_declared_over_the_limit_is_413_before_a_byte_of_it_is_read() -> None:
    inner = Inner()
    scope = http_scope("POST", headers={**JSON, "Content-Length": str(LIMIT + 1)})
    answer = call(BodyLimits(inner, max_body=LIMIT), scope)  # receive fails if called

    assert str(LIMIT) in problem(answer, 413, "payload-too-large")["detail"]
    assert inner.calls == 0


def test_a_body_without_a_length_is_413_once_it_passes_the_limit_and_read_no_further() -> None:
    inner = Inner()
    client = Chunks(*[b"x" * 400] * 10)  # 4000 bytes in all; the 3rd chunk passes 1000
    answer = call(BodyLimits(inner, max_body=LIMIT), http_scope("POST", headers=JSON), client)

    problem(answer, 413, "payload-too-large")
    assert client.calls == 3
    assert inner.calls == 0


def test_a_body_that_lies_about_its_length_is_still_stopped_at_the_limit() -> None:
    inner = Inner()
    client = Chunks(b"x" * 600, b"x" * 600, b"x" * 600)
    scope = http_scope("POST", headers={**JSON, "Content-Length": "10"})
    answer = call(BodyLimits(inner, max_body=LIMIT), scope, client)

    problem(answer, 413, "payload-too-large")
    assert (client.calls, inner.calls) == (2, 0)


def test_a_body_of_exactly_the_limit_reaches_the_app_whole_in_one_message() -> None:
    inner = Inner()
    client = Chunks(b"a" * 500, b"b" * 300, b"c" * 200)
    answer = call(BodyLimits(inner, max_body=LIMIT), http_scope("POST", headers=JSON), client)

    assert answer.status == 200
    assert inner.received == [
        {"type": "http.request", "body": b"a" * 500 + b"b" * 300 + b"c" * 200, "more_body": False}
    ]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None]
)
def test_a_body_not_declared_json_is_415_and_the_app_is_not_called(
    content_type: str | None,
) -> None:
    inner = Inner()
    headers = {} if content_type is None else {"Content-Type": content_type}
    answer = call(
        BodyLimits(inner, max_body=LIMIT), http_scope("POST", headers=headers), Chunks(b"{}")
    )

    problem(answer, 415, "unsupported-media-type")
    assert inner.calls == 0


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b"{}"),
        ("application/json; charset=utf-8", b"{}"),
        ("application/merge-patch+json", b"{}"),
        ("text/plain", b""),
        (None, b""),
    ],
)
def test_a_json_body_or_an_empty_one_of_any_type_goes_on_to_the_app(
    content_type: str | None, body: bytes
) -> None:
    inner = Inner()
    headers = {} if content_type is None else {"Content-Type": content_type}
    answer = call(
        BodyLimits(inner, max_body=LIMIT), http_scope("POST", headers=headers), Chunks(body)
    )
    assert (answer.status, inner.calls) == (200, 1)


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_a_request_of_a_method_without_a_body_goes_on_with_its_body_unread(method: str) -> None:
    inner = Inner()
    answer = call(BodyLimits(inner, max_body=LIMIT), http_scope(method))  # receive fails if called
    assert (answer.status, inner.calls) == (200, 1)


def test_a_client_that_leaves_mid_body_gets_no_answer_and_the_app_is_not_called() -> None:
    inner = Inner()
    client = Chunks(b"{", then_disconnect=True)
    sent = run(BodyLimits(inner, max_body=LIMIT), http_scope("POST", headers=JSON), client)
    assert (sent, inner.calls) == ([], 0)


# --- the order, in the whole app ------------------------------------------------------------


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    """The whole app on SQLite, started; requests are made by hand, not by its client."""
    built = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'order.db'}"))
    with TestClient(built):
        yield built


def bearer(app: FastAPI, role: str = "editor") -> dict[str, str]:
    _key, token = app.state.services.keys.create(f"{role}-key", role)
    return {"Authorization": f"Bearer {token}"}


def test_an_unauthenticated_post_of_a_huge_body_is_401_not_413_and_its_body_is_never_read(
    app: FastAPI,
) -> None:
    headers = {"Content-Type": "application/json", "Content-Length": "1000000000"}
    answer = call(app, http_scope("POST", headers=headers))  # receive fails the test if called

    assert problem(answer, 401, "unauthorized")["detail"] == MISSING
    assert answer.headers["x-request-id"]


def test_an_authenticated_post_declared_over_the_limit_is_413_and_its_body_is_never_read(
    app: FastAPI,
) -> None:
    headers = {**bearer(app), "Content-Type": "application/json", "Content-Length": "1000000000"}
    answer = call(app, http_scope("POST", headers=headers))

    problem(answer, 413, "payload-too-large")


def test_a_nul_in_the_url_is_400_before_the_key_is_asked_for(app: FastAPI) -> None:
    answer = call(app, http_scope("GET", "/v1/opportunities", query=b"account=%00"))

    problem(answer, 400, "malformed-request")
    assert answer.headers["x-request-id"]


def test_a_post_refused_by_the_body_limits_does_not_claim_its_idempotency_key(
    app: FastAPI,
) -> None:
    headers = {**bearer(app), "Idempotency-Key": "first-try"}
    not_json = call(
        app,
        http_scope("POST", headers={**headers, "Content-Type": "text/plain"}),
        Chunks(b'{"title": "T", "account": "A"}'),
    )
    assert not_json.status == 415

    opened = call(
        app,
        http_scope("POST", headers={**headers, "Content-Type": "application/json"}),
        Chunks(b'{"title": "T", "account": "A"}'),
    )
    assert opened.status == 201
    assert "idempotent-replayed" not in opened.headers


def counted(real: Any, name: str, asked: list[str]) -> Any:
    def asking() -> object:
        asked.append(name)
        return real()

    return asking


def test_a_request_asks_nothing_of_opentelemetry(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    for module, getter in (
        ("opentelemetry.trace", "get_tracer_provider"),
        ("opentelemetry.metrics", "get_meter_provider"),
        ("opentelemetry._logs", "get_logger_provider"),
    ):
        found = pytest.importorskip(module)
        monkeypatch.setattr(found, getter, counted(getattr(found, getter), getter, asked))

    answer = call(app, http_scope("GET", "/v1/opportunities", headers=bearer(app)))

    assert answer.status == 200
    assert asked == []
