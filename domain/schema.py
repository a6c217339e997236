"""Reading the event declarations: which fields an event class declares (with their types
and specs), which are common to every event, and cleaning a command's fields by them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cache
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from domain.errors import InvalidValue
from domain.fields import Spec

# Set by the library or the server for every event, never part of an event's data.
_LIBRARY = frozenset({"originator_id", "originator_version", "originator_topic", "timestamp"})
COMMON = ("occurred_at", "note", "recorded_by")


@dataclass(frozen=True, slots=True)
class Declared:
    """One declared field: its name, Python type (without the spec) and spec."""

    name: str
    type: Any
    spec: Spec


@cache
def declared(event_class: type) -> tuple[Declared, ...]:
    """The fields the class (and its bases) declare with a spec, bases first."""
    hints = get_type_hints(event_class, include_extras=True)
    found: list[Declared] = []
    for name, hint in hints.items():
        if get_origin(hint) is not Annotated:
            continue
        base, *extras = get_args(hint)
        spec = next((e for e in extras if isinstance(e, Spec)), None)
        if spec is not None:
            found.append(Declared(name, base, spec))
    return tuple(found)


@cache
def own_fields(event_class: type) -> tuple[Declared, ...]:
    """The event's own fields (the common ones left out), in declaration order."""
    return tuple(d for d in declared(event_class) if d.name not in COMMON)


@cache
def common_fields(event_class: type) -> tuple[Declared, ...]:
    return tuple(d for d in declared(event_class) if d.name in COMMON)


@cache
def data_fields(event_class: type) -> tuple[str, ...]:
    """What a recorded event's `data` holds: its own fields and the note."""
    return tuple(
        f.name
        for f in fields(event_class)
        if f.name not in _LIBRARY and f.name not in ("occurred_at", "recorded_by")
    )


def clean(event_class: type, given: Mapping[str, Any]) -> dict[str, Any]:
    """The event's own fields as they will be recorded, each cleaned by its spec (fields
    the server assigns are left to the command)."""
    known = {d.name: d for d in own_fields(event_class)}
    for name in given:
        if name not in known:
            raise InvalidValue(name, f"is not a field of {event_class.__name__}")
    cleaned: dict[str, Any] = {}
    for name, field in known.items():
        if field.spec.assigned:
            cleaned[name] = None
            continue
        value = given.get(name)
        if value is None and not field.spec.required and type(None) in get_args(field.type):
            cleaned[name] = field.spec.default  # a field that may be None, left out, stays so
            continue
        cleaned[name] = field.spec.clean(value, name)
    return cleaned


def recordable(aggregate_class: type) -> dict[str, Any]:
    """The aggregate's event classes by name, in declaration order."""
    base = aggregate_class.Event  # type: ignore[attr-defined]
    return {
        name: value
        for name, value in vars(aggregate_class).items()
        if isinstance(value, type)
        and issubclass(value, base)
        and name not in ("Event", "Created")
    }
