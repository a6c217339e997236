"""The Seller aggregate: one per owner (owners matched like accounts), holding the weekly
small-win goals the seller set, every one of them kept so a past week is judged by the
goals in force then."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.fields import Prose, Targets, Text, occurred_at
from domain.goals import Goals
from domain.names import name_key
from domain.opportunity import Stamp
from domain.rules import GOAL_METRICS
from domain.schema import clean

SELLERS = UUID("5e11e45a-0000-4000-8000-736d616c6c77")  # the namespace of sellers' ids


def seller_id(owner: str) -> UUID:
    """The id of an owner's Seller aggregate: the same for every spelling of the name."""
    return uuid5(SELLERS, name_key(owner))


class Seller(Aggregate):
    """A seller and the goals they set."""

    class Event(Aggregate.Event):
        occurred_at: datetime
        note: Annotated[str | None, Prose(required=False, free_text=True)]
        recorded_by: Annotated[str, Text(assigned=True)]

    class SellerRegistered(Event, Aggregate.Created):
        """The first time goals are set for an owner: the owner's name as first spelled."""

        owner: Annotated[str, Text(description="The seller (an opportunity owner).")]

    class GoalsSet(Event):
        """Weekly small-win goals: a target per metric, in force from when they were set
        until the next GoalsSet."""

        weekly: Annotated[
            dict[str, int],
            Targets(metrics=GOAL_METRICS, example={"MeetingGained": 3, "DemoScheduled": 1}),
        ]

        def apply(self, aggregate: Seller) -> None:
            aggregate.goals.append(Goals(dict(self.weekly), self.occurred_at, self.originator_version))

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.goals: list[Goals] = []

    @classmethod
    def register(cls, stamp: Stamp, owner: str) -> Seller:
        cleaned = str(Text().clean(owner, "owner"))
        return cls._create(
            cls.SellerRegistered,
            id=seller_id(cleaned),
            timestamp=stamp.now,
            occurred_at=stamp.now,
            note=None,
            recorded_by=stamp.recorded_by,
            owner=cleaned,
        )

    def set_goals(self, stamp: Stamp, fields: Mapping[str, Any]) -> None:
        data = clean(self.GoalsSet, fields)
        self.trigger_event(
            self.GoalsSet,
            timestamp=stamp.now,
            occurred_at=occurred_at(stamp.occurred_at, stamp.now, None),
            note=None,
            recorded_by=stamp.recorded_by,
            **data,
        )
