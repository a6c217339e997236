"""Requests are labelled by the template of the route that serves them: bounded label values
that carry no ids, names or accounts."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from api.metrics import UNMATCHED
from api.observe import RouteTemplates


def nested_app() -> FastAPI:
    app = FastAPI()
    deals = APIRouter(prefix="/deals")
    deals.add_api_route("/{deal_id}", lambda deal_id: deal_id)
    deals.add_api_route("/{deal_id}/history", lambda deal_id: deal_id)
    v1 = APIRouter(prefix="/v1")
    v1.include_router(deals)
    app.include_router(v1)
    app.add_api_route("/files/{name:path}", lambda name: name, include_in_schema=False)
    app.add_api_route("/healthz", lambda: "ok")
    return app


def test_a_path_inside_nested_routers_is_labelled_with_its_full_template() -> None:
    templates = RouteTemplates.of(nested_app())

    assert templates.match("/v1/deals/8d2f") == "/v1/deals/{deal_id}"
    assert templates.match("/v1/deals/8d2f/history") == "/v1/deals/{deal_id}/history"
    assert templates.match("/healthz") == "/healthz"


def test_routes_hidden_from_the_schema_and_path_convertors_are_matched_too() -> None:
    templates = RouteTemplates.of(nested_app())

    assert templates.match("/files/js/app.js") == "/files/{name}"


def test_a_path_no_route_serves_is_unmatched() -> None:
    templates = RouteTemplates.of(nested_app())

    assert templates.match("/v1/deals") == UNMATCHED
    assert templates.match("/wp-admin/login.php") == UNMATCHED


def test_paths_that_differ_only_in_their_ids_are_matched_against_the_routes_once() -> None:
    templates = RouteTemplates.of(nested_app())
    tried: list[str] = []
    match = templates._match
    templates._match = lambda path: tried.append(path) or match(path)  # type: ignore[method-assign]
    ids = ("0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b", "0193a1b2-7c4d-7e8f-9a0b-ffffffffffff")

    labels = [templates.match(f"/v1/deals/{deal}/history") for deal in ids * 3]

    assert labels == ["/v1/deals/{deal_id}/history"] * 6
    assert len(tried) == 1
    assert templates.match(f"/files/{ids[0]}/a.js") == "/files/{name}"
    assert templates.match(f"/v1/deals/{ids[0]}/nothing") == UNMATCHED
