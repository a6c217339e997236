"""What an import recorded, or would record (--dry-run): opportunities, events by type,
skipped rows with their reasons, unmapped stages; and, when writing stopped part way, why
and what was written before."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from domain.records import EVENT_TYPES
from storage.crm.model import Skipped

SHOWN_SKIPPED = 100  # skipped rows listed one by one; the rest are counted


@dataclass(slots=True)
class Report:
    label: str  # "Salesforce"
    dry_run: bool
    opened: int = 0  # new opportunities
    updated: int = 0  # already imported, and something new recorded on them
    unchanged: int = 0  # already imported, nothing new
    refused: int = 0  # new ones whose opening the rules refused
    unplanned: int = 0  # left out: they use unmapped stages
    events: Counter[str] = field(default_factory=Counter)
    skipped: list[Skipped] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failed: str | None = None  # writing stopped: why
    seconds: float = 0.0

    @property
    def recorded(self) -> int:
        return sum(self.events.values())

    def lines(self) -> list[str]:
        verb = "that would be recorded" if self.dry_run else "recorded"
        head = f"{self.label} import{' (dry run: nothing written)' if self.dry_run else ''}"
        out = [head, *(f"note: {note}" for note in self.notes)]
        out.append(
            f"opportunities: {self.opened:,} new, {self.updated:,} updated,"
            f" {self.unchanged:,} unchanged, {self.refused:,} refused"
            + (f", {self.unplanned:,} left out (unmapped stages)" if self.unplanned else "")
        )
        rate = f" in {self.seconds:.1f} s ({self.recorded / self.seconds:,.0f} events/s)" if (
            self.seconds > 0 and not self.dry_run and self.recorded) else ""  # fmt: skip
        out.append(f"events {verb}: {self.recorded:,}{rate}")
        order = {name: i for i, name in enumerate(EVENT_TYPES)}
        for kind in sorted(self.events, key=lambda k: order.get(k, len(order))):
            out.append(f"  {kind}: {self.events[kind]:,}")
        out.append(f"skipped rows: {len(self.skipped):,}")
        for row in self.skipped[:SHOWN_SKIPPED]:
            out.append(f"  {row.where}: {row.reason}")
        if len(self.skipped) > SHOWN_SKIPPED:
            out.append(f"  ... and {len(self.skipped) - SHOWN_SKIPPED:,} more")
        out.append(f"unmapped stages: {len(self.unmapped)}")
        out += [f"  {stage}" for stage in self.unmapped]
        if self.failed:
            out.append(f"writing stopped: {self.failed}")
        return out
