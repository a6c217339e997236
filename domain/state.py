"""The state of an opportunity, kept up to date one event at a time (`DealState`), and as
shown at an instant (`OpportunityState`). Every derived value is computed from the events
that still stand: a retraction folds the history again without the events it took back,
as if they had never been recorded."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.goals import counts_of
from domain.ladder import Ladder, LadderTally
from domain.lifecycle import Lifecycle, Pause
from domain.momentum import Momentum, MomentumPolicy, MomentumTally, Summary, evaluate, weight
from domain.plans import Interaction, Plans
from domain.profile import Profile
from domain.records import (
    CLOSING_TYPES,
    EVENT_RETRACTED,
    OPENED,
    PAUSED,
    RESUMED,
    EventRecord,
    is_small_win,
)
from domain.relationships import Relationships, RelationshipTally


@dataclass(frozen=True, slots=True)
class LastWin:
    type: str
    version: int
    occurred_at: datetime


class DealState:
    """Everything derived from one deal's history so far."""

    __slots__ = (
        "_fixed",
        "last_counts",
        "last_small_win",
        "latest_recording",
        "lifecycle",
        "momentum",
        "plans",
        "profile",
        "relationships",
        "retracted",
        "rungs",
        "slip_recorded_at",
        "slips",
        "version",
        "win_types",
    )

    def __init__(self, opened: EventRecord) -> None:
        if opened.type != OPENED:
            msg = "an opportunity's history starts with OpportunityOpened"
            raise ValueError(msg)
        self.version = 0
        self.latest_recording = opened.recorded_at
        self.profile = Profile()
        self.lifecycle = Lifecycle()
        self.rungs = LadderTally()
        self.plans = Plans()
        self.relationships = RelationshipTally()
        self.momentum = MomentumTally(opened.occurred_at.timestamp())
        self.last_small_win: LastWin | None = None
        self.win_types: dict[int, str] = {}  # each small win's type, by version
        self.retracted: dict[int, int] = {}  # version taken back -> the retraction's version
        self.slips = 0
        self.slip_recorded_at: datetime | None = None  # the latest standing slip's
        self.last_counts: tuple[str, ...] = ()  # what the latest event counts for (goals)
        self._fixed: tuple[MomentumPolicy, Momentum] | None = None
        self.add(opened)

    def add(self, record: EventRecord) -> None:
        """One more event that stands (not a retraction: see `advance`)."""
        self.note(record)
        self._fixed = None
        kind, at = record.type, record.occurred_at.timestamp()
        self.profile.add(record)
        was_paused = self.lifecycle.paused is not None
        self.lifecycle.add(record)
        self.rungs.add(record)
        self.relationships.add(record)
        self.last_counts = counts_of(record, self.plans)
        if self.plans.add(record):
            self.slips += 1
            self.slip_recorded_at = record.recorded_at
        if kind == PAUSED:
            self.momentum.pause(at)
        elif kind == RESUMED or (kind in CLOSING_TYPES and was_paused):
            self.momentum.end_pause(at)
        if is_small_win(record):
            self.win_types[record.version] = kind
            self.momentum.add_win(at, record.version, weight(record))
            latest = self.last_small_win
            if latest is None or (record.occurred_at, record.version) > (
                latest.occurred_at,
                latest.version,
            ):
                self.last_small_win = LastWin(record.type, record.version, record.occurred_at)

    def note(self, record: EventRecord) -> None:
        """A record that counts in the version and time of the history, standing or not."""
        self.version = record.version
        self.latest_recording = max(self.latest_recording, record.recorded_at)

    @property
    def is_closed(self) -> bool:
        return self.lifecycle.is_closed

    def last_win_by(self, at: datetime | None) -> LastWin | None:
        """The latest small win (by occurred_at, then version) that had occurred by `at`
        (None: every one recorded)."""
        latest = self.last_small_win
        if at is None or latest is None or latest.occurred_at <= at:
            return latest
        moment = at.timestamp()
        for when, version, _weight in reversed(self.momentum.wins):
            if when <= moment:
                occurred = datetime.fromtimestamp(when, at.tzinfo)
                return LastWin(self.win_types[version], version, occurred)
        return None

    def ladder(self) -> Ladder:
        return self.rungs.ladder(closed=self.is_closed)

    def summary(self, policy: MomentumPolicy) -> Summary:
        return self.momentum.summary(
            self.latest_recording, policy, is_open=self.lifecycle.status == "open"
        )

    def fixed_momentum(self, policy: MomentumPolicy) -> Momentum | None:
        """A closed deal's momentum, read at its close; None while it is not closed."""
        closed_at = self.lifecycle.closed_at
        if closed_at is None:
            return None
        if self._fixed is None or self._fixed[0] != policy:
            self._fixed = (policy, self.momentum.at_close(closed_at.timestamp(), policy))
        return self._fixed[1]

    def momentum_at(self, now: datetime, policy: MomentumPolicy) -> Momentum:
        fixed = self.fixed_momentum(policy)
        return fixed if fixed is not None else evaluate(self.summary(policy), now, policy)

    def describe(self, now: datetime | None, policy: MomentumPolicy | None) -> OpportunityState:
        """The state as shown; momentum evaluated at `now` (left out without one)."""
        momentum = self.momentum_at(now, policy) if now and policy else None
        return OpportunityState(
            version=self.version,
            profile=dict(self.profile.details),
            status=self.lifecycle.status,
            opened_at=self.lifecycle.opened_at or datetime.min,
            closed_at=self.lifecycle.closed_at,
            paused=self.lifecycle.paused,
            ladder=self.ladder(),
            last_small_win=self.last_win_by(self.lifecycle.closed_at or now),
            momentum=momentum,
            relationships=self.relationships.relationships(
                self.profile["buying_departments"] or []
            ),
            open_interactions=tuple(_copy(i) for i in self.plans.ordered()),
            close_date_pushes=self.profile.close_date_pushes,
            slips=self.slips,
        )


