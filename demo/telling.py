"""All the stories at once, in the order their steps were recorded, as the events the
domain records for them.

Two ways to the same events. Checked: each deal is played through the domain's own
commands on its own aggregate, so every rule is enforced. Direct (the bulk path): each
step becomes its event straight away, without an aggregate; the stories only ever take
steps the rules allow, with values already in the form the commands store them, and a
test compares the two ways byte for byte on several seeds. Either way the events go
through the application's mapper and are linked into their chains here, so the parent
process only merges and writes."""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Iterator
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.persistence import Mapper
from eventsourcing.utils import get_topic

from demo.goals import goal_events
from demo.order import WINDOW_DAYS, in_order
from demo.people import DemoPeople, Made, RunSecret, demo_mapper
from demo.story import Step
from domain.lifecycle import LOST, OPEN, PAUSED_STATUS, WON
from domain.opportunity import Opportunity, Stamp
from domain.records import (
    CLOSED_LOST,
    CLOSED_WON,
    EVENT_TYPES,
    OPENED,
    PAUSED,
    REOPENED,
    RESUMED,
)
from storage.chain import GENESIS, canonical_link
from storage.personal import PersonalMapper

# The status a deal's last status-changing event leaves it in (the lifecycle's rule, for
# the direct path's summary; the test compares it with the aggregates' lifecycle).
_STATUS_AFTER = {
    PAUSED: PAUSED_STATUS,
    RESUMED: OPEN,
    REOPENED: OPEN,
    CLOSED_WON: WON,
    CLOSED_LOST: LOST,
}
_OWNER_TOPIC = get_topic(Opportunity)


class Stored(NamedTuple):
    """One recorded event, stored: its merge key (`at`, `deal`, `number`), its stored form,
    and the deal's final status when this was the last event of its story (else None)."""

    at: float
    deal: int
    number: int
    originator_id: UUID
    version: int
    topic: str
    state: bytes
    status: str | None
    people: tuple[Made, ...] = ()  # the people this event named first (to be written)


# (at, deal, number, originator id, version, topic, state, link, status): the merge key,
# the event as `integrity.Linked` (row[3:8]), and the status as in `Told`.
Row = tuple[float, int, int, str, int, str, bytes, str, str | None, tuple[Made, ...]]


def stored(
    seed: int,
    count: int,
    end: float,
    mapper: Mapper[Any],
    *,
    secret: RunSecret,
    part: int = 0,
    parts: int = 1,
    checked: bool = True,
    goals: bool = True,
) -> Iterator[Stored]:
    """The stored events of deals `part`, `part + parts`, … in recording order (all deals
    with the defaults): through the domain's commands when `checked`, else directly. The
    people are sealed under keys made from `secret` (demo.people), on `mapper`'s
    transcoder. With `goals`, the reps' goals too (in part 0)."""
    steps = in_order(seed, count, end, part=part, parts=parts)
    people = DemoPeople(secret)
    sealing = demo_mapper(mapper.transcoder, people)
    told = _through_commands(steps, sealing) if checked else _directly(steps, sealing)
    if goals and part == 0:  # the reps' goals, told once
        told = heapq.merge(told, _goals(seed, count, end, sealing), key=_merge_key)
    for item in told:
        yield item._replace(people=people.take())


def _merge_key(item: Stored) -> tuple[float, int, int]:
    return item.at, item.deal, item.number


def _goals(seed: int, count: int, end: float, mapper: Mapper[Any]) -> Iterator[Stored]:
    for at, place, event in goal_events(seed, count, end, WINDOW_DAYS):
        s = mapper.to_stored_event(event)
        version = s.originator_version
        yield Stored(at, place, version - 1, event.originator_id, version, s.topic, s.state, None)


