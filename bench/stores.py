"""Throwaway stores for one benchmark run: a SQLite file in the run's work directory, or a
PostgreSQL database created on the local server and dropped WITH (FORCE) at the end."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from domain.application import Opportunities
from storage.config import StorageConfig, eventsourcing_env, parse_database_url
from storage.people import People
from storage.personal import install_people

ADMIN_URL_VARIABLE = "SMALLWINS_BENCH_POSTGRES_URL"
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# The hash chain's key for every store the harness makes (no key file is written).
BENCH_INTEGRITY_KEY = "be" * 32
DATABASE_PREFIX = "smallwins_bench_"


def admin_url() -> str:
    return os.environ.get(ADMIN_URL_VARIABLE) or DEFAULT_ADMIN_URL


def postgres_unavailable() -> str | None:
    """Why PostgreSQL cannot be used (None when it can)."""
    try:
        with psycopg.connect(admin_url(), connect_timeout=3):
            return None
    except psycopg.Error as error:
        return f"PostgreSQL at {urlsplit(admin_url()).netloc} is not reachable ({error})"


@contextmanager
def temporary_database(tag: str) -> Iterator[str]:
    """A new database on the admin URL's server, as a URL; dropped afterwards."""
    name = f"{DATABASE_PREFIX}{tag}_{secrets.token_hex(3)}"
    with psycopg.connect(admin_url(), autocommit=True, connect_timeout=5) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    parts = urlsplit(admin_url())
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
    finally:
        with psycopg.connect(admin_url(), autocommit=True, connect_timeout=5) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@dataclass(frozen=True, slots=True)
class Store:
    backend: str  # "sqlite" or "postgres"
    url: str

    def application_config(self, pool_size: int = 4) -> StorageConfig:
        return parse_database_url(self.url, pool_size=pool_size, max_overflow=pool_size)

    def application(self, pool_size: int = 4) -> Opportunities:
        config = self.application_config(pool_size)
        return Opportunities(eventsourcing_env(config, BENCH_INTEGRITY_KEY))

    def server_env(self) -> dict[str, str]:
        """What a server or worker process on this store needs in its environment."""
        return {"SMALLWINS_DATABASE_URL": self.url, "SMALLWINS_INTEGRITY_KEY": BENCH_INTEGRITY_KEY}


@contextmanager
def temporary_store(backend: str, workdir: Path, tag: str) -> Iterator[Store]:
    if backend == "sqlite":
        path = workdir / f"{tag}.db"
        try:
            yield Store("sqlite", f"sqlite:///{path}")
        finally:
            for leftover in workdir.glob(f"{tag}.db*"):
                leftover.unlink(missing_ok=True)
        return
    with temporary_database(tag) as url:
        yield Store("postgres", url)


def with_people(app: Opportunities, config: StorageConfig, integrity_key: str) -> People:
    """Let `app` read and write people's names as the API does (sealed under their keys);
    the people's own gateway, for the caller to close after the application."""
    people = People.open(config, bytes.fromhex(integrity_key))
    install_people(app, people, writes=True)
    people.mark(empty_store=not app.recorder.max_notification_id())
    return people
