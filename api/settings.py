"""Configuration, read from `SMALLWINS_*` environment variables (and a `.env` file)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.momentum import MomentumPolicy
from storage.config import (
    StorageConfig,
    default_key_file,
    existing_key,
    load_or_create_key,
    parse_database_url,
)


class Settings(BaseSettings):
    """Every setting, its default and its meaning; docs/configuration is checked against it."""

    model_config = SettingsConfigDict(env_prefix="SMALLWINS_", env_file=".env", extra="ignore")

    database_url: str = Field(
        "sqlite:///./smallwins.db",
        description="sqlite:///path (embedded default) or postgresql://user:password@host:port/db"
        " (add ?schema=NAME to use a schema other than public).",
    )
    postgres_pool_size: int = Field(
        10, ge=1, le=200, description="PostgreSQL connections per pool."
    )
    postgres_max_overflow: int = Field(
        10, ge=0, le=200, description="Extra PostgreSQL connections allowed under load."
    )
    sqlite_synchronous: Literal["FULL", "NORMAL", "EXTRA"] = Field(
        "FULL",
        description="SQLite PRAGMA synchronous in WAL mode. FULL fsyncs every commit, so an"
        " acknowledged write survives SIGKILL and power loss; NORMAL survives SIGKILL only.",
    )
    integrity_key: SecretStr | None = Field(
        None,
        description="Hex key (64 hex digits) of the events' hash chain. Unset: read from"
        " integrity_key_file, generated there on first start. Every process of one"
        " deployment needs the same key.",
    )
    integrity_key_file: str | None = Field(
        None,
        description="Where the generated key lives. Default: beside the SQLite file"
        " (smallwins.db.key), or ./smallwins.key for PostgreSQL.",
    )
    half_life_days: float = Field(14.0, gt=0, description="Momentum half-life in active days.")
    trend_window_days: float = Field(7.0, gt=0, description="Momentum trend window in days.")
    stall_threshold_days: float = Field(
        21.0,
        gt=0,
        description="Active days without a small win after which an open deal is stalled.",
    )
    max_body_bytes: int = Field(
        262_144, ge=1024, description="Largest request body accepted; larger bodies get 413."
    )
    idempotency_ttl_hours: float = Field(
        24.0, ge=24, description="How long Idempotency-Key records are kept (at least 24 hours)."
    )
    read_wait_seconds: float = Field(
        5.0,
        ge=0,
        description="How long a read waits for the views to reach the caller's last write.",
    )
    write_batch_max: int = Field(
        256, ge=1, le=10_000, description="Most commands coalesced into one write transaction."
    )
    projections_in_process: bool | None = Field(
        None,
        description="Run the projections inside the API process. Default: yes on SQLite, no on"
        " PostgreSQL (run `smallwins project` as its own process there).",
    )
    sweep_processes: int = Field(
        2,
        ge=0,
        le=64,
        description="Helper processes that read and compute the pages of a view rebuilt from"
        " zero (0: the runner does it alone).",
    )
    ready_max_lag: int = Field(
        1000, ge=0, description="/readyz fails while a projection lags the log by more events."
    )
    webhook_allow_private: bool = Field(
        False,
        description="Allow webhook URLs whose host is or resolves to a loopback, private"
        " (RFC 1918, ULA), link-local, unspecified, multicast or reserved address (a receiver"
        " on this host or network). Off: such URLs are refused (422), and at delivery too.",
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed by CORS (JSON list); none by default."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Log level of the server and the projection worker."
    )
    team_timezone: str = Field(
        "UTC",
        description="The team's IANA time zone (such as Europe/Berlin): scorecard weeks run"
        " from Monday 00:00 to the next Monday 00:00 there.",
    )

    @field_validator("team_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone_of(value)
        return value

    def storage(self) -> StorageConfig:
        return parse_database_url(
            self.database_url,
            pool_size=self.postgres_pool_size,
            max_overflow=self.postgres_max_overflow,
            synchronous=self.sqlite_synchronous,
        )

    def chain_key(self) -> str:
        """The integrity key in hex (explicit, or from the key file, made on first start)."""
        if self.integrity_key is not None:
            key = self.integrity_key.get_secret_value().strip()
            if len(bytes.fromhex(key)) < 16:
                msg = "SMALLWINS_INTEGRITY_KEY must be at least 32 hex digits"
                raise ValueError(msg)
            return key
        path = Path(self.integrity_key_file) if self.integrity_key_file else None
        return load_or_create_key(path or default_key_file(self.storage()))

    def configured_key(self) -> str | None:
        """The integrity key in hex if one is set or its file exists (nothing is made)."""
        if self.integrity_key is not None:
            return self.chain_key()
        path = Path(self.integrity_key_file) if self.integrity_key_file else None
        return existing_key(path or default_key_file(self.storage()))

    def runs_projections(self) -> bool:
        if self.projections_in_process is not None:
            return self.projections_in_process
        return self.storage().backend == "sqlite"

    def team_zone(self) -> ZoneInfo:
        return zone_of(self.team_timezone)

    def momentum_policy(self) -> MomentumPolicy:
        return MomentumPolicy(
            self.half_life_days, self.trend_window_days, self.stall_threshold_days
        )


def zone_of(name: str) -> ZoneInfo:
    """The IANA time zone of this name, or a ValueError that says what to give instead."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # unknown, malformed, a directory
        msg = (
            f"{name!r} is not an IANA time zone name;"
            " give one such as UTC, Europe/Berlin or America/New_York"
        )
        raise ValueError(msg) from None
