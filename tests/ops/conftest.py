"""Fixtures for operations tests: a second, empty store on the same backend as
`database_url` (another SQLite file, or another PostgreSQL schema) to restore into."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg import sql

from api.services import Services
from tests.ops.stores import open_services


@pytest.fixture
def second_url(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    postgres = request.getfixturevalue("postgres_test_database")
    schema = f"r_{secrets.token_hex(6)}"
    postgres.connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield postgres.url(schema)
    finally:
        postgres.connection.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
        )


@pytest.fixture
def services(database_url: str) -> Iterator[Services]:
    built = open_services(database_url)
    yield built
    built.close()
