"""The backup format: JSON Lines. The first line names the format and the fingerprint of the
integrity key the events' links need (files written before it existed start with an event):

    {"smallwins_export": 2, "key_fingerprint": "…"}

then the store's records, one per line: the people of its key ring (`{"person": {…}}`,
each with the key their names are sealed under, none for an erased one; and
`{"person_part": {…}}`, the keyed hash of a word of a name that finds them in text), the signed
records of chains renewed by `migrate-personal-data` (`{"chain_migration": {…}}`); then
one stored event per line, in log order:

    {"position": 1, "originator_id": "…", "version": 1, "topic": "…", "state": "…",
     "link": "…"}

`state` holds the stored bytes as text when they are UTF-8 (the JSON the application
writes), else `state_base64` holds them base64-encoded; either way the exact bytes come
back. `link` is the event's link in its opportunity's hash chain (`event_chain`)."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain.opportunity import Opportunity
from domain.seller import Seller
from storage import chain_records
from storage.chain import canonical_id

REQUIRED = ("position", "originator_id", "version", "topic", "link")
_LINK = re.compile(r"[0-9a-f]{64}")

# Only these topics are ever resolved (a topic names a module to import): the events of
# the opportunities and of the sellers (their goals).
KNOWN_TOPICS = frozenset(
    get_topic(value)
    for aggregate in (Opportunity, Seller)
    for value in vars(aggregate).values()
    if isinstance(value, type) and issubclass(value, aggregate.Event)
    and value is not aggregate.Event
)  # fmt: skip


class BadLine(ValueError):
    """A line of a backup file that cannot be restored, and why."""

    def __init__(self, number: int, problem: str) -> None:
        super().__init__(f"line {number}: {problem}")
        self.number = number
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Line:
    position: int
    event: StoredEvent
    link: str | None


FORMAT = 2


def header(fingerprint: str, personal_data: str | None) -> bytes:
    """The first line of a file: its format, the fingerprint of the key it needs, and
    whether the names in its events are protected ("protected") or in clear."""
    return orjson.dumps(
        {"smallwins_export": FORMAT, "key_fingerprint": fingerprint,
         "personal_data": personal_data or "clear"}
    ) + b"\n"  # fmt: skip


PERSON_COLUMNS = (
    "reference", "account_key", "lookup", "data_key", "created_at", "erased_at", "erased_by",
    "account", "opportunities", "events",
)  # fmt: skip
# Lines of the store's records that come after the header and before the events: the
# people of its key ring (an erased one without key or lookup), and the signed records of
# chains renewed by `migrate-personal-data`.
PERSON, PERSON_PART, CHAIN_MIGRATION = "person", "person_part", "chain_migration"
RECORDS = {
    PERSON: PERSON_COLUMNS,
    PERSON_PART: ("lookup", "reference"),
    CHAIN_MIGRATION: chain_records.COLUMNS,
}


def record_line(kind: str, row: tuple[Any, ...]) -> bytes:
    return orjson.dumps({kind: dict(zip(RECORDS[kind], row, strict=True))}) + b"\n"


def record_kind(text: bytes) -> str | None:
    """Which record a line holds (None: the header or an event)."""
    start = text.lstrip()
    return next((kind for kind in RECORDS if start.startswith(b'{"%s"' % kind.encode())), None)


def load_record(number: int, kind: str, text: bytes) -> tuple[Any, ...]:
    try:
        data = orjson.loads(text)[kind]
        return tuple(data[column] for column in RECORDS[kind])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        raise BadLine(number, f"not a {kind.replace('_', ' ')} record") from None


def read_header(text: bytes) -> dict[str, Any]:
    """What a file's first line says ({} when it is an event line: a file from before
    headers)."""
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) and "smallwins_export" in data else {}


def is_header(text: bytes) -> bool:
    return text.lstrip().startswith(b'{"smallwins_export"')


def dump(position: int, event: StoredEvent, link: str | None) -> bytes:
    """One line of the file (with its newline)."""
    data: dict[str, Any] = {
        "position": position,
        "originator_id": canonical_id(event.originator_id),
        "version": event.originator_version,
        "topic": event.topic,
    }
    try:
        data["state"] = event.state.decode("utf-8")
    except UnicodeDecodeError:
        data["state_base64"] = base64.b64encode(event.state).decode("ascii")
    data["link"] = link
    return orjson.dumps(data) + b"\n"


def load(number: int, text: bytes) -> Line:
    """Parse and check the shape of one line; `number` counts from 1."""
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise BadLine(number, f"not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise BadLine(number, "not a JSON object")
    missing = [k for k in REQUIRED if k not in data]
    if ("state" in data) == ("state_base64" in data):
        missing.append("state (or state_base64, exactly one of them)")
    if missing:
        raise BadLine(number, f"missing {', '.join(missing)}")
    position, version, topic, link = (data[k] for k in ("position", "version", "topic", "link"))
    if not _is_int(position) or position < 1:
        raise BadLine(number, "position must be a whole number, at least 1")
    if not _is_int(version) or version < 1:
        raise BadLine(number, "version must be a whole number, at least 1")
    if topic not in KNOWN_TOPICS:
        raise BadLine(number, f"unknown topic {topic!r}")
    if not isinstance(link, str) or not _LINK.fullmatch(link):
        raise BadLine(number, "link must be 64 lowercase hex digits")
    try:
        originator_id = UUID(str(data["originator_id"]))
    except ValueError:
        raise BadLine(number, "originator_id is not a UUID") from None
    return Line(position, StoredEvent(originator_id, version, topic, _state(number, data)), link)


def _state(number: int, data: dict[str, Any]) -> bytes:
    if "state" in data:
        if not isinstance(data["state"], str):
            raise BadLine(number, "state must be a string")
        try:
            return data["state"].encode("utf-8")
        except UnicodeEncodeError:
            raise BadLine(number, "state is not valid UTF-8 text") from None
    try:
        return base64.b64decode(data["state_base64"], validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise BadLine(number, "state_base64 is not valid base64") from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