def linked(items: Iterator[Stored], key: bytes) -> Iterator[Row]:
    """Each stored event linked into its chain. Every deal is new, so its chain starts at
    the genesis link (a store that already holds one of these opportunities refuses the
    write: the events' key)."""
    heads: dict[int, tuple[str, str]] = {}  # deal -> (canonical id, last link)
    for at, deal, number, uuid, version, topic, state, status, people in items:
        head = heads.pop(deal, None)
        originator_id, previous = head or (str(uuid), GENESIS)
        new_link = canonical_link(key, previous, originator_id, version, topic, state)
        if status is None:
            heads[deal] = (originator_id, new_link)
        yield at, deal, number, originator_id, version, topic, state, new_link, status, people


def _through_commands(
    steps: Iterator[tuple[float, int, int, list[Step]]], mapper: Mapper[Any]
) -> Iterator[Stored]:
    deals: dict[int, Opportunity] = {}
    for at, deal, number, plan in steps:
        opportunity = _play(deals.pop(deal, None), plan[number])
        (event,) = opportunity.collect_events()
        last = number + 1 == len(plan)
        if not last:
            deals[deal] = opportunity
        s = mapper.to_stored_event(event)
        status = opportunity.deal.lifecycle.status if last else None
        yield Stored(at, deal, number, event.originator_id, s.originator_version, s.topic,
                     s.state, status)  # fmt: skip


def _play(opportunity: Opportunity | None, step: Step) -> Opportunity:
    stamp = Stamp(step.recorded_by, step.recorded_at, step.occurred_at, step.note)
    if opportunity is None:
        if step.kind != OPENED:
            msg = f"a story must start with {OPENED}, not {step.kind}"
            raise ValueError(msg)
        fields = dict(step.fields)
        return Opportunity.open(stamp, fields, opportunity_id=fields.pop("opportunity_id", None))
    opportunity.record(step.kind, stamp, step.fields)
    return opportunity


def _directly(
    steps: Iterator[tuple[float, int, int, list[Step]]], mapper: PersonalMapper
) -> Iterator[Stored]:
    """Each step's event state in its class's field order, stored as the mapper stores an
    event (`_stored_state`)."""
    ids: dict[int, UUID] = {}
    statuses: dict[int, str] = {}
    for at, deal, number, plan in steps:
        step = plan[number]
        values = {
            "timestamp": step.recorded_at,
            "occurred_at": step.occurred_at,
            "note": step.note,
            "recorded_by": step.recorded_by,
            **step.fields,
        }
        if number == 0:
            ids[deal] = values.pop("opportunity_id")
            values["originator_topic"] = _OWNER_TOPIC
        topic, names, class_version = _EVENT_FIELDS[step.kind]
        fields = {name: values.get(name) for name in names}  # a field a story leaves out: None
        if mapper.protector is not None:  # people as tokens, as the mapper stores them
            mapper.protector.protect(getattr(Opportunity, step.kind), ids[deal], fields)
        if class_version > 1:
            fields["class_version"] = class_version  # as the mapper adds it
        state = _stored_state(mapper, fields)
        status = _STATUS_AFTER.get(step.kind)
        if status is not None:
            statuses[deal] = status
        final = None
        if number + 1 == len(plan):
            final = statuses.pop(deal, OPEN)
            yield Stored(at, deal, number, ids.pop(deal), number + 1, topic, state, final)
        else:
            yield Stored(at, deal, number, ids[deal], number + 1, topic, state, final)


def _stored_state(mapper: Mapper[Any], state: dict[str, Any]) -> bytes:
    """What `Mapper.to_stored_event` makes of an event's state."""
    data = mapper.transcoder.encode(state)
    if mapper.compressor:
        data = mapper.compressor.compress(data)
    if mapper.cipher:
        data = mapper.cipher.encrypt(data)
    return data


def _event_fields() -> dict[str, tuple[str, tuple[str, ...], int]]:
    """Each event type's topic, the names of its state in the order the mapper writes them
    (the event class's fields, without the id and version), and its class version."""
    found = {}
    for kind in EVENT_TYPES:
        event_class = getattr(Opportunity, kind)
        names = tuple(
            f.name
            for f in dataclasses.fields(event_class)
            if f.name not in ("originator_id", "originator_version")
        )
        found[kind] = (get_topic(event_class), names, getattr(event_class, "class_version", 1))
    return found


_EVENT_FIELDS = _event_fields()
