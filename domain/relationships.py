"""Relationship depth per department of the customer: contacted (someone there met us or
is in a planned interaction), bought_in (a stakeholder there bought in), decision_maker
(a decision maker or economic buyer there bought in)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.names import name_key, tidy
from domain.records import (
    DECISION_ROLES,
    DETAILS_CHANGED,
    INTERACTION_PLANNED,
    MEETING_GAINED,
    OPENED,
    STAKEHOLDER_BOUGHT_IN,
    EventRecord,
)

CONTACTED, BOUGHT_IN, DECISION_MAKER = "contacted", "bought_in", "decision_maker"
DEPTHS: tuple[str, ...] = (CONTACTED, BOUGHT_IN, DECISION_MAKER)


@dataclass(frozen=True, slots=True)
class Department:
    name: str
    depth: str
    stakeholders: tuple[str, ...]
    first_contacted_at: datetime | None
    first_bought_in_at: datetime | None


@dataclass(frozen=True, slots=True)
class Relationships:
    departments: tuple[Department, ...]
    bought_in_departments: int
    single_threaded: bool
    coverage: float | None


def depth_rank(depth: str) -> int:
    return DEPTHS.index(depth)


class DepartmentTally:
    """Mutable accumulator for one department while folding records."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rank = 0
        self.stakeholders: dict[str, str] = {}
        self.first_contacted_at: datetime | None = None
        self.first_bought_in_at: datetime | None = None

    def contact(self, at: datetime) -> None:
        self.first_contacted_at = _earliest(self.first_contacted_at, at)

    def buy_in(self, stakeholder: str, role: str, at: datetime) -> None:
        self.stakeholders.setdefault(name_key(stakeholder), tidy(stakeholder))
        self.rank = max(self.rank, 2 if role in DECISION_ROLES else 1)
        self.first_bought_in_at = _earliest(self.first_bought_in_at, at)

    def freeze(self) -> Department:
        return Department(
            self.name,
            DEPTHS[self.rank],
            tuple(self.stakeholders.values()),
            self.first_contacted_at,
            self.first_bought_in_at,
        )


def _earliest(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None or candidate < current else current


class RelationshipTally:
    """The departments reached so far, in order of first appearance, one event at a time."""

    __slots__ = ("tallies",)

    def __init__(self) -> None:
        self.tallies: dict[str, DepartmentTally] = {}

    def add(self, record: EventRecord) -> None:
        if record.type not in (MEETING_GAINED, INTERACTION_PLANNED, STAKEHOLDER_BOUGHT_IN):
            return
        department = record.data["department"]
        key = name_key(department)
        tally = self.tallies.get(key)
        if tally is None:
            tally = self.tallies[key] = DepartmentTally(tidy(department))
        if record.type == STAKEHOLDER_BOUGHT_IN:
            tally.buy_in(record.data["stakeholder"], record.data["role"], record.occurred_at)
        else:
            tally.contact(record.occurred_at)

    def departments(self) -> tuple[Department, ...]:
        return tuple(t.freeze() for t in self.tallies.values())

    def relationships(self, buying_departments: Iterable[str]) -> Relationships:
        """Depth per department; coverage is the bought-in share of `buying_departments`."""
        reached = self.departments()
        bought_in = [d for d in reached if depth_rank(d.depth) >= depth_rank(BOUGHT_IN)]
        people = {key for t in self.tallies.values() for key in t.stakeholders}
        buying = {name_key(d) for d in buying_departments}
        coverage = None
        if buying:
            covered = {name_key(d.name) for d in bought_in} & buying
            coverage = len(covered) / len(buying)
        return Relationships(reached, len(bought_in), len(people) <= 1, coverage)


def departments(records: Iterable[EventRecord]) -> tuple[Department, ...]:
    """Each department reached, in order of first appearance, with its depth."""
    tally = RelationshipTally()
    for record in records:
        tally.add(record)
    return tally.departments()


def relationships(records: Sequence[EventRecord]) -> Relationships:
    """Relationships of a sequence of records; buying departments as last given."""
    tally = RelationshipTally()
    buying: list[str] = []
    for record in records:
        tally.add(record)
        if record.type in (OPENED, DETAILS_CHANGED):
            given = record.data.get("buying_departments")
            buying = given if given is not None else buying
    return tally.relationships(buying)


@dataclass(frozen=True, slots=True)
class AccountDepartment:
    name: str
    depth: str
    stakeholders: tuple[str, ...]
    opportunities: tuple[str, ...]
    first_contacted_at: datetime | None
    first_bought_in_at: datetime | None


def merge_departments(reached: Iterable[tuple[str, Department]]) -> tuple[AccountDepartment, ...]:
    """Departments across an account's opportunities (given oldest opportunity first): the
    deepest depth, every stakeholder, the opportunities that reached it, and since when."""
    merged: dict[str, AccountDepartment] = {}
    for opportunity_id, dept in reached:
        key = name_key(dept.name)
        seen = merged.get(key)
        if seen is None:
            merged[key] = AccountDepartment(
                dept.name,
                dept.depth,
                dept.stakeholders,
                (opportunity_id,),
                dept.first_contacted_at,
                dept.first_bought_in_at,
            )
            continue
        people = {name_key(s): s for s in seen.stakeholders}
        for person in dept.stakeholders:
            people.setdefault(name_key(person), person)
        merged[key] = AccountDepartment(
            seen.name,
            max(seen.depth, dept.depth, key=depth_rank),
            tuple(people.values()),
            (*seen.opportunities, opportunity_id)
            if opportunity_id not in seen.opportunities
            else seen.opportunities,
            _min(seen.first_contacted_at, dept.first_contacted_at),
            _min(seen.first_bought_in_at, dept.first_bought_in_at),
        )
    return tuple(merged.values())


def _min(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)
