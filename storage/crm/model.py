"""What an importer reads from a CRM export, in the same shape for every CRM: deals, the
steps of their history (a stage entered, an amount changed) and the people on them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Skipped:
    """A row of the export that records nothing, and why."""

    where: str  # "Opportunity.csv line 7"
    reason: str


def place(source: str, line: int | None) -> str:
    """Where a row is, for the report: "OpportunityHistory.csv line 12", or a JSON deal."""
    return source if line is None else f"{source} line {line}"


@dataclass(frozen=True, slots=True)
class Step:
    """One row of a deal's history: at `at` its stage was `stage` (None: unchanged) and
    its amount `amount` (None: not given). `source` is shared by many steps (a file name)."""

    at: datetime
    source: str
    line: int | None
    stage: str | None = None
    amount: float | None = None
    synthetic: bool = False  # no history: the current stage, as if entered at the opening

    @property
    def where(self) -> str:
        return place(self.source, self.line)


@dataclass(frozen=True, slots=True)
class Person:
    """Someone on the deal: a contact role (Salesforce: bought in at `since`, with a
    role), or an associated contact (HubSpot: no role, no date, `buys_in` False)."""

    name: str
    where: str
    department: str | None = None
    title: str | None = None
    role: str = "other"
    since: datetime | None = None
    buys_in: bool = True


@dataclass(slots=True)
class Deal:
    """One opportunity of the export, with its opening's fields already in our terms."""

    external_id: str
    where: str
    created: datetime
    opening: dict[str, Any]  # OpportunityOpened's fields (external_id included)
    stage: str  # its current stage
    note: str | None = None
    amount: float | None = None  # its current amount
    close_date: date | None = None
    steps: list[Step] = field(default_factory=list)  # in time order
    people: list[Person] = field(default_factory=list)  # first ones first

    def stages(self) -> set[str]:
        return {s.stage for s in self.steps if s.stage is not None} | {self.stage}


@dataclass(slots=True)
class Export:
    """Everything read from one export: its deals, the rows that record nothing, and what
    the report should mention. `closes` are stages the export itself says are closed
    (Salesforce's IsClosed and IsWon): a stage no mapping names maps to that close."""

    crm: str  # "salesforce" or "hubspot": external ids are "<crm>:<id>"
    label: str  # "Salesforce", "HubSpot"
    deals: list[Deal] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    closes: dict[str, str] = field(default_factory=dict)
    stage_context: dict[str, str] = field(default_factory=dict)  # stage -> "(pipeline x)"
