"""Auth is table-driven from the app's own routes: a route added tomorrow is checked too.

Every route under /v1 declares its role with `api.auth.require(role)` (the dependency carries
`required_role`); without a key it answers 401, below its role 403, with its role (or a higher
one) neither. Public are only health, docs and the OpenAPI document (DESIGN section 4), plus
/metrics (public by decision, see api/routers/metrics.py) and the web pages, which are static
files holding no data (api/routers/web.py): each of those is checked to serve no data."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant

from api.keys import ROLES

PUBLIC = frozenset(
    {"/healthz", "/readyz", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json", "/metrics"}
)
WEB_MODULE = "api.routers.web"
STATIC_TYPES = ("text/html", "text/css", "text/javascript", "image/")
PARAMETER = re.compile(r"\{(\w+)(:\w+)?\}")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    role: str | None  # None: the route declares no role
    module: str  # where its endpoint function lives


def _contexts(app: FastAPI) -> Iterator[Any]:
    """Every route, with the prefixes of the routers it was included through."""
    iterate = getattr(routing, "iter_route_contexts", None)  # FastAPI >= 0.13x
    if iterate is None:
        yield from app.routes
    else:
        yield from iterate(app.routes)


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependencies(sub)


def _role(dependant: Dependant) -> str | None:
    roles = [getattr(d.call, "required_role", None) for d in _dependencies(dependant)]
    declared = [role for role in roles if role is not None]
    return max(declared, key=ROLES.index) if declared else None


def endpoints(app: FastAPI) -> list[Endpoint]:
    found = []
    for context in _contexts(app):
        original = getattr(context, "original_route", context)
        path = context.path
        is_api = isinstance(original, routing.APIRoute)
        role = _role(context.dependant) if is_api else None
        module = getattr(getattr(original, "endpoint", None), "__module__", "")
        for method in sorted((context.methods or {"GET"}) - {"HEAD"}):
            found.append(Endpoint(method, path, role, module))
    assert found, "the app exposes no routes at all?"
    return found


def v1_endpoints(app: FastAPI) -> list[Endpoint]:
    found = [e for e in endpoints(app) if e.path.startswith("/v1/")]
    assert len(found) >= 5, found  # open, record, read, history, feed at least
    return found


def concrete(path: str, deal: str, **samples: str) -> str:
    """The path with real values for its parameters (unknown ones: their own name)."""
    known = {"opportunity_id": deal, "account": "Acme Corp", "name": "pipeline", **samples}
    return PARAMETER.sub(lambda m: known.get(m.group(1), m.group(1)), path)


def request(api: Any, endpoint: Endpoint, deal: str, headers: dict[str, str]) -> Any:
    """A plausible request for any endpoint: real ids, a valid body where one is known."""
    path = concrete(endpoint.path, deal)
    body: dict[str, Any] = {}
    if endpoint.path == "/v1/opportunities":
        body = {"title": "Role check", "account": "Acme Corp"}
    elif endpoint.path.endswith("/events"):
        body = {"type": "CustomerDataGathered", "summary": "Role check"}
    if endpoint.method in ("POST", "PUT", "PATCH"):
        return api.client.request(endpoint.method, path, json=body, headers=headers)
    return api.client.request(endpoint.method, path, headers=headers)


def test_every_v1_route_declares_a_role_and_only_health_docs_metrics_and_pages_are_public(
    api: Any,
) -> None:
    unguarded = [
        f"{e.method} {e.path}"
        for e in endpoints(api.app)
        if e.role is None and e.path not in PUBLIC and e.module != WEB_MODULE
    ]
    assert unguarded == []
    assert all(e.role in ROLES for e in v1_endpoints(api.app))
    assert not [
        e for e in endpoints(api.app) if e.module == WEB_MODULE and e.path.startswith("/v1")
    ]


def test_the_public_web_routes_serve_only_static_pages_and_redirects(api: Any) -> None:
    deal = api.open(account="Acme Corp")["id"]
    pages = [e for e in endpoints(api.app) if e.module == WEB_MODULE]
    served = []
    for endpoint in pages:
        path = concrete(endpoint.path, deal, name="app.css")
        response = api.client.request(endpoint.method, path, follow_redirects=False)
        served.append(response.status_code)
        content_type = response.headers.get("content-type", "")
        if response.is_redirect:
            assert not response.headers["location"].startswith("/v1"), path
            continue
        assert response.status_code == 200, (path, response.status_code)
        assert content_type.startswith(STATIC_TYPES), (path, content_type)
        assert deal not in response.text, path
        assert "Acme" not in response.text, path
    assert not pages or 200 in served


def test_every_v1_route_answers_401_without_a_key_or_with_an_invalid_one(api: Any) -> None:
    deal = api.open()["id"]
    before = api.feed()
    refusals = [None, "Bearer sw_0000000000000000_nope", "Token abc"]
    wrong = []
    for endpoint in v1_endpoints(api.app):
        for authorization in refusals:
            headers = {} if authorization is None else {"Authorization": authorization}
            response = request(api, endpoint, deal, headers)
            if response.status_code != 401 or response.json()["type"] != "/problems/unauthorized":
                wrong.append((endpoint.method, endpoint.path, authorization, response.status_code))
    assert wrong == []
    assert api.feed() == before


def test_a_key_below_the_routes_role_gets_403_and_one_at_or_above_it_gets_through(api: Any) -> None:
    deal = api.open()["id"]
    wrong = []
    for endpoint in v1_endpoints(api.app):
        assert endpoint.role is not None
        required = ROLES.index(endpoint.role)
        for role in ROLES:
            response = request(api, endpoint, deal, api.auth(role))
            below = ROLES.index(role) < required
            if below and (response.status_code, response.json()["type"]) != (
                403,
                "/problems/forbidden",
            ):
                wrong.append(
                    (endpoint.method, endpoint.path, role, "expected 403", response.status_code)
                )
            if not below and response.status_code in (401, 403):
                wrong.append(
                    (endpoint.method, endpoint.path, role, "refused", response.status_code)
                )
    assert wrong == []


def test_writes_need_editor_and_reads_need_only_viewer(api: Any) -> None:
    roles = {(e.method, e.path): e.role for e in v1_endpoints(api.app)}
    assert roles[("POST", "/v1/opportunities")] == "editor"
    assert roles[("POST", "/v1/opportunities/{opportunity_id}/events")] == "editor"
    for read in (
        "/v1/opportunities/{opportunity_id}",
        "/v1/opportunities/{opportunity_id}/history",
        "/v1/events",
    ):
        assert roles[("GET", read)] == "viewer"


def test_the_public_routes_answer_without_a_key(api: Any) -> None:
    for path in ("/healthz", "/readyz", "/openapi.json", "/docs"):
        response = api.client.get(path)
        assert response.status_code == 200, (path, response.status_code)


def test_the_public_metrics_tell_no_ids_names_or_bodies(api: Any) -> None:
    key_name = "jo-secret-name"
    jo = {"Authorization": f"Bearer {api.token('editor', name=key_name)}"}
    opened = api.client.post(
        "/v1/opportunities", json={"title": "Zanzibar rollout", "account": "Umbrella"}, headers=jo
    ).json()
    api.state(opened["id"])

    response = api.client.get("/metrics")

    assert response.status_code == 200
    for secret in (opened["id"], key_name, "Zanzibar", "Umbrella"):
        assert secret not in response.text


def test_the_openapi_document_requires_bearer_auth_on_every_v1_operation(api: Any) -> None:
    document = api.client.get("/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    bearer = [name for name, scheme in schemes.items() if scheme.get("scheme") == "bearer"]
    assert bearer
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            secured = any(name in req for req in operation.get("security", []) for name in bearer)
            assert secured == path.startswith("/v1/"), (method, path)
