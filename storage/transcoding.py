"""The event transcoder: the library's JSON format, read and written with orjson.

Stored bytes look exactly like the library's `JSONTranscoder` output (a compact JSON
object; values of registered types as `{"_type_": name, "_data_": ...}`), so stores
written before keep decoding, and a store written now reads back with the library's own
transcoder. orjson parses and prints several times faster than the stdlib `json`
module, which is most of the cost of reading the log (catch-up, analysis, history)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timezone
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import orjson
from eventsourcing.persistence import (
    DatetimeAsISO,
    JSONTranscoder,
    Transcoding,
    TranscodingNotRegisteredError,
)

_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)  # to `default`, as in the library
_TAG, _DATA = "_type_", "_data_"
_DATETIME = DatetimeAsISO.name
_ORJSON_ZONES = (timezone, ZoneInfo)  # time zones orjson writes as isoformat does
_TAGGED_DATETIME = orjson.dumps({_TAG: DatetimeAsISO.name, _DATA: None})[: -len(b"null}")]


class OrjsonTranscoder(JSONTranscoder):
    """Same registrations and format as `JSONTranscoder`; orjson underneath."""

    def __init__(self) -> None:
        super().__init__()
        self._decoders: dict[str, Callable[[Any], Any]] = {}
        self._flat: frozenset[str] = frozenset()
        self._iso_datetimes = self._inline_datetimes = False

    def encode(self, obj: Any) -> bytes:
        try:
            return orjson.dumps(self._tag_uuids(obj), default=self._default, option=_OPTIONS)
        except orjson.JSONEncodeError as error:
            if isinstance(error.__cause__, TranscodingNotRegisteredError):
                raise error.__cause__ from None  # the library's error, as the library raises it
            raise

    def decode(self, data: bytes) -> Any:
        return self._untag(orjson.loads(data))

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        self._decoders = {
            name: _FAST_DECODERS.get(name, each.decode) for name, each in self.names.items()
        }
        # Values whose data holds no tagged value (a transcoding that says `flat = True`)
        # are given their data as read, without walking it.
        self._flat = frozenset(
            name for name, each in self.names.items() if getattr(each, "flat", False)
        )
        # The library's DatetimeAsISO: written here without the lookup and method call.
        self._iso_datetimes = type(self.types.get(datetime)) is DatetimeAsISO
        self._inline_datetimes = _DATETIME in self._decoders  # read as `_datetime` does

    def _default(self, o: Any) -> dict[str, Any] | orjson.Fragment:
        """What orjson writes for a value it cannot: the library's tagged form."""
        if type(o) is datetime and self._iso_datetimes:
            # {"_type_": "datetime_iso", "_data_": o.isoformat()}, already written
            return orjson.Fragment(_TAGGED_DATETIME + iso_json(o) + b"}")
        return self._encode_obj(o)

    def _tag_uuids(self, obj: Any) -> Any:
        """orjson writes a UUID as a bare string (no way to hand it to `default`); the
        library's format tags it, so tag it here, wherever it sits. Returns `obj` itself
        when it holds no UUID (the usual case: nothing is copied)."""
        kind = type(obj)
        if kind in _PLAIN:
            return obj
        if kind is dict:
            copied = None
            for key, value in obj.items():
                if type(value) in _PLAIN:
                    continue
                tagged = self._tag_uuids(value)
                if tagged is not value:
                    copied = dict(obj) if copied is None else copied
                    copied[key] = tagged
            return obj if copied is None else copied
        if kind is list or kind is tuple:
            tagged_items = [self._tag_uuids(v) for v in obj]
            if all(t is v for t, v in zip(tagged_items, obj, strict=True)):
                return obj
            return tagged_items
        if isinstance(obj, UUID):
            return self._encode_obj(obj)
        if isinstance(obj, dict | list | tuple):  # subclasses: as their base
            return self._tag_uuids(dict(obj) if isinstance(obj, dict) else list(obj))
        return obj

    def _untag(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is dict:
            if len(obj) == 2 and _TAG in obj and _DATA in obj:
                return self._decode_tagged(obj)
            self._untag_values(obj)
            return obj
        if kind is list:
            for value in obj:
                inner = type(value)
                if inner is dict or inner is list:
                    return [self._untag(v) for v in obj]
        return obj

    def _untag_values(self, obj: dict[str, Any]) -> None:
        """Each value of `obj` decoded in place. A tagged value is decoded where it is met
        (a datetime without a call), not by a call that first asks whether it is one: an
        event's values are mostly plain or tagged, and this is most of decoding's work."""
        for key, value in obj.items():
            inner = type(value)
            if inner is dict:
                if len(value) == 2 and _TAG in value and _DATA in value:
                    data = value[_DATA]
                    tag = value[_TAG]
                    if tag == _DATETIME and type(data) is str and self._inline_datetimes:
                        obj[key] = datetime.fromisoformat(data)
                    elif tag in self._flat:
                        obj[key] = self._decoders[tag](data)
                    else:
                        obj[key] = self._decode_tagged(value)
                else:
                    self._untag_values(value)
            elif inner is list and value:
                obj[key] = self._untag(value)

    def _decode_tagged(self, obj: dict[str, Any]) -> Any:
        name = obj[_TAG]
        try:
            decode = self._decoders[name]
        except (AttributeError, KeyError, TypeError) as error:
            msg = f"Data serialized with name {name!r} is not deserializable: no transcoding"
            raise TranscodingNotRegisteredError(msg) from error
        data = obj[_DATA]
        if (type(data) is dict or type(data) is list) and name not in self._flat:
            data = self._untag(data)
        return decode(data)


def iso_json(value: datetime) -> bytes:
    """`value.isoformat()` as a JSON string, three times faster for the time zones orjson
    writes exactly as isoformat does: none, UTC, a fixed offset (`timezone`) or a
    `ZoneInfo`, when the UTC offset has no seconds in it (isoformat keeps them, orjson
    drops them). Any other time zone (one that may answer no offset, or that orjson would
    `normalize` first) is left to isoformat."""
    zone = value.tzinfo
    if zone is not None and zone is not UTC:
        if type(zone) not in _ORJSON_ZONES:
            return orjson.dumps(value.isoformat())
        offset = value.utcoffset()
        if offset is None or offset.seconds % 60 or offset.microseconds:
            return orjson.dumps(value.isoformat())
    return orjson.dumps(value)


def _datetime(data: Any) -> datetime:
    if type(data) is not str:
        msg = "a datetime_iso value must be a string"
        raise TypeError(msg)
    return datetime.fromisoformat(data)


_PLAIN = frozenset({str, int, float, bool, type(None), datetime})

# The library's DatetimeAsISO, without its method call and assert: most of every event.
_FAST_DECODERS: dict[str, Callable[[Any], Any]] = {"datetime_iso": _datetime}
