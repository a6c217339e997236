"""Which events can be taken back. A retraction must leave a history that section 2's rules
would have accepted: the remaining events are replayed through the same status and
interaction rules the aggregate applies when they are recorded."""

from __future__ import annotations

from collections.abc import Sequence

from domain.errors import DomainError, InvalidValue, RetractionRefused
from domain.lifecycle import Lifecycle, check
from domain.plans import Plans
from domain.records import EVENT_RETRACTED, INTERACTION_FOLLOW_UPS, OPENED, EventRecord
from domain.state import standing


def check_retraction(records: Sequence[EventRecord], version: int) -> None:
    """Raise unless the event at `version` of this history (every record so far) may be
    taken back."""
    target = next((r for r in records if r.version == version), None)
    if target is None:
        raise InvalidValue("version", f"this opportunity has no event at version {version}")
    if target.type == OPENED:
        raise InvalidValue("version", "the opening cannot be taken back")
    if target.type == EVENT_RETRACTED:
        raise InvalidValue("version", "a retraction cannot be taken back")
    kept, retracted = standing(records)
    if version in retracted:
        raise RetractionRefused(
            f"version {version} ({target.type}) was already taken back by version"
            f" {retracted[version]}"
        )
    remaining = [r for r in kept if r.version != version]
    broken = first_invalid(remaining)
    if broken is not None:
        record, reason = broken
        raise RetractionRefused(
            f"taking back version {version} ({target.type}) would leave version"
            f" {record.version} ({record.type}) invalid: {reason}"
        )


def first_invalid(records: Sequence[EventRecord]) -> tuple[EventRecord, str] | None:
    """The first record the rules would have refused, replaying from the opening, and why."""
    lifecycle = Lifecycle()
    plans = Plans()
    for record in records:
        if record.type != OPENED:
            try:
                check(lifecycle.status, record.type)
            except DomainError as refused:
                return record, str(refused)
            if record.type in INTERACTION_FOLLOW_UPS:
                wanted = record.data["interaction_id"]
                if plans.state_of(wanted) != "open":
                    return record, f"interaction {wanted} is not open there"
        lifecycle.add(record)
        plans.add(record)
    return None
