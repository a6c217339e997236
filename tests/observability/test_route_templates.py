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
