"""The enumerations the API names (each one named schema in the OpenAPI document), made from
the domain's tuples: nothing here spells a value out. `Vocabulary` tuples carry their name;
the domain's other tuples (statuses, stages, trends, ...) are named here."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, TypeAlias

from pydantic import GetJsonSchemaHandler
from pydantic_core import CoreSchema

from domain.ladder import RUNGS, STAGES
from domain.lifecycle import STATUSES
from domain.momentum import TRENDS
from domain.records import EVENT_TYPES
from domain.relationships import DEPTHS
from domain.rules import CHANNELS, SOURCES, Vocabulary
from projections.account_queries import ACCOUNT_SORTS
from projections.queries import SORTS

_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")  # MeetingGained: before the G


def named_enum(vocabulary: tuple[str, ...]) -> type[enum.StrEnum]:
    """An enumeration named as the vocabulary, its members named as their values."""
    if not isinstance(vocabulary, Vocabulary):
        msg = f"an enumeration needs a named Vocabulary, not {vocabulary!r}"
        raise TypeError(msg)
    return _enum(vocabulary.name, tuple(vocabulary))


def constant(value: str) -> str:
    """A value's name in a generated client: `decision_maker` -> `DECISION_MAKER`,
    `MeetingGained` -> `MEETING_GAINED`, `-momentum` -> `MOMENTUM_DESC`."""
    name = _WORD_START.sub("_", value.removeprefix("-")).upper()
    return f"{name}_DESC" if value.startswith("-") else name


@cache
def _enum(name: str, values: tuple[str, ...]) -> type[enum.StrEnum]:
    """A StrEnum of the values. Where a generator would not name every value well by
    itself (it upper-cases a value, and numbers one that is no identifier), the schema lists
    the names as `x-enum-varnames`."""
    made: type[enum.StrEnum] = enum.StrEnum(name, {value: value for value in values})  # type: ignore[misc]
    names = [constant(value) for value in values]
    if names != [value.upper() for value in values]:
        made.__get_pydantic_json_schema__ = classmethod(_with_varnames(names))  # type: ignore[attr-defined]
    return made


def _with_varnames(
    varnames: list[str],
) -> Callable[[Any, CoreSchema, GetJsonSchemaHandler], Mapping[str, Any]]:
    def schema(_cls: Any, core: CoreSchema, handler: GetJsonSchemaHandler) -> Mapping[str, Any]:
        found = handler.resolve_ref_schema(handler(core))
        found["x-enum-varnames"] = list(varnames)
        return found

    return schema


if TYPE_CHECKING:
    Status: TypeAlias = str
    Stage: TypeAlias = str
    Rung: TypeAlias = str
    Trend: TypeAlias = str
    Depth: TypeAlias = str
    EventType: TypeAlias = str
    Sort: TypeAlias = str
    AccountSort: TypeAlias = str
    Source: TypeAlias = str
    Channel: TypeAlias = str
else:
    Status = named_enum(Vocabulary("Status", STATUSES))
    Stage = named_enum(Vocabulary("Stage", STAGES))
    Rung = named_enum(Vocabulary("Rung", RUNGS))
    Trend = named_enum(Vocabulary("Trend", TRENDS))
    Depth = named_enum(Vocabulary("Depth", DEPTHS))
    EventType = named_enum(Vocabulary("EventType", EVENT_TYPES))
    Sort = named_enum(Vocabulary("Sort", tuple(SORTS)))
    AccountSort = named_enum(Vocabulary("AccountSort", ACCOUNT_SORTS))
    Source = named_enum(SOURCES)
    Channel = named_enum(CHANNELS)
