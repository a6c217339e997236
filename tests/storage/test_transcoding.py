"""The orjson transcoder keeps the library's stored format, both ways."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    JSONTranscoder,
    Transcoding,
    TranscodingNotRegisteredError,
)
from hypothesis import given
from hypothesis import strategies as st

from demo import generate
from domain.application import Opportunities
from domain.opportunity import to_record
from storage.config import TRANSCODER_TOPIC, eventsourcing_env, parse_database_url
from storage.transcoding import OrjsonTranscoder, iso_json


def _pair() -> tuple[OrjsonTranscoder, JSONTranscoder]:
    app = Opportunities({"PERSISTENCE_MODULE": "eventsourcing.popo", "TRANSCODER_TOPIC": TRANSCODER_TOPIC})
    ours = app.mapper.transcoder
    assert isinstance(ours, OrjsonTranscoder)
    library = JSONTranscoder()
    app.register_transcodings(library)
    return ours, library


EVENT_STATE = {
    "timestamp": datetime(2025, 1, 26, 6, 1, 56, tzinfo=UTC),
    "originator_topic": "domain.opportunity:Opportunity",
    "occurred_at": datetime(2025, 1, 25, 22, 16, tzinfo=timezone(timedelta(hours=-5))),
    "note": None,
    "recorded_by": "olga.lindqvist",
    "title": "Enterprise licence für Legal",
    "amount": 207000.0,
    "buying_departments": ["Customer Service", "HR"],
    "commitment_gained": True,
}


def test_the_application_writes_events_with_the_orjson_transcoder(tmp_path: Path) -> None:
    config = parse_database_url(f"sqlite:///{tmp_path / 'store.db'}")
    app = Opportunities(eventsourcing_env(config, "ab" * 32))
    try:
        assert type(app.mapper.transcoder) is OrjsonTranscoder
    finally:
        app.close()


def test_an_event_state_is_stored_byte_for_byte_as_the_library_would_store_it() -> None:
    ours, library = _pair()
    assert ours.encode(EVENT_STATE) == library.encode(EVENT_STATE)
    assert ours.decode(library.encode(EVENT_STATE)) == EVENT_STATE


def test_registered_types_are_tagged_wherever_they_sit_even_uuids() -> None:
    ours, library = _pair()
    ident = uuid4()
    nested = {
        "id": ident,
        "ids": [ident, {"day": date(2025, 3, 1)}],
        "amount": Decimal("1.50"),
        "deep": {"at": datetime(2030, 5, 6, tzinfo=UTC), "plain": "x"},
    }
    stored = ours.encode(nested)
    assert b'"_type_":"uuid_hex"' in stored
    assert library.decode(stored) == nested
    assert ours.decode(library.encode(nested)) == nested
    assert isinstance(ours.decode(stored)["id"], UUID)


def test_a_tag_without_a_registered_transcoding_is_refused() -> None:
    ours, _ = _pair()
    with pytest.raises(TranscodingNotRegisteredError):
        ours.decode(b'{"x":{"_type_":"nope","_data_":1}}')


def test_a_datetime_is_refused_where_no_datetime_transcoding_is_registered() -> None:
    stored = b'{"x":{"_type_":"datetime_iso","_data_":"2026-01-01T00:00:00+00:00"}}'
    with pytest.raises(TranscodingNotRegisteredError):
        OrjsonTranscoder().decode(stored)
    bare = OrjsonTranscoder()
    bare.register(_FlatPairAsData())
    with pytest.raises(TranscodingNotRegisteredError):
        bare.decode(stored)


def test_a_datetime_tag_whose_data_is_not_text_is_refused() -> None:
    ours, _ = _pair()
    with pytest.raises(TypeError):
        ours.decode(b'{"x":{"_type_":"datetime_iso","_data_":12}}')


def test_a_two_key_object_that_is_not_a_tag_stays_a_plain_object() -> None:
    ours, _ = _pair()
    assert ours.decode(b'{"x":{"_type_":"a","other":1}}') == {"x": {"_type_": "a", "other": 1}}


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.datetimes(timezones=st.just(UTC))
    | st.uuids(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=6))
def test_either_transcoder_reads_what_the_other_wrote(value: dict[str, object]) -> None:
    ours, library = _pair()
    assert library.decode(ours.encode(value)) == library.decode(library.encode(value))
    assert ours.decode(library.encode(value)) == library.decode(library.encode(value))


def test_bulk_decoding_gives_the_record_the_mapper_and_to_record_give(tmp_path: Path) -> None:
    app = Opportunities(eventsourcing_env(parse_database_url(f"sqlite:///{tmp_path / 'd.db'}")))
    try:
        generate(app, opportunities=40, seed=3, workers=0)
        stored = app.recorder.select_notifications(start=1, limit=10_000)
        assert len(stored) > 200
        for event in stored:
            assert app.record_of(event) == to_record(app.mapper.to_domain_event(event))
    finally:
        app.close()


def test_an_unregistered_type_is_refused_as_the_library_refuses_it() -> None:
    @dataclass
    class Unknown:
        x: int

    ours, library = _pair()
    for transcoder in (ours, library):
        with pytest.raises(TranscodingNotRegisteredError):
            transcoder.encode({"value": Unknown(1)})


def test_a_state_without_uuids_is_encoded_without_being_copied() -> None:
    ours, _ = _pair()
    state = dict(EVENT_STATE)
    assert ours._tag_uuids(state) is state
    assert ours._tag_uuids({"ids": (uuid4(),)})["ids"][0]["_type_"] == "uuid_hex"


OFFSETS = st.timedeltas(
    min_value=timedelta(hours=-23, minutes=59), max_value=timedelta(hours=23, minutes=59)
)


class NoOffset(tzinfo):
    """A time zone that answers no UTC offset: isoformat writes none."""

    def utcoffset(self, _dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, _dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, _dt: datetime | None) -> str:
        return "unknown"


class Normalizing(tzinfo):
    """pytz's shape: a `normalize` method orjson calls before writing (isoformat does not)."""

    def utcoffset(self, _dt: datetime | None) -> timedelta:
        return timedelta(minutes=20)

    def dst(self, _dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, _dt: datetime | None) -> str:
        return "LMT"

    def normalize(self, dt: datetime) -> datetime:
        return dt.replace(tzinfo=timezone(timedelta(hours=1)))


