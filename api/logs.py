"""Structured logs: one JSON object per line, with the request id on every line logged while
a request is handled (from a contextvar the RequestId middleware binds).

Fields: `ts`, `level`, `logger`, `msg`, `request_id`; access lines add `method`, `route`
(the path template, never the raw path or query string), `status` and `duration_ms`;
failures add `exc`. Nothing else from a request is logged: no headers, no bodies, no
client address. As a second line of defence, anything shaped like an API key or a bearer
credential is masked in every message.
"""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

request_id_var: ContextVar[str | None] = ContextVar("smallwins_request_id", default=None)

ACCESS_FIELDS = ("method", "route", "status", "duration_ms")
MASK = "[redacted]"
_SECRETS = re.compile(r"(?i)\bbearer\s+\S+|\bsw_[0-9a-f]{16}_[A-Za-z0-9_-]+")


def bind_request_id(request_id: str) -> None:
    """Every line logged from here on in this request's context carries `request_id`."""
    request_id_var.set(request_id)


def redact(text: str) -> str:
    return _SECRETS.sub(MASK, text)


class RequestIdFilter(logging.Filter):
    """Adds `record.request_id` (the current request's, or None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exc"] = redact(self.formatException(record.exc_info))
        return orjson.dumps(line, default=str).decode()


def log_config(level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` dict (also uvicorn's `log_config`): every logger,
    uvicorn's included, writes JSON lines to stdout. uvicorn's own access log is silenced;
    our middleware writes the access lines (with the route template, not the raw path)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
                "filters": ["request_id"],
            }
        },
        "root": {"level": level, "handlers": ["json"]},
        "loggers": {
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }
