"""What a client can make the server do: bodies are bounded (413, also when sent chunked
without a Content-Length, and a huge declared length is refused before it is read), only
JSON is accepted (415), every list caps its page size, and browsers get no CORS grant unless
origins are configured."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.security.conftest import LiveServer
from tests.webhooks.offline import offline_webhook

LIMIT = 262_144  # Settings.max_body_bytes, the default the live server runs with
MAX_PAGE = 500


def oversized() -> bytes:
    return json.dumps({"title": "x" * LIMIT, "account": "Acme"}).encode()


def test_a_chunked_body_over_the_limit_is_413_at_a_live_server_and_records_nothing(
    live_server: LiveServer,
) -> None:
    body = oversized()

    def chunks() -> Iterator[bytes]:  # a generator: httpx sends it chunked, no Content-Length
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    before = live_server.events_recorded()
    with live_server.client() as client:
        response = client.post(
            "/v1/opportunities", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert response.request.headers.get("transfer-encoding") == "chunked"
        assert "content-length" not in response.request.headers
        assert response.status_code == 413
        assert response.json()["type"] == "/problems/payload-too-large"
        declared = client.post(
            "/v1/opportunities", content=body, headers={"Content-Type": "application/json"}
        )
        assert declared.status_code == 413
    assert live_server.events_recorded() == before


def test_a_huge_declared_body_is_refused_before_the_server_reads_it(
    live_server: LiveServer,
) -> None:
    parts = urlsplit(live_server.base)
    request = (
        "POST /v1/opportunities HTTP/1.1\r\n"
        f"Host: {parts.hostname}\r\n"
        f"Authorization: Bearer {live_server.admin_token}\r\n"
        "Content-Type: application/json\r\n"
        "Content-Length: 1000000000\r\n\r\n"
        '{"title": "'
    ).encode()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)  # ...and never the other gigabyte
        answer = sock.recv(4096).decode(errors="replace")
    assert answer.startswith("HTTP/1.1 413"), answer


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None]
)
def test_a_body_not_declared_json_is_415_at_a_live_server(
    live_server: LiveServer, content_type: str | None
) -> None:
    raw = json.dumps({"title": "Not JSON by its label", "account": "Acme"}).encode()
    headers = {} if content_type is None else {"Content-Type": content_type}
    with live_server.client() as client:
        response = client.post("/v1/opportunities", content=raw, headers=headers)
    assert response.status_code == 415
    assert response.json()["type"] == "/problems/unsupported-media-type"


# --- page sizes ----------------------------------------------------------------------------


@pytest.fixture
def seeded(app_client: tuple[TestClient, str]) -> tuple[TestClient, str, dict[str, str]]:
    client, token = app_client
    headers = {"Authorization": f"Bearer {token}"}
    body = {"title": "Paging", "account": "Acme", "buying_departments": ["IT"]}
    opened = client.post("/v1/opportunities", json=body, headers=headers).json()
    webhook = offline_webhook(client.app.state.services.webhooks)  # type: ignore[attr-defined]
    real = {"opportunity_id": opened["id"], "account": "Acme", "name": "pipeline"}
    return client, token, {**real, "webhook_id": webhook}


def paged_lists(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every GET operation that takes a `limit`, with that parameter's schema."""
    found = []
    for path, operations in document["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            if parameter["name"] == "limit" and parameter["in"] == "query":
                found.append((path, parameter["schema"]))
    return found


REQUIRED = {"/v1/pipeline/changes": {"from": "2000-01-01T00:00:00Z"}}  # besides limit


def test_every_list_caps_its_page_size_at_500_and_answers_501_with_422(
    seeded: tuple[TestClient, str, dict[str, str]],
) -> None:
    client, token, real = seeded
    headers = {"Authorization": f"Bearer {token}"}
    lists = paged_lists(client.get("/openapi.json").json())
    assert {path for path, _schema in lists} >= {
        "/v1/opportunities",
        "/v1/opportunities/{opportunity_id}/history",
        "/v1/events",
    }
    for path, schema in lists:
        assert schema.get("maximum", schema.get("exclusiveMaximum", 10**9)) <= MAX_PAGE, path
        url = re.sub(r"{(\w+)}", lambda m: real[m.group(1)], path)
        required = REQUIRED.get(path, {})
        too_many = client.get(url, params={**required, "limit": MAX_PAGE + 1}, headers=headers)
        assert too_many.status_code == 422, (path, too_many.text)
        assert too_many.json()["errors"][0]["loc"] == ["query", "limit"]
        most = client.get(url, params={**required, "limit": MAX_PAGE}, headers=headers)
        assert most.status_code == 200, (path, most.text)


# --- CORS ----------------------------------------------------------------------------------

ORIGIN = "https://sales.example.com"


def cors_client(tmp_path: Path, **settings: Any) -> TestClient:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'cors.db'}", **settings))
    return TestClient(app)


def preflight(client: TestClient, origin: str) -> Any:
    return client.options(
        "/v1/opportunities",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )


def test_without_configured_origins_no_response_grants_cross_origin_access(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SMALLWINS_CORS_ORIGINS", raising=False)
    with cors_client(tmp_path) as client:
        for response in (
            preflight(client, ORIGIN),
            client.get("/healthz", headers={"Origin": ORIGIN}),
            client.get("/v1/opportunities", headers={"Origin": ORIGIN}),
        ):
            assert "access-control-allow-origin" not in response.headers
            assert "access-control-allow-credentials" not in response.headers


def test_configured_origins_and_only_they_are_granted_cross_origin_access(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMALLWINS_CORS_ORIGINS", json.dumps([ORIGIN]))
    with cors_client(tmp_path) as client:
        allowed = preflight(client, ORIGIN)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == ORIGIN
        assert "POST" in allowed.headers["access-control-allow-methods"]
        simple = client.get("/healthz", headers={"Origin": ORIGIN})
        assert simple.headers["access-control-allow-origin"] == ORIGIN
        for response in (
            preflight(client, "https://evil.example.net"),
            client.get("/healthz", headers={"Origin": "https://evil.example.net"}),
        ):
            assert "access-control-allow-origin" not in response.headers


def test_an_opportunity_read_by_a_configured_origin_carries_the_cross_origin_grant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMALLWINS_CORS_ORIGINS", json.dumps([ORIGIN]))
    with cors_client(tmp_path) as client:
        services = client.app.state.services  # type: ignore[attr-defined]
        _key, token = services.keys.create("page", "editor")
        auth = {"Authorization": f"Bearer {token}"}
        opened = client.post("/v1/opportunities", json={"title": "T", "account": "A"}, headers=auth)
        assert opened.status_code == 201
        path = f"/v1/opportunities/{opened.json()['id']}"  # answered by api.fast_reads

        allowed = client.get(path, headers={**auth, "Origin": ORIGIN})
        other = client.get(path, headers={**auth, "Origin": "https://evil.example.net"})

        assert allowed.status_code == other.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == ORIGIN
        assert "access-control-allow-origin" not in other.headers
