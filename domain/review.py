"""The pipeline review: what changed in a deal between two instants, from its state at each
(derived values evaluated at that instant). One definition, used by every reader."""

from __future__ import annotations

from dataclasses import dataclass

from domain.lifecycle import LOST, OPEN, PAUSED_STATUS, WON

NEW, ADVANCED, PAUSED, RESUMED = "new", "advanced", "paused", "resumed"
STALLED, REVIVED, SLIPPED, PUSHED = "stalled", "revived", "slipped", "pushed"
# Every kind of change, in the order they are listed.
CHANGE_KINDS: tuple[str, ...] = (
    NEW,
    ADVANCED,
    WON,
    LOST,
    PAUSED,
    RESUMED,
    STALLED,
    REVIVED,
    SLIPPED,
    PUSHED,
)


@dataclass(frozen=True, slots=True)
class Standing:
    """What the review compares of a deal at one instant."""

    status: str
    rung: int  # 0: no rung reached
    stage: str
    amount: float | None
    expected_close: str | None  # ISO date
    score: float  # momentum then
    stalled: bool


def change_kinds(before: Standing | None, after: Standing, *, slipped: bool) -> list[str]:
    """The kinds of change from `before` (None: the deal did not exist yet) to `after`, in
    the order of CHANGE_KINDS; `slipped`: a slip was recorded in between."""
    found: set[str] = set()
    if before is None:
        found.add(NEW)
    else:
        found.update(_moved(before, after))
    for closed in (WON, LOST):
        if after.status == closed and (before is None or before.status != closed):
            found.add(closed)
    if slipped:
        found.add(SLIPPED)
    return [kind for kind in CHANGE_KINDS if kind in found]


def _moved(before: Standing, after: Standing) -> set[str]:
    """The kinds a deal present at both instants can show (besides won, lost, slipped)."""
    found = set()
    if after.rung > before.rung:
        found.add(ADVANCED)
    if after.status == PAUSED_STATUS and before.status != PAUSED_STATUS:
        found.add(PAUSED)
    if before.status == PAUSED_STATUS and after.status == OPEN:
        found.add(RESUMED)
    if after.stalled and not before.stalled:
        found.add(STALLED)
    if before.stalled and not after.stalled and after.status == OPEN:
        found.add(REVIVED)
    if (
        before.expected_close is not None
        and after.expected_close is not None
        and after.expected_close > before.expected_close
    ):
        found.add(PUSHED)
    return found
