"""Structured logs: JSON lines with the request id on every line of a request, access lines
by route template, and no secrets or personal data."""

from __future__ import annotations

import json
import logging
import logging.config
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.logs import MASK, log_config, redact
from api.middleware.request_id import _REQUEST_ID, new_request_id
from tests.observability.served import LogCapture, Served

PERSON = "Dana Whitfield"
ACCOUNT = "Whitfield Holdings"


def test_every_line_logged_while_handling_a_request_carries_its_request_id(
    served: Served, json_logs: LogCapture
) -> None:
    noisy = logging.getLogger("smallwins.test")

    @served.app.get("/_log_twice")
    def log_twice() -> dict[str, str]:
        noisy.info("first")
        noisy.warning("second")
        return {}

    served.client.get("/_log_twice", headers={"X-Request-ID": "req-42"})

    mine = [line for line in json_logs.lines() if line["request_id"] == "req-42"]
    assert [line["msg"] for line in mine if line["logger"] == "smallwins.test"] == [
        "first",
        "second",
    ]
    assert [line["logger"] for line in mine][-1] == "smallwins.access"
    assert all(line["request_id"] is None for line in json_logs.lines() if line not in mine)


def test_every_line_has_the_same_fields_and_access_lines_add_route_status_and_duration(
    served: Served, json_logs: LogCapture
) -> None:
    deal = served.open()
    served.client.get(f"/v1/opportunities/{deal}", headers=served.auth("viewer"))

    for line in json_logs.lines():
        assert {"ts", "level", "logger", "msg", "request_id"} <= set(line)
    access = json_logs.access()
    assert [(a["method"], a["route"], a["status"]) for a in access] == [
        ("POST", "/v1/opportunities", 201),
        ("GET", "/v1/opportunities/{opportunity_id}", 200),
    ]
    assert all(isinstance(a["duration_ms"], float) and a["duration_ms"] >= 0 for a in access)
    assert len({a["request_id"] for a in access}) == 2
    assert deal not in json_logs.text()


def test_a_request_id_the_client_sends_is_logged_and_echoed(
    served: Served, json_logs: LogCapture
) -> None:
    response = served.client.get("/healthz", headers={"X-Request-ID": "lb-7f3a"})

    assert response.headers["X-Request-ID"] == "lb-7f3a"
    assert json_logs.access()[0]["request_id"] == "lb-7f3a"


def test_an_unhandled_error_is_logged_with_its_request_id_and_answered_500(
    served: Served, json_logs: LogCapture
) -> None:
    @served.app.get("/_boom")
    def boom() -> None:
        raise RuntimeError("boom")

    client = TestClient(served.app, raise_server_exceptions=False)
    response = client.get("/_boom", headers={"X-Request-ID": "req-boom"})

    assert response.status_code == 500
    errors = [line for line in json_logs.lines() if line["level"] == "ERROR"]
    assert errors
    assert errors[0]["request_id"] == "req-boom"
    assert "RuntimeError" in errors[0]["exc"]
    assert json_logs.access()[-1]["status"] == 500


def test_no_key_authorization_header_body_or_name_is_ever_logged(
    served: Served, json_logs: LogCapture
) -> None:
    token = served.token("editor")
    headers = served.auth("editor")
    opened = served.client.post(
        "/v1/opportunities",
        json={"title": f"Rollout for {PERSON}", "account": ACCOUNT, "owner": PERSON},
        headers=headers,
    )
    deal = opened.json()["id"]
    served.client.post(
        f"/v1/opportunities/{deal}/events",
        json={"type": "MeetingGained", "contact": PERSON, "department": "IT"},
        headers={**headers, "Idempotency-Key": "meeting-1"},
    )
    served.client.post(  # invalid: the 422 must not echo the body into the logs
        f"/v1/opportunities/{deal}/events",
        json={"type": "MeetingGained", "contact": PERSON, "department": "IT", "kind": "x"},
        headers=headers,
    )
    served.client.get("/v1/opportunities", params={"owner": PERSON}, headers=headers)
    served.client.get(f"/v1/accounts/{ACCOUNT}/relationships", headers=headers)
    served.client.get("/v1/opportunities", headers={"Authorization": f"Bearer {token}x"})

    logged = json_logs.text()
    assert len(json_logs.access()) == 6
    for secret in (token, token.split("_", 2)[2], "Bearer", "authorization"):
        assert secret.lower() not in logged.lower()
    for personal in (PERSON, "Whitfield", ACCOUNT, "Rollout for"):
        assert personal not in logged


def test_anything_shaped_like_a_key_or_bearer_credential_is_masked() -> None:
    key = "sw_0123456789abcdef_s3cr3t-T0ken_value"

    assert redact(f"got {key} from client") == f"got {MASK} from client"
    assert redact("Authorization: Bearer abc.def") == f"Authorization: {MASK}"


@pytest.fixture
def configured_logging() -> Iterator[None]:
    """Applies nothing itself; restores the root and uvicorn loggers after dictConfig."""
    names = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "smallwins")
    saved = {
        name: (logging.getLogger(name).handlers[:], logging.getLogger(name).level) for name in names
    }
    saved_propagate = {name: logging.getLogger(name).propagate for name in names}
    yield
    for name, (handlers, level) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = saved_propagate[name]


@pytest.mark.usefixtures("configured_logging")
def test_the_serve_and_project_log_config_writes_json_lines_for_uvicorn_and_our_loggers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logging.config.dictConfig(log_config("INFO"))

    logging.getLogger("uvicorn.error").info("Started server process")
    logging.getLogger("smallwins.projections").warning("projection batch failed; retrying")
    logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET /v1/accounts/Acme HTTP/1.1" 200')
    logging.getLogger("smallwins.projections").debug("below the level")

    lines = [json.loads(raw) for raw in capsys.readouterr().out.splitlines()]
    assert [(line["logger"], line["level"]) for line in lines] == [
        ("uvicorn.error", "INFO"),
        ("smallwins.projections", "WARNING"),
    ]
    assert all(line["request_id"] is None for line in lines)


def test_generated_request_ids_are_distinct_and_fit_the_accepted_shape() -> None:
    ids = [new_request_id() for _ in range(1000)]
    assert len(set(ids)) == len(ids)
    assert all(_REQUEST_ID.match(each) for each in ids)
