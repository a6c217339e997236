"""docker/Dockerfile and docker/compose.yaml checked against the code, since no Docker engine
runs here: every command they run exists in the CLI with those options, every SMALLWINS_*
variable is a setting (and parses), ports agree, and health checks hit routes the app has."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from api.settings import Settings
from tests.deploy.dockerfiles import (
    DOCKERFILE,
    URL,
    command_words,
    compose,
    dockerfile_instructions,
    exec_form,
    healthcheck_command,
    interpolate,
    option_value,
    smallwins_command,
)

ROOT = DOCKERFILE.parents[1]
SMALLWINS_SERVICES = ("api", "projector")
COMPOSE_ENVIRONMENT = {  # what an operator puts in docker/.env
    "SMALLWINS_INTEGRITY_KEY": "ab" * 32,
    "POSTGRES_PASSWORD": "s3cret",
}


@pytest.fixture(scope="module")
def app_paths(tmp_path_factory: pytest.TempPathFactory) -> Iterator[set[str]]:
    """Every path template the real app serves."""
    database = tmp_path_factory.mktemp("deploy") / "smallwins.db"
    app = create_app(Settings(database_url=f"sqlite:///{database}"))
    try:
        yield set(app.openapi()["paths"])
    finally:
        app.state.services.close()


def instructions(keyword: str) -> list[str]:
    found = dockerfile_instructions(DOCKERFILE.read_text())
    return [each.arguments for each in found if each.keyword == keyword]


def services() -> dict[str, Any]:
    found: dict[str, Any] = compose()["services"]
    return found


def environment(service: str) -> dict[str, str]:
    raw = services()[service].get("environment", {})
    return {name: interpolate(str(value), COMPOSE_ENVIRONMENT) for name, value in raw.items()}


def health_url(words: list[str]) -> tuple[int, str]:
    found = URL.search(" ".join(words))
    assert found, f"no URL in the health check {words}"
    return int(found["port"]), found["path"]


# --- Dockerfile --------------------------------------------------------------------------


def test_the_image_is_python_3_11_slim_and_runs_as_a_user_other_than_root() -> None:
    assert instructions("FROM") == ["python:3.11-slim"]
    users = instructions("USER")
    assert users
    assert users[-1] not in {"root", "0", "0:0"}


def test_the_image_installs_the_project_with_pip() -> None:
    assert any("pip install ." in run for run in instructions("RUN"))


def test_the_default_command_serves_the_api_on_the_exposed_port() -> None:
    (cmd,) = instructions("CMD")
    words = exec_form(cmd)
    assert smallwins_command(words).name == "serve"
    assert option_value(words, "--host") == "0.0.0.0"  # noqa: S104 (inside a container)
    assert instructions("EXPOSE") == [option_value(words, "--port")]


def test_the_image_health_check_uses_python_against_healthz_on_the_served_port(
    app_paths: set[str],
) -> None:
    (healthcheck,) = instructions("HEALTHCHECK")
    words = healthcheck_command(healthcheck)
    port, path = health_url(words)
    assert words[0] == "python"  # the slim image has no curl
    assert path == "/healthz"
    assert path in app_paths
    assert str(port) == option_value(exec_form(instructions("CMD")[0]), "--port")


# --- compose.yaml --------------------------------------------------------------------------


def test_compose_runs_postgres_16_with_a_volume_and_pg_isready() -> None:
    postgres = services()["postgres"]
    assert str(postgres["image"]).startswith("postgres:16")
    volume = postgres["volumes"][0].split(":")[0]
    assert volume in compose()["volumes"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


@pytest.mark.parametrize("service", SMALLWINS_SERVICES)
def test_every_command_a_compose_service_runs_exists_in_the_cli(service: str) -> None:
    words = command_words(services()[service]["command"])
    expected = {"api": "serve", "projector": "project"}[service]

    assert smallwins_command(words).name == expected


@pytest.mark.parametrize("service", SMALLWINS_SERVICES)
def test_every_smallwins_variable_in_compose_is_a_setting_and_parses(
    service: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    variables = environment(service)
    fields = {f"SMALLWINS_{name.upper()}" for name in Settings.model_fields}
    unknown = {name for name in variables if name.startswith("SMALLWINS_")} - fields

    assert not unknown
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.storage().backend == "postgres"
    assert settings.chain_key() == COMPOSE_ENVIRONMENT["SMALLWINS_INTEGRITY_KEY"]


def test_the_api_and_the_worker_share_the_store_and_integrity_key() -> None:
    api, projector = environment("api"), environment("projector")
    for name in ("SMALLWINS_DATABASE_URL", "SMALLWINS_INTEGRITY_KEY"):
        assert api[name] == projector[name]
    assert "@postgres:" in api["SMALLWINS_DATABASE_URL"]


def test_the_integrity_key_must_be_given_rather_than_defaulted() -> None:
    raw = services()["api"]["environment"]["SMALLWINS_INTEGRITY_KEY"]
    assert raw.startswith("${SMALLWINS_INTEGRITY_KEY:?")


def test_the_api_leaves_projections_to_the_worker(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in environment("api").items():
        monkeypatch.setenv(name, value)

    assert Settings().runs_projections() is False


def test_the_api_is_ready_for_replicas_on_a_host_port_range() -> None:
    api = services()["api"]
    (mapping,) = api["ports"]
    published, container = str(mapping).rsplit(":", 1)
    low, high = (int(port) for port in published.split("-"))

    assert api["deploy"]["replicas"] >= 2
    assert high - low + 1 >= api["deploy"]["replicas"]
    assert container == option_value(command_words(api["command"]), "--port")


def test_the_api_health_check_hits_healthz_on_its_port(app_paths: set[str]) -> None:
    api = services()["api"]
    test = api["healthcheck"]["test"]
    port, path = health_url(test)

    assert test[0] == "CMD"
    assert path in app_paths
    assert path == "/healthz"
    assert str(port) == option_value(command_words(api["command"]), "--port")


def test_the_worker_turns_off_the_image_http_health_check_it_cannot_answer() -> None:
    assert services()["projector"]["healthcheck"] == {"disable": True}


def test_smallwins_services_start_after_postgres_is_healthy() -> None:
    for service in SMALLWINS_SERVICES:
        condition = services()[service]["depends_on"]["postgres"]["condition"]
        assert condition == "service_healthy"


def test_the_routes_operators_watch_exist(app_paths: set[str]) -> None:
    assert {"/healthz", "/readyz", "/metrics"} <= app_paths


@pytest.mark.parametrize(
    "words",
    [
        ["smallwins", "migrate"],
        ["smallwins", "serve", "--listen", "localhost"],
        ["smallwins", "keys"],
        ["smallwins", "serve", "--port", "eighty"],
    ],
)
def test_the_checker_rejects_what_the_cli_would_refuse(words: list[str]) -> None:
    with pytest.raises(Exception):  # noqa: B017, PT011 (an assertion or typer's usage error)
        smallwins_command(words)


def test_the_image_copies_every_package_the_distribution_installs() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {pattern.rstrip("*") for pattern in patterns}
    copied = {source.rstrip("/") for copy in instructions("COPY") for source in copy.split()[:-1]}
    allowed = (DOCKERFILE.parent / "Dockerfile.dockerignore").read_text().splitlines()

    assert packages <= copied
    assert {"pyproject.toml", "README.md"} <= copied
    for package in packages:
        assert f"!{package}/" in allowed
