"""The rep's plan on a deal: every interaction is planned for a time, and most happen then.
Some are moved (before their time, or after it had passed: a slip), some are cancelled,
and a check-in planned during a pause waits for the deal to resume."""

from __future__ import annotations

from demo import lines
from demo.story import DAY, HOUR, Story, moment, new_id
from domain import records as t

CANCELLED = 0.06  # of interactions planned, called off before their time
MOVED = 0.16  # moved to a later time; more than half of them once their time had passed
SLIPPED = 0.6


def plan(
    s: Story, rung: str, *, at: float | None = None, purpose: str | None = None
) -> tuple[str, float, bool]:
    """Plan an interaction, by default a few days ahead: (its id, when, with an objective)."""
    rng = s.rng
    person = s.someone()
    with_objective = rng.random() < s.seller.discipline
    interaction_id = str(new_id(rng))
    planned_for = s.later(1.5 if with_objective else 2.5) if at is None else at
    s.planned += 1
    s.with_objective += with_objective
    s.emit(
        t.INTERACTION_PLANNED,
        interaction_id=interaction_id,
        contact=person.name,
        department=s.department(person),
        channel=rng.choice(lines.CHANNELS),
        purpose=purpose or rng.choice(lines.PURPOSES[rung]),
        commitment_objective=rng.choice(lines.OBJECTIVES[rung]) if with_objective else None,
        planned_for=moment(planned_for, s.seller.tz),
    )
    return interaction_id, planned_for, with_objective


def interaction(s: Story, rung: str) -> None:
    """Plan one, then cancel it, or hold it (perhaps moved first) and record its outcome."""
    rng = s.rng
    interaction_id, planned_for, with_objective = plan(s, rung)
    fate = rng.random()
    if fate < CANCELLED:
        s.now = s.working(s.now + (planned_for - s.now) * rng.random())
        s.emit(t.INTERACTION_CANCELLED, interaction_id=interaction_id,
               reason=rng.choice(lines.CANCEL_REASONS))  # fmt: skip
        return
    if fate < CANCELLED + MOVED:
        planned_for = move(s, interaction_id, planned_for)
    hold(s, interaction_id, planned_for, with_objective=with_objective)


def move(s: Story, interaction_id: str, planned_for: float) -> float:
    """Move the interaction to a later time: once its time has passed (a slip), or before."""
    rng = s.rng
    if rng.random() < SLIPPED:
        s.now = s.working(max(s.now, planned_for) + rng.uniform(0.2, 2.5) * DAY)
        reason = rng.choice(lines.SLIP_REASONS)
    else:
        s.now = s.working(s.now + (planned_for - s.now) * rng.uniform(0.1, 0.8))
        reason = rng.choice(lines.MOVE_REASONS)
    moved_to = max(s.later(3.0), planned_for + HOUR)
    s.emit(t.INTERACTION_RESCHEDULED, interaction_id=interaction_id,
           planned_for=moment(moved_to, s.seller.tz),
           reason=reason if rng.random() < 0.8 else None)  # fmt: skip
    return moved_to


def hold(s: Story, interaction_id: str, planned_for: float, *, with_objective: bool) -> None:
    """The interaction happens at its time; its outcome is recorded."""
    rng = s.rng
    s.now = max(s.now, planned_for) + rng.randint(1, 12) * 10 * 60
    gained = rng.random() < 0.12 + (0.5 if with_objective else 0.0) + 0.25 * s.fit
    s.traction += gained
    s.gained_last = gained
    s.emit(
        t.INTERACTION_COMPLETED,
        by="calendar-sync" if rng.random() < 0.1 else None,
        interaction_id=interaction_id,
        commitment_gained=gained,
        outcome=rng.choice(lines.OUTCOMES[gained]),
    )


def check_in(s: Story, weeks: float) -> None:
    """While paused: a call planned for when the customer should be ready again."""
    s.wait(10.0)
    at = s.working(s.now + max(1.0, weeks * 7 - 10) * DAY)
    interaction_id, planned_for, with_objective = plan(
        s, "meeting", at=at, purpose="check in after the pause"
    )
    s.check_in = (interaction_id, planned_for, with_objective)


def after_the_pause(s: Story, *, resumed: bool) -> None:
    """The check-in planned during the pause: held once resumed (moved first if its time
    has passed), or cancelled when the deal closes while paused."""
    if s.check_in is None:
        return
    interaction_id, planned_for, with_objective = s.check_in
    s.check_in = None
    if not resumed:
        s.emit(t.INTERACTION_CANCELLED, interaction_id=interaction_id,
               reason="the deal closed during the pause")  # fmt: skip
        return
    if planned_for < s.now:
        planned_for = move(s, interaction_id, planned_for)
    hold(s, interaction_id, planned_for, with_objective=with_objective)
