"""The web pages as files: served to anyone (they hold no data), from the package, with a
strict content security policy, every asset they load shipped and declared as package data."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routers.web import MEDIA_TYPES, page_files, static_files
from api.settings import Settings
from domain.momentum import weight
from domain.records import EventRecord

ROOT = Path(__file__).resolve().parents[2]
PAGES = (
    "/app/",
    "/app/sign-in",
    "/app/analysis",
    "/app/deals/any-id",
    "/app/week",
    "/app/accounts",
    "/app/accounts/Acme%20Corp",
    "/app/changes",
)
ASSET = re.compile(r'(?:src|href)="(/static/[^"]+)"')
IMPORT = re.compile(r'from "\./([^"]+)"')


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'smallwins.db'}"))
    with TestClient(app) as client:
        yield client


def test_the_pages_are_served_without_a_key_as_html_with_a_strict_policy(
    client: TestClient,
) -> None:
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self'" in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert '<main id="main"' in response.text
        assert 'lang="en"' in response.text


def test_the_root_and_app_addresses_lead_to_the_board(client: TestClient) -> None:
    for path in ("/", "/app"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 307
        assert response.headers["location"] == "/app/"


def test_every_asset_a_page_or_module_loads_is_shipped_and_served_with_its_type(
    client: TestClient,
) -> None:
    wanted = set()
    for path in PAGES:
        wanted.update(ASSET.findall(client.get(path).text))
    shipped = static_files()
    for name, file in shipped.items():
        if file.suffix == ".js":
            base = name.rsplit("/", 1)[0]
            wanted.update(f"/static/{base}/{module}" for module in IMPORT.findall(file.read_text()))
    assert wanted
    for url in sorted(wanted):
        response = client.get(url)
        assert response.status_code == 200, url
        suffix = Path(url).suffix
        assert response.headers["content-type"] == MEDIA_TYPES[suffix], url


def test_nothing_outside_the_shipped_assets_is_served(client: TestClient) -> None:
    for path in (
        "/static/missing.js",
        "/static/../routers/web.py",
        "/static/%2e%2e/keys.py",
        "/static/..%2fkeys.py",
        "/static/js/../../../app.py",
        "/static/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json", path


def test_the_pages_load_nothing_from_another_origin() -> None:
    for file in [*static_files().values(), *page_files()]:
        text = file.read_text()
        assert not re.search(r"""(?:src|href|from|import|url)\s*\(?\s*["']?https?://""", text), file


def test_the_package_data_declares_every_shipped_asset() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["api"]
    root = ROOT / "api"
    for file in [*static_files().values(), *page_files()]:
        relative = file.relative_to(root).as_posix()
        assert any(fnmatch(relative, pattern) for pattern in patterns), relative


def test_the_web_routes_stay_out_of_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert [path for path in paths if path == "/" or path.startswith(("/app", "/static"))] == []


def test_the_small_win_weights_the_pages_explain_are_the_domains() -> None:
    text = (ROOT / "api" / "web" / "static" / "js" / "explain.js").read_text()
    table = dict(re.findall(r"^\s+(\w+): (\d),", text, re.M))
    when = datetime(2026, 1, 1, tzinfo=UTC)

    def of(kind: str, **data: Any) -> int:
        return weight(EventRecord(kind, 2, when, when, "jo", data))

    assert {name: int(value) for name, value in table.items()} == {
        "MeetingGained": of("MeetingGained"),
        "CustomerDataGathered": of("CustomerDataGathered"),
        "InteractionCompleted": of("InteractionCompleted", commitment_gained=True),
        "DemoScheduled": of("DemoScheduled"),
        "StakeholderBoughtIn": of("StakeholderBoughtIn", role="champion"),
        "StakeholderBoughtInDecisionMaker": of("StakeholderBoughtIn", role="decision_maker"),
        "VerbalCommitment": of("VerbalCommitment"),
    }
