"""The release 0.1 store (tests/fixtures/release_0_1), copied for a test on either backend."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from api.settings import Settings
from tests.conftest import PostgresTestDatabase

FIXTURE = Path(__file__).parent.parent / "fixtures" / "release_0_1"
KEY = "1f" * 32
ACME, GLOBEX, INITECH, UMBRELLA = "Acme Corp", "Globex", "Initech", "Umbrella"


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def old_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A copy of the release 0.1 store: its URL."""
    if request.param == "sqlite":
        shutil.copy(FIXTURE / "smallwins.db", tmp_path / "smallwins.db")
        yield f"sqlite:///{tmp_path / 'smallwins.db'}"
        return
    postgres: PostgresTestDatabase = request.getfixturevalue("postgres_test_database")
    name = f"smallwins_r01_{secrets.token_hex(4)}"
    admin = postgres.connection
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    parts = urlsplit(postgres.admin_url)
    url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
    try:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute((FIXTURE / "postgres.sql").read_text())  # type: ignore[arg-type]
        yield url
    finally:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def old_store_settings(url: str) -> Settings:
    return Settings(
        database_url=url,
        integrity_key=KEY,
        projections_in_process=True,
        postgres_pool_size=2,
        sqlite_synchronous="NORMAL",
        sweep_processes=0,
    )
