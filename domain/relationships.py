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


class _Tally:
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


def departments(records: Iterable[EventRecord]) -> tuple[Department, ...]:
    """Each department reached, in order of first appearance, with its depth."""
    tallies: dict[str, _Tally] = {}
    for record in records:
        if record.type not in (MEETING_GAINED, INTERACTION_PLANNED, STAKEHOLDER_BOUGHT_IN):
            continue
        key = name_key(record.data["department"])
        tally = tallies.setdefault(key, _Tally(tidy(record.data["department"])))
        if record.type == STAKEHOLDER_BOUGHT_IN:
            tally.buy_in(record.data["stakeholder"], record.data["role"], record.occurred_at)
        else:
            tally.contact(record.occurred_at)
    return tuple(t.freeze() for t in tallies.values())


def relationships(records: Sequence[EventRecord]) -> Relationships:
    reached = departments(records)
    bought_in = [d for d in reached if depth_rank(d.depth) >= depth_rank(BOUGHT_IN)]
    people = {name_key(s) for d in reached for s in d.stakeholders}
    buying = _buying_departments(records)
    coverage = None
    if buying:
        covered = {name_key(d.name) for d in bought_in} & buying
        coverage = len(covered) / len(buying)
    return Relationships(reached, len(bought_in), len(people) <= 1, coverage)


def _buying_departments(records: Sequence[EventRecord]) -> set[str]:
    opened = next((r for r in records if r.type == OPENED), None)
    if opened is None:
        return set()
    return {name_key(d) for d in opened.data.get("buying_departments") or ()}


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
