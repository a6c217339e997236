"""Who is asking is decided once per request, by the Authenticate middleware, before any byte
of the body is read; the routes' role checks (`api.auth.require`) only read the key it left
in the request state and never look a key up themselves."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI

from api.auth import NOT_CHECKED, Viewer
from api.keys import ApiKey
from api.middleware import Authenticate
from api.middleware.authentication import MISSING, REFUSED
from tests.api.asgi_calls import Answer, Inner, call, http_scope, problem

KNOWN = ApiKey("k1", "editor-key", "editor", "2026-03-02T09:00:00+00:00", None)


class Keys:
    """A key store that knows one token, counting how often it is asked."""

    def __init__(self, remembers: bool = False) -> None:
        self.remembers = remembers
        self.remembered_calls = 0
        self.lookups: list[str] = []

    def remembered(self, token: str) -> ApiKey | None:
        self.remembered_calls += 1
        return KNOWN if self.remembers and token == "sw_k1_good" else None

    def authenticate(self, token: str) -> ApiKey | None:
        self.lookups.append(token)
        return KNOWN if token == "sw_k1_good" else None


def refused(answer: Answer, detail: str) -> None:
    assert problem(answer, 401, "unauthorized")["detail"] == detail
    assert answer.headers["www-authenticate"].startswith("Bearer")


# --- the middleware -------------------------------------------------------------------------


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer   ", "Basic c3c6c3c="])
def test_a_v1_request_without_a_key_is_401_before_its_body_is_read_and_nothing_is_looked_up(
    authorization: str | None,
) -> None:
    keys, inner = Keys(), Inner()
    headers = {"Content-Length": "100"}
    if authorization is not None:
        headers["Authorization"] = authorization
    answer = call(
        Authenticate(inner, SimpleNamespace(keys=keys)),
        http_scope("POST", headers=headers),  # its receive fails the test if called
    )

    refused(answer, MISSING)
    assert (keys.remembered_calls, keys.lookups, inner.calls) == (0, [], 0)


def test_an_unknown_key_is_looked_up_exactly_once_and_refused_before_the_body_is_read() -> None:
    keys, inner = Keys(), Inner()
    headers = {"Authorization": "Bearer sw_k9_unknown", "Content-Length": "100"}
    answer = call(
        Authenticate(inner, SimpleNamespace(keys=keys)), http_scope("POST", headers=headers)
    )

    refused(answer, REFUSED)
    assert (keys.lookups, inner.calls) == (["sw_k9_unknown"], 0)


def test_a_known_key_is_looked_up_once_and_left_in_the_request_state_for_the_routes() -> None:
    keys, inner = Keys(), Inner(read_body=False)
    headers = {"Authorization": "bearer  sw_k1_good "}
    answer = call(Authenticate(inner, SimpleNamespace(keys=keys)), http_scope(headers=headers))

    assert answer.status == 200
    assert keys.lookups == ["sw_k1_good"]
    assert inner.scopes[0]["state"]["api_key"] is KNOWN


def test_a_key_this_process_remembers_is_not_looked_up_in_the_store() -> None:
    keys, inner = Keys(remembers=True), Inner(read_body=False)
    headers = {"Authorization": "Bearer sw_k1_good"}
    call(Authenticate(inner, SimpleNamespace(keys=keys)), http_scope(headers=headers))

    assert (keys.remembered_calls, keys.lookups) == (1, [])
    assert inner.scopes[0]["state"]["api_key"] is KNOWN


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/healthz"),
        ("GET", "/metrics"),
        ("GET", "/app/"),
        ("GET", "/v10/opportunities"),
        ("OPTIONS", "/v1/opportunities"),
    ],
)
def test_paths_outside_v1_and_cors_preflights_go_on_without_a_key(method: str, path: str) -> None:
    keys, inner = Keys(), Inner(read_body=False)
    answer = call(Authenticate(inner, SimpleNamespace(keys=keys)), http_scope(method, path))

    assert (answer.status, inner.calls) == (200, 1)
    assert "api_key" not in inner.scopes[0].get("state", {})
    assert (keys.remembered_calls, keys.lookups) == (0, [])


# --- once per request, in the served app ----------------------------------------------------


@pytest.fixture
def lookups(api: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every token the app's key store looks up; nothing is taken from what it remembers,
    so every authentication is a look-up."""
    keys = api.app.state.services.keys
    found: list[str] = []
    authenticate = keys.authenticate

    def counted(token: str) -> ApiKey | None:
        found.append(token)
        return authenticate(token)

    monkeypatch.setattr(keys, "remembered", lambda _token: None)
    monkeypatch.setattr(keys, "authenticate", counted)
    return found


def test_every_v1_request_looks_its_key_up_exactly_once_whatever_the_answer(
    api: Any, lookups: list[str]
) -> None:
    viewer, editor = api.token("viewer"), api.token("editor")
    unknown = "sw_0000000000000000_unknown"
    body = {"title": "Once", "account": "Acme Corp"}
    requests = [
        ("GET", "/v1/opportunities", unknown, None, 401),
        ("POST", "/v1/opportunities", unknown, body, 401),
        ("GET", "/v1/opportunities", viewer, None, 200),
        ("POST", "/v1/opportunities", viewer, body, 403),
        ("POST", "/v1/opportunities", editor, body, 201),
        ("GET", "/v1/events", editor, None, 200),
    ]
    for method, path, token, json, status in requests:
        lookups.clear()
        headers = {"Authorization": f"Bearer {token}"}
        response = api.client.request(method, path, json=json, headers=headers)
        assert response.status_code == status, (method, path, response.text)
        assert lookups == [token], (method, path)

    lookups.clear()
    api.problem(api.client.get("/v1/opportunities"), 401, "unauthorized")
    assert lookups == []


def outside_route(app: FastAPI) -> str:
    """A route with a role check on a path Authenticate does not cover."""

    @app.get("/outside/of/v1")
    async def outside(_key: Viewer) -> dict[str, str]:
        return {"reached": "yes"}

    return "/outside/of/v1"


def test_the_role_check_never_looks_a_key_up_so_a_route_the_middleware_skips_is_401_even_with_a_valid_key(
    api: Any, lookups: list[str]
) -> None:
    path = outside_route(api.app)

    with_key = api.client.get(path, headers=api.auth("admin"))
    without = api.client.get(path)

    assert api.problem(with_key, 401, "unauthorized")["detail"] == NOT_CHECKED
    assert api.problem(without, 401, "unauthorized")["detail"] == MISSING
    assert with_key.headers["www-authenticate"].startswith("Bearer")
    assert lookups == []
