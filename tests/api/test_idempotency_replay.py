"""IdempotencyReplay, called by hand on a real Idempotency-Key store (SQLite or PostgreSQL),
with an app inside it standing in for the routes: a POST with an Idempotency-Key is answered
by the app once and replayed after; anything else goes on untouched."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from api.idempotency import IdempotencyStore
from api.keys import ApiKey
from api.middleware import IdempotencyReplay
from storage.config import parse_database_url
from storage.gateway import Database
from tests.api.asgi_calls import Chunks, Inner, call, http_scope, problem

JSON = {"Content-Type": "application/json"}


CALLER = ApiKey("k1", "editor-key", "editor", "2026-03-02T09:00:00+00:00", None)
OTHER = ApiKey("k2", "other-key", "editor", "2026-03-02T09:00:00+00:00", None)


@pytest.fixture
def idempotency(database_url: str) -> Iterator[SimpleNamespace]:
    """Services holding only a real Idempotency-Key store, on SQLite or PostgreSQL."""
    database = Database(parse_database_url(database_url, pool_size=2))
    try:
        yield SimpleNamespace(idempotency=IdempotencyStore(database, timedelta(hours=24)))
    finally:
        database.close()


def post(body: bytes, key: str | None = "key-1", caller: ApiKey | None = CALLER) -> tuple[Any, Any]:
    """An authenticated POST (the state Authenticate leaves) and its client."""
    headers = dict(JSON) if key is None else {**JSON, "Idempotency-Key": key}
    scope = http_scope("POST", headers=headers)
    if caller is not None:
        scope["state"] = {"api_key": caller}
    return scope, Chunks(body)


def test_a_repeated_post_gets_the_first_answer_replayed_and_the_app_answers_only_once(
    idempotency: SimpleNamespace,
) -> None:
    inner = Inner(status=201, body=b'{"id": "one"}')
    middleware = IdempotencyReplay(inner, idempotency)

    first = call(middleware, *post(b'{"title": "T"}'))
    again = call(middleware, *post(b'{ "title" :  "T" }'))  # the same JSON, formatted otherwise

    assert inner.calls == 1
    assert (first.status, again.status) == (201, 201)
    assert again.body == first.body == b'{"id": "one"}'
    assert again.headers["idempotent-replayed"] == "true"
    assert (again.headers["etag"], again.headers["content-type"]) == ('"1"', "application/json")
    assert "idempotent-replayed" not in first.headers


def test_a_key_reused_with_another_body_is_422_and_the_app_is_not_called_again(
    idempotency: SimpleNamespace,
) -> None:
    inner = Inner(status=201)
    middleware = IdempotencyReplay(inner, idempotency)

    call(middleware, *post(b'{"title": "T"}'))
    reused = call(middleware, *post(b'{"title": "U"}'))

    problem(reused, 422, "idempotency-key-reused")
    assert inner.calls == 1


def test_the_same_key_from_another_api_key_is_another_request(idempotency: SimpleNamespace) -> None:
    inner = Inner(status=201)
    middleware = IdempotencyReplay(inner, idempotency)

    call(middleware, *post(b"{}", caller=CALLER))
    theirs = call(middleware, *post(b"{}", caller=OTHER))

    assert "idempotent-replayed" not in theirs.headers
    assert inner.calls == 2


@pytest.mark.parametrize("status", [500, 503])
def test_a_failed_first_answer_is_not_kept_so_the_key_can_be_retried(
    idempotency: SimpleNamespace, status: int
) -> None:
    failing = IdempotencyReplay(Inner(status=status), idempotency)
    assert call(failing, *post(b"{}")).status == status

    inner = Inner(status=201)
    retried = call(IdempotencyReplay(inner, idempotency), *post(b"{}"))
    assert (retried.status, inner.calls) == (201, 1)


def test_an_error_escaping_the_app_releases_the_key(idempotency: SimpleNamespace) -> None:
    raising = IdempotencyReplay(Inner(error=RuntimeError("boom")), idempotency)
    with pytest.raises(RuntimeError):
        call(raising, *post(b"{}"))

    inner = Inner(status=201)
    assert call(IdempotencyReplay(inner, idempotency), *post(b"{}")).status == 201


@pytest.mark.parametrize("key", ["", "   ", "k" * 256])
def test_a_malformed_idempotency_key_is_422_before_the_body_is_read(
    idempotency: SimpleNamespace, key: str
) -> None:
    inner = Inner()
    scope, _client = post(b"{}", key=key)
    answer = call(IdempotencyReplay(inner, idempotency), scope)

    body = problem(answer, 422, "validation-error")
    assert body["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    assert inner.calls == 0


@pytest.mark.parametrize(
    ("method", "key", "caller"),
    [("POST", None, CALLER), ("POST", "key-1", None), ("PUT", "key-1", CALLER)],
    ids=["no-idempotency-key", "not-authenticated", "not-a-post"],
)
def test_a_request_that_is_not_an_authenticated_post_with_a_key_is_never_remembered(
    idempotency: SimpleNamespace, method: str, key: str | None, caller: ApiKey | None
) -> None:
    inner = Inner(status=201)
    middleware = IdempotencyReplay(inner, idempotency)
    for _ in range(2):
        scope, client = post(b"{}", key=key, caller=caller)
        scope["method"] = method
        assert "idempotent-replayed" not in call(middleware, scope, client).headers
    assert inner.calls == 2
