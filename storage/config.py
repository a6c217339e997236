"""Where events and views live: one database URL picks SQLite (embedded default) or
PostgreSQL, and becomes the eventsourcing environment plus a `Database` for our own tables."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

# The events' transcoder: the library's JSON format, written with orjson; and the mapper
# that stores people's names as tokens (storage.personal).
TRANSCODER_TOPIC = "storage.transcoding:OrjsonTranscoder"
MAPPER_TOPIC = "storage.personal:PersonalMapper"

Backend = Literal["sqlite", "postgres"]
Synchronous = Literal["FULL", "NORMAL", "EXTRA"]


@dataclass(frozen=True, slots=True)
class StorageConfig:
    backend: Backend
    sqlite_path: str = ""
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = ""
    dbname: str = ""
    schema: str = "public"
    pool_size: int = 10
    max_overflow: int = 10
    synchronous: Synchronous = "FULL"
    lock_timeout_seconds: int = 10


class UnsupportedDatabaseURL(ValueError):
    """The URL names neither `sqlite:///path` nor `postgresql://…`."""


def parse_database_url(
    url: str, *, pool_size: int = 10, max_overflow: int = 10, synchronous: Synchronous = "FULL"
) -> StorageConfig:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not path:
            msg = "sqlite URLs look like sqlite:///relative/path.db or sqlite:////absolute/path.db"
            raise UnsupportedDatabaseURL(msg)
        return StorageConfig(backend="sqlite", sqlite_path=path, synchronous=synchronous)
    if parts.scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        query = parse_qs(parts.query)
        return StorageConfig(
            backend="postgres",
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or ""),
            dbname=unquote(parts.path.lstrip("/")) or "postgres",
            schema=query.get("schema", ["public"])[0],
            pool_size=pool_size,
            max_overflow=max_overflow,
        )
    msg = f"unsupported database URL scheme {parts.scheme!r}: use sqlite:/// or postgresql://"
    raise UnsupportedDatabaseURL(msg)


def describe(config: StorageConfig) -> str:
    """Which store this is, in one line, never with a password."""
    if config.backend == "sqlite":
        return f"SQLite {config.sqlite_path}"
    schema = f" (schema {config.schema})" if config.schema != "public" else ""
    return f"PostgreSQL {config.user}@{config.host}:{config.port}/{config.dbname}{schema}"


def default_key_file(config: StorageConfig) -> Path:
    """Beside the SQLite file; in the working directory for PostgreSQL."""
    if config.backend == "sqlite":
        return Path(f"{config.sqlite_path}.key")
    return Path("smallwins.key")


class MissingFolder(ValueError):
    """The folder a SQLite store (or its key file) would live in does not exist."""

    def __init__(self, folder: Path) -> None:
        super().__init__(f"the folder {folder} does not exist: create it, or point"
                         " SMALLWINS_DATABASE_URL elsewhere")  # fmt: skip
        self.folder = folder


def existing_key(path: Path) -> str | None:
    """The integrity key in hex from its file, or None when there is no file (nothing is
    made)."""
    if not path.exists():
        return None
    key = path.read_text().strip()
    bytes.fromhex(key)  # fail early on a corrupt key file
    return key


def load_or_create_key(path: Path) -> str:
    """The integrity key in hex, generated (0600) on first start if the file is missing."""
    if not path.exists():
        if not path.parent.is_dir():
            raise MissingFolder(path.parent)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
    key = path.read_text().strip()
    bytes.fromhex(key)  # fail early on a corrupt key file
    return key


def eventsourcing_env(config: StorageConfig, integrity_key: str | None = None) -> dict[str, str]:
    """The environment the eventsourcing Application is built from."""
    if config.backend == "sqlite":
        folder = Path(config.sqlite_path).expanduser().parent
        if not folder.is_dir():
            raise MissingFolder(folder)
    key = integrity_key or load_or_create_key(default_key_file(config))
    if config.backend == "sqlite":
        return {
            "INTEGRITY_KEY": key,
            "PERSISTENCE_MODULE": "storage.sqlite:DurableSQLiteFactory",
            "TRANSCODER_TOPIC": TRANSCODER_TOPIC,
            "MAPPER_TOPIC": MAPPER_TOPIC,
            "SQLITE_DBNAME": config.sqlite_path,
            "SQLITE_LOCK_TIMEOUT": str(config.lock_timeout_seconds),
            "SQLITE_SYNCHRONOUS": config.synchronous,
        }
    return {
        "INTEGRITY_KEY": key,
        "PERSISTENCE_MODULE": "storage.postgres:ChainedPostgresFactory",
        "TRANSCODER_TOPIC": TRANSCODER_TOPIC,
        "MAPPER_TOPIC": MAPPER_TOPIC,
        "POSTGRES_DBNAME": config.dbname,
        "POSTGRES_HOST": config.host,
        "POSTGRES_PORT": str(config.port),
        "POSTGRES_USER": config.user,
        "POSTGRES_PASSWORD": config.password,
        "POSTGRES_SCHEMA": config.schema,
        "POSTGRES_POOL_SIZE": str(config.pool_size),
        "POSTGRES_MAX_OVERFLOW": str(config.max_overflow),
        "POSTGRES_LOCK_TIMEOUT": str(config.lock_timeout_seconds),
        "POSTGRES_CONNECT_TIMEOUT": "10",
    }


