"""/v1/webhooks: subscriptions to the event log (admin only). Parsing and answering only:
the work is in api.webhooks.service."""

from __future__ import annotations

from dataclasses import asdict
from uuid import UUID

from fastapi import APIRouter, Response

from api.auth import Admin, ServicesDep
from api.openapi import REPLAYED, IdempotencyKey, answers
from api.pagination import Limit, decode_cursor, encode_cursor
from api.problems import NOT_FOUND, VALIDATION, Problem, field_error
from api.schemas.webhooks import (
    AttemptOut,
    AttemptPage,
    ReplayIn,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
    WebhookPage,
)
from api.webhooks.service import Refused, ReplayAhead, WebhookNotFound, Webhooks
from api.webhooks.tables import Webhook

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
LAST = 2**63 - 1


def _id(webhook_id: str) -> UUID:
    try:
        return UUID(webhook_id)
    except ValueError:
        raise Problem(NOT_FOUND, "no webhook has this id") from None


def _out(hook: Webhook) -> WebhookOut:
    fields = asdict(hook)
    for hidden in ("secret", "generation", "failing_since"):
        del fields[hidden]
    return WebhookOut(**fields)


def _webhooks(services: ServicesDep) -> Webhooks:
    return services.webhooks


@router.post(
    "",
    status_code=201,
    summary="Subscribe a URL to the events recorded from now on",
    responses=answers(201, "Created: the secret is in this answer only", REPLAYED),
)
def create_webhook(
    body: WebhookIn, key: Admin, services: ServicesDep, _idempotency_key: IdempotencyKey = None
) -> WebhookCreated:
    try:
        hook = _webhooks(services).create(body.url, body.event_types, body.description, key.name)
    except Refused as refused:
        message = str(refused)
        raise Problem(
            VALIDATION, f"url: {message}", errors=[field_error(["body", "url"], message)]
        ) from None
    return WebhookCreated(**_out(hook).model_dump(), secret=hook.secret)


@router.get("", summary="Every webhook (never its secret)")
def list_webhooks(
    _key: Admin, services: ServicesDep, cursor: str | None = None, limit: Limit = 100
) -> WebhookPage:
    after = decode_cursor(cursor).get("after", "")
    if not isinstance(after, str):
        raise Problem(VALIDATION, "cursor is not one this API gave out")
    hooks = _webhooks(services).page(after, limit)
    more = len(hooks) == limit
    return WebhookPage(
        items=[_out(h) for h in hooks],
        next_cursor=encode_cursor(after=hooks[-1].id) if more else None,
    )


@router.get("/{webhook_id}", summary="One webhook (never its secret)")
def get_webhook(webhook_id: str, _key: Admin, services: ServicesDep) -> WebhookOut:
    try:
        return _out(_webhooks(services).get(_id(webhook_id)))
    except WebhookNotFound:
        raise Problem(NOT_FOUND, "no webhook has this id") from None


@router.delete(
    "/{webhook_id}", status_code=204, summary="Stop and forget a webhook", response_class=Response
)
def delete_webhook(webhook_id: str, _key: Admin, services: ServicesDep) -> Response:
    try:
        _webhooks(services).delete(_id(webhook_id))
    except WebhookNotFound:
        raise Problem(NOT_FOUND, "no webhook has this id") from None
    return Response(status_code=204)


@router.get("/{webhook_id}/deliveries", summary="The webhook's latest delivery attempts")
def list_webhook_deliveries(
    webhook_id: str,
    _key: Admin,
    services: ServicesDep,
    cursor: str | None = None,
    limit: Limit = 100,
) -> AttemptPage:
    before = decode_cursor(cursor).get("before", LAST)
    if not isinstance(before, int) or isinstance(before, bool):
        raise Problem(VALIDATION, "cursor is not one this API gave out")
    try:
        found = _webhooks(services).attempts(_id(webhook_id), before, limit)
    except WebhookNotFound:
        raise Problem(NOT_FOUND, "no webhook has this id") from None
    more = len(found) == limit
    return AttemptPage(
        items=[AttemptOut(**asdict(attempt)) for _seq, attempt in found],
        next_cursor=encode_cursor(before=found[-1][0]) if more else None,
    )


@router.post(
    "/{webhook_id}/replay",
    summary="Send the events after a position again",
    responses=answers(200, "The webhook, moved back", REPLAYED),
)
def replay_webhook(
    webhook_id: str,
    body: ReplayIn,
    _key: Admin,
    services: ServicesDep,
    _idempotency_key: IdempotencyKey = None,
) -> WebhookOut:
    try:
        return _out(_webhooks(services).replay(_id(webhook_id), body.after))
    except WebhookNotFound:
        raise Problem(NOT_FOUND, "no webhook has this id") from None
    except ReplayAhead as ahead:
        message = str(ahead)
        raise Problem(
            VALIDATION, message, errors=[field_error(["body", "after"], message)]
        ) from None


@router.post(
    "/{webhook_id}/enable",
    summary="Resume a failing webhook (or retry a waiting one now)",
    responses=answers(200, "The webhook, active", REPLAYED),
)
def enable_webhook(
    webhook_id: str, _key: Admin, services: ServicesDep, _idempotency_key: IdempotencyKey = None
) -> WebhookOut:
    try:
        return _out(_webhooks(services).enable(_id(webhook_id)))
    except WebhookNotFound:
        raise Problem(NOT_FOUND, "no webhook has this id") from None
