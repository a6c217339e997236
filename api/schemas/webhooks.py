"""Webhook request and response bodies (DESIGN section 9)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.enums import EventType
from api.schemas.responses import Page, UtcDatetime

MAX_POSITION = 2**63 - 1


class WebhookIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://hooks.example.com/smallwins",
                    "event_types": ["ClosedWon", "ClosedLost"],
                    "description": "Closes to the finance system",
                }
            ]
        },
    )

    url: str = Field(
        min_length=1,
        max_length=2048,
        description="http or https; its host must be a public address (see"
        " SMALLWINS_WEBHOOK_ALLOW_PRIVATE).",
    )
    event_types: list[EventType] | None = Field(
        None, min_length=1, description="The event types to send; null or absent: every type."
    )
    description: str | None = Field(None, max_length=500)


class ReplayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    after: int = Field(
        ge=0,
        le=MAX_POSITION,
        description="Send every wanted event after this log position again (at most the"
        " webhook's position).",
    )


class WebhookOut(BaseModel):
    id: str
    url: str
    event_types: list[EventType] | None
    description: str | None
    status: Literal["active", "failing"] = Field(
        description="failing: 24 hours of failed attempts; it waits (nothing is dropped)"
        " until enabled."
    )
    position: int = Field(description="The last log position delivered (or not wanted).")
    failures: int = Field(description="Failed attempts in a row at the next event.")
    next_attempt_at: UtcDatetime | None = Field(description="When it is retried, if waiting.")
    created_at: UtcDatetime
    created_by: str


class WebhookCreated(WebhookOut):
    secret: str = Field(
        description="Signs every delivery (Smallwins-Signature); shown in this answer only."
    )


class AttemptOut(BaseModel):
    position: int
    delivery_id: str = Field(description="Smallwins-Delivery: the same on every attempt.")
    attempt: int = Field(description="1 for the first attempt at this event, then 2, ...")
    outcome: Literal["delivered", "failed", "timeout"]
    status_code: int | None = Field(description="The receiver's status, if it answered.")
    error: str | None = Field(description="Why the attempt failed, if it did.")
    at: UtcDatetime
    duration_ms: float


class WebhookPage(Page[WebhookOut]):
    """One page of the webhooks."""


class AttemptPage(Page[AttemptOut]):
    """One page of a webhook's delivery attempts, latest first."""
