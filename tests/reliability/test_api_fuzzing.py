"""Schemathesis against the live OpenAPI document: every operation the app publishes gets a
bounded number of generated requests, valid and invalid, each sent with an admin key so
every route is reachable. No answer may be a 5xx, and every answer must conform to the
document: its status is one the operation declares, its content type and body match the
declared ones, and so do its declared headers.

The operations are read from the document at run time (a route added tomorrow is fuzzed
too) and split over SHARDS tests so `pytest -n 2` runs them side by side."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from api.settings import Settings
from tests.webhooks.offline import offline

SHARDS = 2
EXAMPLES_PER_OPERATION = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
FUZZ = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI stays stable
    database=None,
    suppress_health_check=list(HealthCheck),
)
_PATH_PARAMETER = re.compile(r"{([^}]+)}")


@dataclass(frozen=True)
class Target:
    app: FastAPI
    token: str
    schema: Any
    real: dict[str, str]  # path parameters that name things that exist


@pytest.fixture
def target(database_url: str) -> Target:
    """The real app on an empty store (either backend), with an admin key and one opportunity
    to aim at. Schemathesis starts the app's lifespan on the first request and ends it (which
    closes the app's connections) after the test."""
    settings = Settings(
        database_url=database_url,
        projections_in_process=True,
        postgres_pool_size=2,
        postgres_max_overflow=4,
    )
    app = create_app(settings)
    services = app.state.services
    offline(services.webhooks)  # webhooks it creates are answered in memory
    _key, token = services.keys.create("fuzzer", "admin")
    opened = services.opportunities.open(
        recorded_by="fuzzer",
        fields={"title": "Warehouse pilot", "account": "Acme", "buying_departments": ["IT"]},
    )
    services.opportunities.record(
        opened.opportunity_id,
        "MeetingGained",
        recorded_by="fuzzer",
        fields={"contact": "Dana", "department": "IT"},
    )
    real = {"opportunity_id": str(opened.opportunity_id), "account": "Acme", "name": "pipeline"}
    return Target(app, token, schemathesis.openapi.from_asgi("/openapi.json", app), real)


def all_operations(schema: Any) -> list[Any]:
    operations = [result.ok() for result in schema.get_all_operations()]
    return sorted(operations, key=lambda operation: operation.label)


def fuzz(target: Target, operation: Any) -> None:
    """Valid, then invalid requests (each mode its own budget, some aimed at things that
    exist); raise the schemathesis failure group of the first failing example, if any."""
    names = _PATH_PARAMETER.findall(operation.path)
    aimed = {name: target.real[name] for name in names if name in target.real}
    headers = {"Authorization": f"Bearer {target.token}"}
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        strategies = [operation.as_strategy(mode)]
        if names and len(aimed) == len(names):
            strategies.append(operation.as_strategy(mode, path_parameters=aimed))

        @FUZZ
        @given(case=st.one_of(strategies))
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Unsatisfiable:  # nothing of this operation can be invalid (no parameters)
            if mode is GenerationMode.POSITIVE:
                raise


def test_the_openapi_document_lists_every_route_of_the_api(target: Target) -> None:
    labels = {operation.label for operation in all_operations(target.schema)}
    assert {
        "POST /v1/opportunities",
        "POST /v1/opportunities/{opportunity_id}/events",
        "GET /v1/opportunities",
        "GET /v1/opportunities/{opportunity_id}",
        "GET /v1/opportunities/{opportunity_id}/history",
        "GET /v1/opportunities/{opportunity_id}/verify",
        "GET /v1/accounts",
        "GET /v1/accounts/{account}",
        "GET /v1/accounts/{account}/relationships",
        "GET /v1/events",
        "GET /v1/projections",
        "POST /v1/projections/{name}/rebuild",
        "GET /healthz",
        "GET /readyz",
    } <= labels


@pytest.mark.parametrize("shard", range(SHARDS))
def test_fuzzed_requests_to_every_operation_get_no_5xx_and_documented_answers(
    target: Target, shard: int
) -> None:
    operations = all_operations(target.schema)[shard::SHARDS]
    assert operations
    failures: dict[str, str] = {}
    for operation in operations:
        try:
            fuzz(target, operation)
        except Exception as failure:  # noqa: BLE001 (every operation is reported, not the first)
            failures[operation.label] = f"{type(failure).__name__}: {failure}"
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())
    # Whatever was accepted, the views can still project it: nothing poisons the runner.
    runner = target.app.state.services.runner
    assert runner.wait_for(runner.head(), timeout=20), runner.last_error