ODD_ZONES = st.sampled_from([NoOffset(), Normalizing()])
ZONES = st.none() | st.just(UTC) | OFFSETS.map(timezone) | st.timezones() | ODD_ZONES


@given(st.datetimes(timezones=ZONES))
def test_the_fast_iso_text_of_a_datetime_is_its_isoformat(value: datetime) -> None:
    assert iso_json(value) == orjson.dumps(value.isoformat())


@given(st.datetimes(timezones=ZONES))
def test_a_datetime_in_any_time_zone_is_stored_byte_for_byte_as_the_library_would(
    value: datetime,
) -> None:
    ours, library = _pair()
    state = {"at": value, "nested": [{"at": value}]}
    assert ours.encode(state) == library.encode(state)


def test_a_utc_offset_with_seconds_keeps_its_seconds_in_the_iso_text() -> None:
    value = datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=5, minutes=30, seconds=15)))
    assert iso_json(value) == b'"2025-01-01T00:00:00+05:30:15"'


@dataclass(frozen=True)
class _Pair:
    left: str
    right: str


class _PairAsData(Transcoding):
    type = _Pair
    name = "pair_test"

    def encode(self, obj: _Pair) -> dict[str, str]:
        return {"left": obj.left, "right": obj.right}

    def decode(self, data: dict[str, Any]) -> dict[str, Any]:
        return data  # what it was given, to see whether it was walked


class _FlatPairAsData(_PairAsData):
    name = "flat_pair_test"
    flat = True


def test_a_flat_transcoding_is_given_its_data_as_stored_and_others_theirs_decoded() -> None:
    transcoder = OrjsonTranscoder()
    transcoder.register(_PairAsData())
    transcoder.register(_FlatPairAsData())
    tagged_in_data = {"_type_": "datetime_iso", "_data_": "2026-01-01T00:00:00+00:00"}
    stored = orjson.dumps({
        "walked": {"_type_": "pair_test", "_data_": {"left": tagged_in_data}},
        "flat": {"_type_": "flat_pair_test", "_data_": {"left": tagged_in_data}},
    })  # fmt: skip
    with pytest.raises(TranscodingNotRegisteredError):  # walked: the inner tag is read
        transcoder.decode(stored)
    transcoder.register(DatetimeAsISO())
    decoded = transcoder.decode(stored)
    assert decoded["walked"] == {"left": datetime(2026, 1, 1, tzinfo=UTC)}
    assert decoded["flat"] == {"left": tagged_in_data}
