"""The OpenAPI document serves generated clients without workarounds: it is valid OpenAPI
3.1, its operation ids are short and unique, it declares the headers the API reads and sends,
its datetimes and enumerations are typed and named from the domain's own tuples, the history
and feed carry typed data per event type, and the public operations say they need no key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis

from api.app import create_app
from api.settings import Settings
from domain.ladder import STAGES
from domain.lifecycle import STATUSES
from domain.momentum import TRENDS
from domain.opportunity import EVENTS
from domain.records import EVENT_TYPES
from domain.relationships import DEPTHS
from domain.rules import CHANNELS, ROLES, SOURCES
from domain.schema import data_fields
from projections.pipeline import SORTS

PUBLIC = {"/healthz", "/readyz", "/metrics"}
DATE_TIME = {"type": "string", "format": "date-time"}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    database = tmp_path_factory.mktemp("openapi") / "smallwins.db"
    app = create_app(Settings(database_url=f"sqlite:///{database}", integrity_key="5a" * 32))
    try:
        yield app.openapi()
    finally:
        app.state.services.close()


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def schema(document: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = document["components"]["schemas"][name]
    return found


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1.")
    schemathesis.openapi.from_dict(document).validate()  # the OpenAPI 3.1 meta-schema


def test_operation_ids_are_short_unique_and_camel_case(document: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _path, _method, operation in operations(document)]
    assert len(ids) == len(set(ids))
    assert all("_" not in each and each[0].islower() for each in ids), ids
    assert {
        "openOpportunity",
        "recordEvent",
        "getOpportunity",
        "listOpportunities",
        "getHistory",
        "verifyOpportunity",
        "getAccountRelationships",
        "getWinAnalysis",
        "listEvents",
        "listProjections",
        "rebuildProjection",
        "healthz",
        "readyz",
        "metrics",
    } <= set(ids)


def test_writes_declare_their_headers_and_every_post_takes_an_idempotency_key(
    document: dict[str, Any],
) -> None:
    for path, method, operation in operations(document):
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        if method == "post":
            assert "Idempotency-Key" in headers, path
        success = next(v for k, v in operation["responses"].items() if k.startswith("2"))
        sent = set(success.get("headers", {}))
        if method == "post" and path.startswith("/v1/opportunities"):
            assert {"ETag", "Location", "X-Smallwins-Position"} <= sent, path
            assert all(success["headers"][h]["required"] for h in ("ETag", "Location")), path
    events = document["paths"]["/v1/opportunities/{opportunity_id}/events"]["post"]
    assert "If-Match" in {p["name"] for p in events["parameters"]}
    for read in (
        "/v1/opportunities/{opportunity_id}",
        "/v1/opportunities/{opportunity_id}/history",
    ):
        assert "ETag" in document["paths"][read]["get"]["responses"]["200"]["headers"]


def test_response_datetimes_and_dates_carry_their_format(document: dict[str, Any]) -> None:
    out = schema(document, "OpportunityOut")["properties"]
    assert out["opened_at"] == {**DATE_TIME, "title": "Opened At"}
    assert DATE_TIME in out["closed_at"]["anyOf"]
    assert {"type": "string", "format": "date"} in out["expected_close"]["anyOf"]
    assert schema(document, "PausedOut")["properties"]["since"]["format"] == "date-time"


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("Status", STATUSES),
        ("Stage", STAGES),
        ("Trend", TRENDS),
        ("Depth", DEPTHS),
        ("EventType", EVENT_TYPES),
        ("Source", SOURCES),
        ("Role", ROLES),
        ("Channel", CHANNELS),
        ("Sort", tuple(SORTS)),
    ],
)
def test_enumerations_are_named_schemas_of_the_domains_values(
    document: dict[str, Any], name: str, values: tuple[str, ...]
) -> None:
    assert schema(document, name)["enum"] == list(values)


def test_response_enumerations_refer_to_the_named_schemas(document: dict[str, Any]) -> None:
    ref = "#/components/schemas/{}".format
    out = schema(document, "OpportunityOut")["properties"]
    assert out["status"] == {"$ref": ref("Status")}
    assert out["stage"] == {"$ref": ref("Stage")}
    assert schema(document, "MomentumOut")["properties"]["trend"] == {"$ref": ref("Trend")}
    assert schema(document, "DepartmentOut")["properties"]["depth"] == {"$ref": ref("Depth")}
    assert schema(document, "LastSmallWin")["properties"]["type"] == {"$ref": ref("EventType")}


def test_sort_values_have_readable_names_for_generated_clients(document: dict[str, Any]) -> None:
    names = dict(zip(SORTS, schema(document, "Sort")["x-enum-varnames"], strict=True))
    assert names["momentum"] == "MOMENTUM"
    assert names["-momentum"] == "MOMENTUM_DESC"
    sort = next(
        p
        for p in document["paths"]["/v1/opportunities"]["get"]["parameters"]
        if p["name"] == "sort"
    )
    assert sort["schema"]["$ref"] == "#/components/schemas/Sort"


def test_the_event_body_is_a_named_union_with_a_discriminator(document: dict[str, Any]) -> None:
    body = schema(document, "EventBody")
    recordable = [name for name in EVENTS if name != "OpportunityOpened"]
    assert body["discriminator"]["propertyName"] == "type"
    assert set(body["discriminator"]["mapping"]) == set(recordable)
    events = document["paths"]["/v1/opportunities/{opportunity_id}/events"]["post"]
    content = events["requestBody"]["content"]["application/json"]
    assert content["schema"] == {"$ref": "#/components/schemas/EventBody"}
    assert set(content["examples"]) == set(recordable)


@pytest.mark.parametrize("kind", ["HistoryItem", "FeedItem"])
def test_history_and_feed_items_carry_typed_data_per_event_type(
    document: dict[str, Any], kind: str
) -> None:
    union = schema(document, kind)
    assert set(union["discriminator"]["mapping"]) == set(EVENTS)
    for name, event_class in EVENTS.items():
        item = schema(document, f"{kind}{name}")
        assert item["properties"]["type"]["const"] == name
        assert item["properties"]["data"]["$ref"] == f"#/components/schemas/{name}Data"
        data = schema(document, f"{name}Data")
        assert set(data["properties"]) == set(data_fields(event_class))
        assert set(data["required"]) == set(data_fields(event_class))
    planned = schema(document, "InteractionPlannedData")["properties"]
    assert planned["interaction_id"]["type"] == "string"  # assigned by the server
    assert DATE_TIME in planned["planned_for"]["anyOf"]
    assert planned["channel"] == {"$ref": "#/components/schemas/Channel"}
    fields = schema(document, f"{kind}MeetingGained")["properties"]
    extra = {"retracted_by"} if kind == "HistoryItem" else {"position", "opportunity_id"}
    assert extra <= set(fields)


def test_public_operations_need_no_key_and_the_document_names_its_server(
    document: dict[str, Any],
) -> None:
    for path, _method, operation in operations(document):
        if path in PUBLIC:
            assert operation["security"] == [], path
        else:
            assert operation["security"] == [{"HTTPBearer": []}], path
    assert document["servers"][0]["url"] == "/"
    assert "license" not in document["info"]  # the repository states none