def _copy(interaction: Interaction) -> Interaction:
    return Interaction(
        interaction.interaction_id,
        interaction.contact,
        interaction.department,
        interaction.channel,
        interaction.purpose,
        interaction.commitment_objective,
        interaction.planned_for,
        interaction.planned_at,
        interaction.version,
        interaction.slips,
    )


@dataclass(frozen=True, slots=True)
class OpportunityState:
    """An opportunity as DESIGN section 4 shows it, at one instant."""

    version: int
    profile: Mapping[str, Any]
    status: str
    opened_at: datetime
    closed_at: datetime | None
    paused: Pause | None
    ladder: Ladder
    last_small_win: LastWin | None
    momentum: Momentum | None
    relationships: Relationships
    open_interactions: tuple[Interaction, ...]
    close_date_pushes: int
    slips: int

    @property
    def next_step(self) -> Interaction | None:
        return next((i for i in self.open_interactions if i.planned_for is not None), None)


def standing(records: Iterable[EventRecord]) -> tuple[list[EventRecord], dict[int, int]]:
    """The records that still stand (neither retractions nor retracted), and which
    versions were taken back by which retraction."""
    kept = list(records)
    retracted = {r.data["version"]: r.version for r in kept if r.type == EVENT_RETRACTED}
    return [r for r in kept if r.type != EVENT_RETRACTED and r.version not in retracted], retracted


def fold(records: Sequence[EventRecord]) -> DealState:
    """The state of a whole history (retractions applied)."""
    if not records or records[0].type != OPENED:
        msg = "an opportunity's history starts with OpportunityOpened"
        raise ValueError(msg)
    kept, retracted = standing(records)
    state = DealState(kept[0])
    for record in kept[1:]:
        state.add(record)
    for record in records:
        state.note(record)
    state.retracted = retracted
    return state


def advance(state: DealState, record: EventRecord, history: Sequence[EventRecord]) -> DealState:
    """The state after one more record. `history` holds every record up to and including
    it; only a retraction reads it (to fold again without what it took back)."""
    if record.type == EVENT_RETRACTED:
        return fold(history)
    state.add(record)
    return state


def describe(
    records: Sequence[EventRecord], now: datetime | None, policy: MomentumPolicy | None
) -> OpportunityState:
    """Everything DESIGN section 4 shows about one opportunity, evaluated at `now`."""
    return fold(records).describe(now, policy)

