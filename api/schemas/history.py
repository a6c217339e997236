"""History and feed items as the OpenAPI document describes them: one item model per event
type (`HistoryItemMeetingGained`, `FeedItemMeetingGained`, ...), picked by `type`, whose
`data` (`MeetingGainedData`, ...) is built from the event's declarations in domain.opportunity,
like the request bodies of api.schemas.events: every field the recorded event holds, the ones
the server assigns and the note included, each with its type, format and description.

These describe, they do not serialize: the routes send the items api.presenters makes, byte
for byte as before. Validating every item against a per-type union on the way out would slow
down every history read and turn a stored event that an older rule let in into a 500; the
fuzz tests (tests/reliability) check the answers against these schemas instead."""

from __future__ import annotations

import types
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias, Union, cast, get_args

from pydantic import BaseModel, Field, RootModel, create_model

from api.schemas.enums import named_enum
from api.schemas.events import choice
from api.schemas.responses import UtcDatetime
from domain import fields as f
from domain.opportunity import EVENTS
from domain.schema import COMMON, Declared, data_fields, declared


def value_type(spec: f.Spec) -> Any:
    """The type of a recorded value declared with `spec`, as the API sends it."""
    if isinstance(spec, f.Choice):
        return choice(spec)
    if isinstance(spec, f.Instant):
        return UtcDatetime
    if isinstance(spec, f.Day):
        return date
    if isinstance(spec, f.Amount):
        return float
    if isinstance(spec, f.Names):
        return list[str]
    if isinstance(spec, f.Flag):
        return bool
    if isinstance(spec, f.Count):
        return int
    if isinstance(spec, f.Targets):
        return dict[named_enum(spec.metrics), int]  # type: ignore[misc]
    if isinstance(spec, f.Text | f.Currency):
        return str
    msg = f"no response type for {type(spec).__name__}"
    raise TypeError(msg)


def nullable(declared_type: Any) -> bool:
    """Whether the declared Python type admits None (`str | None`)."""
    if (
        isinstance(declared_type, types.UnionType)
        or getattr(declared_type, "__origin__", None) is Union
    ):
        return type(None) in get_args(declared_type)
    return declared_type is type(None)


def data_field(field: Declared) -> tuple[Any, Any]:
    """(type, FieldInfo) of one recorded field: always present, null only where the
    declaration allows it."""
    kind = value_type(field.spec)
    description = field.spec.description or None
    if nullable(field.type):
        kind = kind | None
    return kind, Field(..., description=description)


@cache
def data_model(event_class: type) -> type[BaseModel]:
    """`<Type>Data`: what a recorded event's `data` holds (domain.schema.data_fields); one
    model, shared by the history's and the feed's items."""
    name = event_class.__name__
    by_name = {d.name: d for d in declared(event_class)}
    names = sorted(data_fields(event_class), key=lambda n: n in COMMON)  # the note last
    missing = [n for n in names if n not in by_name]
    if missing:
        msg = f"{name} records fields without a declaration: {', '.join(missing)}"
        raise TypeError(msg)
    model: type[BaseModel] = create_model(
        f"{name}Data",
        __doc__=f"The fields of a recorded {name}.",
        **{n: data_field(by_name[n]) for n in names},  # type: ignore[call-overload]
    )
    return model


class RecordedEvent(BaseModel):
    """What every recorded event carries besides its type and data."""

    version: int = Field(description="Its place in the opportunity's history, from 1.")
    type: str = Field(description="The event type.")  # each item model narrows it
    occurred_at: UtcDatetime = Field(description="Business time: when it happened.")
    recorded_at: UtcDatetime = Field(description="When the server recorded it.")
    recorded_by: str = Field(description="The name of the API key that recorded it.")


class HistoryFields(RecordedEvent):
    retracted_by: int | None = Field(
        description="The version of the EventRetracted that took it back; null if it stands."
    )


class FeedFields(RecordedEvent):
    position: int = Field(description="Its position in the global log (`after` of the next read).")
    opportunity_id: str = Field(description="The opportunity it belongs to.")


def item_model(base: type[BaseModel], prefix: str, event_class: type) -> type[BaseModel]:
    """`<prefix><Type>`: `base` with the event's `type` and its typed `data`."""
    name = event_class.__name__
    definitions: dict[str, Any] = {
        "type": (Literal[name], Field(..., description="The event type.")),
        "data": (data_model(event_class), Field(..., description="The event's fields.")),
    }
    made: type[BaseModel] = create_model(
        f"{prefix}{name}",
        __base__=base,
        __doc__=(event_class.__doc__ or "").strip() or None,
        **definitions,
    )
    return made


def item_models(base: type[BaseModel], prefix: str) -> list[type[BaseModel]]:
    """`<prefix><Type>` for every event type of an opportunity."""
    return [item_model(base, prefix, event_class) for event_class in EVENTS.values()]


def union(name: str, models: list[type[BaseModel]], doc: str) -> type[RootModel[Any]]:
    """A named schema: one of `models`, picked by `type` (oneOf with a discriminator)."""
    root = Annotated[Union[tuple(models)], Field(discriminator="type")]  # type: ignore[valid-type]  # noqa: UP007
    made = create_model(name, __base__=RootModel[root], __doc__=doc)  # type: ignore[valid-type]
    return cast("type[RootModel[Any]]", made)


def page(name: str, item: type[RootModel[Any]], doc: str) -> type[BaseModel]:
    made: type[BaseModel] = create_model(
        name,
        __doc__=doc,
        items=(list[item], ...),  # type: ignore[valid-type]
        next_cursor=(str | None, Field(..., description="The next page; null on the last.")),
    )
    return made


if TYPE_CHECKING:
    HistoryPage: TypeAlias = BaseModel
    FeedPage: TypeAlias = BaseModel
else:
    HistoryItem = union(
        "HistoryItem",
        item_models(HistoryFields, "HistoryItem"),
        "One event of an opportunity's history, by its `type`.",
    )
    FeedItem = union(
        "FeedItem",
        item_models(FeedFields, "FeedItem"),
        "One event of the global feed, by its `type`.",
    )
    HistoryPage = page("HistoryPage", HistoryItem, "One page of a history, oldest first.")
    FeedPage = page("FeedPage", FeedItem, "One page of the feed, in commit order.")
