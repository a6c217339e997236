"""One opportunity folded, event by event, into what the win analysis needs of it.

An open deal keeps a compact accumulator (the time, version and type of each small win,
its resumptions, its first buy-in per department, its interaction counters), never its
records. At the close the accumulator is reduced to a fixed `ClosedDeal` and dropped. Only
the events that still stand count: a deal whose event is taken back, or that is reopened
after its close, is folded again from its standing records (`DealTally.of`); closed
again, it counts by its last close.

"Before the close" means `occurred_at <= the close's occurred_at`: events are ordered by
`occurred_at`, then version, and the close has the highest version of its deal, so a small
win that occurred at the very instant of the close (and was recorded before it) counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.names import name_key
from domain.plans import Plans
from domain.records import (
    CLOSED_WON,
    CLOSING_TYPES,
    INTERACTION_COMPLETED,
    INTERACTION_PLANNED,
    LADDER_EVENT_TYPES,
    OPENED,
    PAUSED,
    REOPENED,
    RESUMED,
    STAKEHOLDER_BOUGHT_IN,
    EventRecord,
    is_small_win,
)
from domain.relationships import BOUGHT_IN, departments, depth_rank
from domain.state import standing

DAY = timedelta(days=1)
Moment = tuple[datetime, int]  # (occurred_at, version): the analysis' order of events


@dataclass(frozen=True, slots=True)
class ClosedDeal:
    """Everything the analysis counts about one closed opportunity."""

    owner_key: str
    source: str
    won: bool
    opened_at: datetime
    closed_at: datetime
    path: tuple[str, ...]
    first_win_at: Mapping[str, datetime]
    bought_in_departments: int
    planned: int
    planned_with_objective: int
    paused: bool
    resume_to_next_win_days: tuple[float, ...]
    completed_with_time: int  # interactions completed that had a planned_for
    completed_on_time: int  # of those, completed at or before it

    @property
    def days_to_close(self) -> float:
        return (self.closed_at - self.opened_at) / DAY


def collapse(types: Sequence[str]) -> tuple[str, ...]:
    """Consecutive repeats collapsed: M, M, D, M -> M, D, M."""
    return tuple(t for i, t in enumerate(types) if i == 0 or types[i - 1] != t)


class DealTally:
    """The accumulator of one open opportunity."""

    __slots__ = (
        "buy_ins",
        "completed_on_time",
        "completed_with_time",
        "opened_at",
        "owner_key",
        "paused",
        "planned",
        "plans",
        "resumes",
        "source",
        "wins",
        "with_objective",
    )

    def __init__(self, opened: EventRecord) -> None:
        if opened.type != OPENED:
            msg = "a deal's history starts with OpportunityOpened"
            raise ValueError(msg)
        self.owner_key = name_key(opened.data["owner"])
        self.source = opened.data.get("source") or "other"
        self.opened_at = opened.occurred_at
        self.wins: list[tuple[datetime, int, str]] = []
        self.resumes: list[Moment] = []
        self.buy_ins: dict[str, EventRecord] = {}
        self.planned = 0
        self.with_objective = 0
        self.paused = False
        self.plans = Plans()
        self.completed_with_time = 0
        self.completed_on_time = 0

    @classmethod
    def of(cls, records: Sequence[EventRecord]) -> tuple[DealTally, ClosedDeal | None]:
        """A deal folded from its whole history (the records that still stand), and its
        closed form if its last close stands and no reopening followed it."""
        kept, _retracted = standing(records)
        tally = cls(kept[0])
        closed = None
        for record in kept[1:]:
            closed = tally.add(record) or (None if record.type == REOPENED else closed)
        return tally, closed

    def add(self, record: EventRecord) -> ClosedDeal | None:
        """Fold one more record; returns the closed deal when this record closes it."""
        if is_small_win(record):
            self.wins.append((record.occurred_at, record.version, record.type))
        if record.type == INTERACTION_COMPLETED:
            interaction = self.plans.open.get(record.data["interaction_id"])
            if interaction is not None and interaction.planned_for is not None:
                self.completed_with_time += 1
                self.completed_on_time += record.occurred_at <= interaction.planned_for
        self.plans.add(record)
        if record.type == STAKEHOLDER_BOUGHT_IN:
            self.buy_ins.setdefault(name_key(record.data["department"]), record)
        elif record.type == INTERACTION_PLANNED:
            self.planned += 1
            self.with_objective += record.data.get("commitment_objective") is not None
        elif record.type == PAUSED:
            self.paused = True
        elif record.type == RESUMED:
            self.resumes.append((record.occurred_at, record.version))
        elif record.type in CLOSING_TYPES:
            return self._close(record)
        return None

    def _close(self, close: EventRecord) -> ClosedDeal:
        before = sorted(w for w in self.wins if w[0] <= close.occurred_at)
        ladder = [kind for _at, _version, kind in before if kind in LADDER_EVENT_TYPES]
        first: dict[str, datetime] = {}
        for at, _version, kind in before:
            if kind in LADDER_EVENT_TYPES:
                first.setdefault(kind, at)
        return ClosedDeal(
            owner_key=self.owner_key,
            source=self.source,
            won=close.type == CLOSED_WON,
            opened_at=self.opened_at,
            closed_at=close.occurred_at,
            path=collapse(ladder),
            first_win_at=first,
            bought_in_departments=bought_in_departments(list(self.buy_ins.values())),
            planned=self.planned,
            planned_with_objective=self.with_objective,
            paused=self.paused,
            resume_to_next_win_days=resume_to_next_win(self.resumes, before),
            completed_with_time=self.completed_with_time,
            completed_on_time=self.completed_on_time,
        )


def bought_in_departments(buy_ins: Sequence[EventRecord]) -> int:
    """Departments at depth >= bought_in, by the domain's one definition of depth."""
    reached = departments(buy_ins)
    return sum(1 for d in reached if depth_rank(d.depth) >= depth_rank(BOUGHT_IN))


def resume_to_next_win(
    resumes: Sequence[Moment], wins: Sequence[tuple[datetime, int, str]]
) -> tuple[float, ...]:
    """For each resumption, days to the first small win after it (by occurred_at, then
    version) among `wins` (those before the close, sorted); none when no win followed."""
    days: list[float] = []
    for resumed in sorted(resumes):
        following = next((w for w in wins if (w[0], w[1]) > resumed), None)
        if following is not None:
            days.append((following[0] - resumed[0]) / DAY)
    return tuple(days)
