"""Request bodies built from the domain's event declarations (domain.opportunity): one model
per event type, with each field's type, limits, description and example as declared there.
Nothing is spelled out here, so nothing can drift."""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias, Union

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    StrictBool,
    StrictInt,
    create_model,
)

from api.schemas.enums import named_enum
from domain import fields as f
from domain.opportunity import EVENTS, OPENED, Opportunity
from domain.rules import Vocabulary
from domain.schema import Declared, common_fields, own_fields


def choice(spec: f.Choice) -> Any:
    """The type of a choice: its vocabulary's named enumeration, else a literal."""
    options = spec.options
    return named_enum(options) if isinstance(options, Vocabulary) else Literal[options]


def annotation(spec: f.Spec) -> Any:
    """The request type of a field declared with `spec`."""
    if isinstance(spec, f.Choice):
        return choice(spec)
    if isinstance(spec, f.Currency):
        return Annotated[str, Field(min_length=3, max_length=3)]
    if isinstance(spec, f.Text):
        return Annotated[str, Field(max_length=spec.max_length)]
    if isinstance(spec, f.Amount):
        return Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
    if isinstance(spec, f.Names):
        item = Annotated[str, Field(max_length=f.NAME_MAX)]
        return Annotated[list[item], Field(max_length=spec.max_items)]
    if isinstance(spec, f.Instant):
        return AwareDatetime
    if isinstance(spec, f.Day):
        return date
    if isinstance(spec, f.Flag):
        return StrictBool
    if isinstance(spec, f.Count):
        return Annotated[StrictInt, Field(ge=spec.minimum)]
    if isinstance(spec, f.Targets):
        return dict[named_enum(spec.metrics), Annotated[StrictInt, Field(ge=spec.minimum)]]  # type: ignore[misc]
    msg = f"no request type for {type(spec).__name__}"
    raise TypeError(msg)


def field_definition(declared: Declared) -> tuple[Any, Any]:
    """(type, FieldInfo) of one declared field for `create_model`."""
    spec = declared.spec
    kind = annotation(spec)
    describe: dict[str, Any] = {"description": spec.description or None}
    if spec.example is not None:
        describe["examples"] = [spec.example]
    if spec.required:
        return kind, Field(..., **describe)
    return kind | None, Field(None, **describe)


class EventFields(BaseModel):
    """What every request body for an event holds besides its own fields."""

    model_config = ConfigDict(extra="forbid")

    def fields(self) -> dict[str, Any]:
        """The event's own fields, for the domain command (enumerations as plain strings)."""
        dumped = self.model_dump(exclude={"type", "occurred_at", "note"}, exclude_none=True)
        return {name: _plain(value) for name, value in dumped.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    return value


def _common() -> dict[str, Any]:
    return {d.name: field_definition(d) for d in common_fields(Opportunity.Event)}


def _example(event_class: type, *, typed: bool) -> dict[str, Any]:
    example: dict[str, Any] = {"type": event_class.__name__} if typed else {}
    for declared in own_fields(event_class):
        if declared.spec.example is not None and not declared.spec.assigned:
            example[declared.name] = declared.spec.example
    return example


def body_model(event_class: type, *, typed: bool = True) -> type[EventFields]:
    """The request body of one event type (`typed`: with its `type` discriminator)."""
    name = event_class.__name__
    definitions: dict[str, Any] = {}
    if typed:
        definitions["type"] = (Literal[name], Field(..., description="The event type."))
    for declared in own_fields(event_class):
        if not declared.spec.assigned:
            definitions[declared.name] = field_definition(declared)
    definitions.update(
        {k: v for k, v in _common().items() if k in ("occurred_at", "note")}
    )
    model: type[EventFields] = create_model(
        name if typed else "OpenOpportunity",
        __base__=EventFields,
        __doc__=(event_class.__doc__ or "").strip(),
        **definitions,
    )
    model.model_config["json_schema_extra"] = {
        "examples": [_example(event_class, typed=typed)]
    }
    model.model_rebuild(force=True)
    return model


if TYPE_CHECKING:
    OpenOpportunity: TypeAlias = EventFields
else:
    OpenOpportunity = body_model(Opportunity.OpportunityOpened, typed=False)
BODIES: dict[str, type[EventFields]] = {
    name: body_model(event_class) for name, event_class in EVENTS.items() if name != OPENED
}
# One named example per event type, for the record-event operation's request body.
EVENT_EXAMPLES: dict[str, Any] = {
    name: {"summary": name, "value": _example(EVENTS[name], typed=True)} for name in BODIES
}


class EventBody(RootModel[Any]):
    """One event to record: its `type` and that type's fields."""

    root: Annotated[
        Union[tuple(BODIES.values())],  # type: ignore[valid-type]  # noqa: UP007
        Field(discriminator="type"),
    ]

    @property
    def event(self) -> EventFields:
        body: EventFields = self.root
        return body
