"""The docs are checked against the code: every event type is documented in docs/events.md,
every setting in the README's configuration table, every problem type and every route in
docs/api.md — and none of them documents something the code no longer has."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.app import create_app
from api.problems import KINDS, Kind
from api.reference import rewritten
from api.settings import Settings
from domain.records import EVENT_TYPES

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
NOT_IN_THE_GUIDE = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def section(markdown: str, heading: str) -> str:
    """The text under a `## heading`, up to the next heading of that level."""
    found = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert found, f"no '## {heading}' section"
    return found.group(1)


def event_headings() -> set[str]:
    text = (DOCS / "events.md").read_text()
    return set(re.findall(r"^### `(\w+)`", text, re.M))


def configuration_variables() -> set[str]:
    table = section((ROOT / "README.md").read_text(), "Configuration")
    return set(re.findall(r"^\| `(SMALLWINS_[A-Z0-9_]+)` \|", table, re.M))


def problem_rows() -> dict[str, int]:
    text = (DOCS / "api.md").read_text()
    rows = re.findall(r"^\| `/problems/([a-z0-9-]+)` \| (\d{3}) \|", text, re.M)
    return {slug: int(status) for slug, status in rows}


def settings_variables() -> set[str]:
    return {f"SMALLWINS_{name.upper()}" for name in Settings.model_fields}


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_event_type_has_its_section_in_events_md(event_type: str) -> None:
    assert event_type in event_headings()


def test_events_md_documents_no_event_type_the_domain_does_not_have() -> None:
    assert event_headings() <= set(EVENT_TYPES)


@pytest.mark.parametrize("variable", sorted(settings_variables()))
def test_every_setting_is_in_the_readme_configuration_table(variable: str) -> None:
    assert variable in configuration_variables()


def test_the_configuration_table_lists_no_setting_that_does_not_exist() -> None:
    assert configuration_variables() <= settings_variables()


@pytest.mark.parametrize("kind", KINDS, ids=[kind.slug for kind in KINDS])
def test_every_problem_type_is_listed_in_the_api_guide_with_its_status(kind: Kind) -> None:
    assert problem_rows().get(kind.slug) == kind.status


def test_the_api_guide_lists_no_problem_type_that_does_not_exist() -> None:
    assert set(problem_rows()) <= {kind.slug for kind in KINDS}


@pytest.fixture(scope="module")
def app_paths(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    database = tmp_path_factory.mktemp("docs") / "smallwins.db"
    app = create_app(Settings(database_url=f"sqlite:///{database}"))
    try:
        yield sorted(set(app.openapi()["paths"]) - NOT_IN_THE_GUIDE)
    finally:
        app.state.services.close()


def test_every_route_of_the_api_has_an_example_in_the_api_guide(app_paths: list[str]) -> None:
    guide = (DOCS / "api.md").read_text()
    missing = []
    for template in app_paths:
        pattern = re.sub(r"\\\{\w+\\\}", r"[^/\\s\"'?`]+", re.escape(template))
        if not re.search(pattern + r"(?![^\s\"'?`)])", guide):
            missing.append(template)
    assert not missing, f"docs/api.md has no example of {missing}"


def test_the_event_reference_in_events_md_is_written_from_the_declarations() -> None:
    text = (DOCS / "events.md").read_text()
    assert text == rewritten(text), "run `python -m api.reference` to write it again"
