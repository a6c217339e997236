"""A link's definition is part of every store ever written: a change to it would make
`verify` refuse stores written before. Pinned here, computed the plain way."""

from __future__ import annotations

import hashlib
import hmac
from uuid import UUID

from storage.chain import GENESIS, canonical_link, link

KEY = bytes(range(32))
DEAL = UUID("5d1f2b7e-1c2a-4f4e-9a8b-0c1d2e3f4a5b")
TOPIC = "domain.opportunity:Opportunity.MeetingGained"
STATE = b'{"timestamp":{"_type_":"datetime_iso","_data_":"2025-01-26T06:01:56+00:00"}}'


def plain_link(previous: str, originator_id: str, version: int, topic: str, state: bytes) -> str:
    parts = (previous, originator_id, str(version), topic)
    framed = b"".join(len(p.encode()).to_bytes(4, "big") + p.encode() for p in parts)
    return hmac.new(KEY, framed + state, hashlib.sha256).hexdigest()


def test_a_link_is_the_keyed_hash_of_the_length_framed_parts_then_the_stored_bytes() -> None:
    first = link(KEY, GENESIS, DEAL, 1, TOPIC, STATE)
    assert first == plain_link(GENESIS, str(DEAL), 1, TOPIC, STATE)
    second = canonical_link(KEY, first, str(DEAL), 12345, TOPIC, b"")
    assert second == plain_link(first, str(DEAL), 12345, TOPIC, b"")


def test_the_link_of_a_known_event_has_not_changed() -> None:
    assert link(KEY, GENESIS, DEAL, 1, TOPIC, STATE) == (
        "61caf0d10569a49b3b7383488620002a787b9f1fff8d725ba4e8d2b043abff67"
    )
