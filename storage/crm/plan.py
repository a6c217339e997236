"""What one deal of an export records (DESIGN section 8): its opening, then, in time order,
its contact roles (StakeholderBoughtIn) and each stage it entered: the small wins of that
stage's rung and below not reached yet, or the close, at the time the stage was entered.
A deal already in the store (its external_id is taken) gets only what is newer than the
last event this importer recorded on it, on top of what it has reached.

The planner keeps its own account of the deal (rungs, stakeholders, status, amount); the
domain's rules judge every event again when it is checked (--dry-run) or written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from domain.ladder import DECISION_MAKERS_NEEDED, RUNGS
from domain.lifecycle import CLOSED_STATUSES, OPEN
from domain.names import name_key
from domain.records import EventRecord
from domain.state import fold
from storage.crm.model import Deal, Person, Step
from storage.crm.stages import LOST, WON, StageMap

UNKNOWN = "Unknown"  # the department of a person the export gives none for
CONTACT = "Imported contact"  # the meeting's contact when the deal has no contact role
STAKEHOLDER = "Imported stakeholder {}"  # placeholders where a rung needs stakeholders
DECIDING = ("decision_maker", "economic_buyer")


@dataclass(frozen=True, slots=True)
class Planned:
    type: str
    fields: dict[str, Any]
    occurred_at: datetime
    where: str
    note: str | None = None


@dataclass(slots=True)
class Known:
    """What the store has of a deal already imported."""

    opportunity_id: UUID
    opened_at: datetime
    since: datetime  # rows after this are new: the last event this importer recorded
    rungs: set[int] = field(default_factory=set)
    stakeholders: set[str] = field(default_factory=set)  # name keys
    status: str = OPEN
    amount: float | None = None


def known_of(opportunity_id: UUID, history: Sequence[EventRecord], recorded_by: str) -> Known:
    """What a stored deal has reached, from its history (`Opportunities.history`: decoded
    without building the aggregate, several times faster for thousands of deals)."""
    deal = fold(history)
    opened_at = deal.lifecycle.opened_at or history[0].occurred_at
    ours = [r.occurred_at for r in history if r.recorded_by == recorded_by]
    return Known(
        opportunity_id, opened_at, max(ours, default=opened_at), set(deal.rungs.reached),
        set(deal.rungs.stakeholders), deal.lifecycle.status, deal.profile["amount"],
    )  # fmt: skip


class Planner:
    """The events of one deal: `Planner(...).events()`."""

    def __init__(
        self, deal: Deal, stages: StageMap, known: Known | None, label: str, now: datetime
    ) -> None:
        self.deal, self.stages, self.label, self.now = deal, stages, label, now
        self.planned: list[Planned] = []
        if known is None:
            known = Known(UUID(int=0), deal.created, deal.created, amount=deal.opening["amount"])
            self.since: datetime | None = None  # everything is new
            fields = dict(deal.opening)
            if deal.close_date is not None and stages.target(deal.stage) not in (WON, LOST):
                fields["expected_close"] = deal.close_date
            self.planned.append(Planned("OpportunityOpened", fields, deal.created, deal.where,
                                        deal.note))  # fmt: skip
        else:
            self.since = known.since
        self.state = known
        self.deferred: list[Person] = []  # bought in while the deal was closed

    def events(self) -> list[Planned]:
        previous: str | None = None
        for when, kind, item in self._timeline():
            if kind == 0:
                self._person(item, when)
                continue
            step: Step = item
            entered = step.stage is not None and name_key(step.stage) != previous
            if step.stage is not None:
                previous = name_key(step.stage)
            if self.since is None or step.at > self.since:
                self._step(step, step.stage if entered else None, when)
        return self.planned

    def _timeline(self) -> list[tuple[datetime, int, Any]]:
        """(when to record it, 0 for a person / 1 for a step, the item), in order. Contact
        roles added after the final close are recorded at the close, before it."""
        opened_at = self.state.opened_at
        steps = self.deal.steps
        final = steps[-1] if steps else None
        close_at = None
        if final is not None and final.stage and self.stages.target(final.stage) in (WON, LOST):
            close_at = self._when(final)
        items: list[tuple[datetime, int, Any]] = []
        for person in self.deal.people:
            at = person.since or self.deal.created
            if person.buys_in and (self.since is None or at > self.since):
                when = max(at, opened_at)
                items.append((when if close_at is None else min(when, close_at), 0, person))
        items += [(self._when(s), 1, s) for s in steps]
        items.sort(key=lambda item: (item[0], item[1]))
        return items

    def _when(self, step: Step) -> datetime:
        """When a step is recorded: its time, not before the opening. A close without
        history: at its close date (not before the opening, not after now)."""
        at = max(step.at, self.state.opened_at)
        closes = step.stage is not None and self.stages.target(step.stage) in (WON, LOST)
        if step.synthetic and closes and self.deal.close_date is not None:
            return min(max(_midnight(self.deal.close_date), self.state.opened_at), self.now)
        return at

    # --- what each row records ----------------------------------------------------------

    def _person(self, person: Person, when: datetime) -> None:
        if name_key(person.name) in self.state.stakeholders:
            return
        if self.state.status in CLOSED_STATUSES:
            self.deferred.append(person)
            return
        self._buy_in(person, when, person.where)

    def _step(self, step: Step, stage: str | None, when: datetime) -> None:
        state = self.state
        target = self.stages.target(stage) if stage is not None else None
        if target is not None and target not in (WON, LOST) and state.status in CLOSED_STATUSES:
            self._add("Reopened", {"reason": f"Back to the stage {stage} in {self.label}"},
                      when, step)  # fmt: skip
            state.status = OPEN
            for person in self.deferred:
                self._person(person, when)
            self.deferred.clear()
        climbs = RUNGS.index(target) + 1 if target in RUNGS else 0
        carried = target == WON or (climbs == 5 and 5 not in state.rungs)  # by the event
        changed = step.amount is not None and step.amount != state.amount
        if changed and not carried and state.status not in CLOSED_STATUSES:
            self._add("DetailsChanged", {"amount": step.amount}, when, step)
            state.amount = step.amount
        for rung in range(1, climbs + 1):
            if rung not in state.rungs:
                self._reach(rung, stage or "", when, step)
        if target in (WON, LOST) and state.status != target:
            if state.status in CLOSED_STATUSES:
                self._add("Reopened", {"reason": f"Closed again in {self.label}"}, when, step)
            if target == WON:
                total = step.amount if step.amount is not None else state.amount
                self._add("ClosedWon", {"amount": total}, when, step)
                state.amount = total
            else:
                self._add("ClosedLost", {"reason": "other"}, when, step)
            state.status = target

    def _reach(self, rung: int, stage: str, when: datetime, step: Step) -> None:
        people = self.deal.people
        if rung == 1:
            first = people[0] if people else None
            fields = {"contact": first.name if first else CONTACT,
                      "department": (first.department if first else None) or UNKNOWN}
            self._add("MeetingGained", fields, when, step,
                      None if first else self._placeholder("contact"))  # fmt: skip
        elif rung == 2:
            summary = f"Entered the stage {stage} in {self.label}"
            self._add("CustomerDataGathered", {"summary": summary}, when, step)
        elif rung == 3:
            for person in people:
                if len(self.state.stakeholders) >= DECISION_MAKERS_NEEDED:
                    break
                if name_key(person.name) not in self.state.stakeholders:
                    self._buy_in(person, when, step.where)
            number = 1
            while len(self.state.stakeholders) < DECISION_MAKERS_NEEDED:
                name = STAKEHOLDER.format(number)
                number += 1
                if name_key(name) not in self.state.stakeholders:
                    placeholder = Person(name, step.where, UNKNOWN)
                    self._buy_in(placeholder, when, step.where, self._placeholder("stakeholder"))
        elif rung == 4:
            self._add("DemoScheduled", {"scheduled_for": when}, when, step)
        else:
            deciding = [p for p in people if p.role in DECIDING] or people
            stakeholder = deciding[0].name if deciding else STAKEHOLDER.format(1)
            self._add("VerbalCommitment", {"stakeholder": stakeholder, "amount": step.amount},
                      when, step)  # fmt: skip
            if step.amount is not None:
                self.state.amount = step.amount
        self.state.rungs.add(rung)

    def _buy_in(self, person: Person, when: datetime, where: str, note: str | None = None) -> None:
        fields = {"stakeholder": person.name, "department": person.department or UNKNOWN,
                  "role": person.role, "title": person.title}  # fmt: skip
        self.planned.append(Planned("StakeholderBoughtIn", fields, when, where, note))
        self.state.stakeholders.add(name_key(person.name))
        if len(self.state.stakeholders) >= DECISION_MAKERS_NEEDED:
            self.state.rungs.add(3)

    def _add(
        self, kind: str, fields: dict[str, Any], when: datetime, step: Step, note: str | None = None
    ) -> None:
        self.planned.append(Planned(kind, fields, when, step.where, note))

    def _placeholder(self, what: str) -> str:
        return f"A placeholder: the {self.label} export names no {what} here."


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
