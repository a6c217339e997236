"""The index of external ids: one row per opening that carries an `external_id` (its id in
the system it was imported from), written by both recorders in the same transaction as the
opening, like the hash chain. Its primary key makes the id unique across processes: a
second opening with the same one fails its commit with a unique violation, which the
library reports as a `RecordConflictError` (the writer's retry, whose check before saving
then finds the id taken: `DuplicateExternalId`).

Stores written before this index existed get it when a recorder starts: the table is
created if missing and filled from the openings already stored (in the transaction that
creates it; two processes starting together may both fill it: the second fill adds
nothing)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from eventsourcing.utils import get_topic

from domain.opportunity import Opportunity
from storage.chain import canonical_id

TABLE_NAME = "external_ids"
CREATE_TABLE = (
    "CREATE TABLE IF NOT EXISTS external_ids (external_id TEXT PRIMARY KEY,"
    " opportunity_id TEXT NOT NULL)"
)
# `?` placeholders (SQLite)
INSERT = "INSERT INTO external_ids (external_id, opportunity_id) VALUES (?, ?)"
FILL = "INSERT OR IGNORE INTO external_ids (external_id, opportunity_id) VALUES (?, ?)"
OPENED_TOPIC = get_topic(Opportunity.OpportunityOpened)
LOOKUP_CHUNK = 500  # ids per lookup query


def external_id_of(version: int, topic: str, state: bytes) -> str | None:
    """The external_id an opening's stored state carries (None for any other event, or an
    opening without one). The application's transcoder writes JSON objects."""
    if version != 1 or topic != OPENED_TOPIC or b'"external_id"' not in state:
        return None
    if b'"external_id":null' in state:  # the key itself (quotes inside strings are escaped)
        return None
    try:
        value = orjson.loads(state).get("external_id")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return value if isinstance(value, str) and value else None


def index_rows(events: Iterable[tuple[Any, int, str, bytes]]) -> list[tuple[str, str]]:
    """(external_id, canonical opportunity id) of the openings among (originator id,
    version, topic, state) tuples."""
    rows = []
    for originator_id, version, topic, state in events:
        external_id = external_id_of(version, topic, state)
        if external_id is not None:
            rows.append((external_id, canonical_id(originator_id)))
    return rows


def chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    unique = list(dict.fromkeys(ids))
    for at in range(0, len(unique), LOOKUP_CHUNK):
        yield unique[at : at + LOOKUP_CHUNK]
