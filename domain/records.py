"""A storage-neutral record of one event: what every derived value is computed from.

The aggregate, the projections and the win analysis all turn their events into
`EventRecord`s and hand them to the same pure functions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

OPENED = "OpportunityOpened"
MEETING_GAINED = "MeetingGained"
CUSTOMER_DATA_GATHERED = "CustomerDataGathered"
STAKEHOLDER_BOUGHT_IN = "StakeholderBoughtIn"
DEMO_SCHEDULED = "DemoScheduled"
VERBAL_COMMITMENT = "VerbalCommitment"
PAUSED = "Paused"
RESUMED = "Resumed"
INTERACTION_PLANNED = "InteractionPlanned"
INTERACTION_RESCHEDULED = "InteractionRescheduled"
INTERACTION_CANCELLED = "InteractionCancelled"
INTERACTION_COMPLETED = "InteractionCompleted"
CLOSED_WON = "ClosedWon"
CLOSED_LOST = "ClosedLost"
DETAILS_CHANGED = "DetailsChanged"
EVENT_RETRACTED = "EventRetracted"
REOPENED = "Reopened"
GOALS_SET = "GoalsSet"

# Every event type of an opportunity, in the order the docs list them.
EVENT_TYPES: tuple[str, ...] = (
    OPENED,
    MEETING_GAINED,
    CUSTOMER_DATA_GATHERED,
    STAKEHOLDER_BOUGHT_IN,
    DEMO_SCHEDULED,
    VERBAL_COMMITMENT,
    PAUSED,
    RESUMED,
    INTERACTION_PLANNED,
    INTERACTION_RESCHEDULED,
    INTERACTION_CANCELLED,
    INTERACTION_COMPLETED,
    CLOSED_WON,
    CLOSED_LOST,
    DETAILS_CHANGED,
    EVENT_RETRACTED,
    REOPENED,
)
# Interactions of a deal that refer to an earlier InteractionPlanned.
INTERACTION_FOLLOW_UPS = frozenset(
    {INTERACTION_RESCHEDULED, INTERACTION_CANCELLED, INTERACTION_COMPLETED}
)

# The five event types that climb the ladder, in rung order.
LADDER_EVENT_TYPES: tuple[str, ...] = (
    MEETING_GAINED,
    CUSTOMER_DATA_GATHERED,
    STAKEHOLDER_BOUGHT_IN,
    DEMO_SCHEDULED,
    VERBAL_COMMITMENT,
)

CLOSING_TYPES = frozenset({CLOSED_WON, CLOSED_LOST})
DECISION_ROLES = frozenset({"decision_maker", "economic_buyer"})


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One recorded event: its place in the history, its two times and its fields."""

    type: str
    version: int
    occurred_at: datetime
    recorded_at: datetime
    recorded_by: str
    data: Mapping[str, Any] = field(default_factory=dict)


def is_small_win(record: EventRecord) -> bool:
    """Ladder events, and a completed interaction whose commitment was gained."""
    if record.type in LADDER_EVENT_TYPES:
        return True
    return record.type == INTERACTION_COMPLETED and bool(record.data.get("commitment_gained"))
