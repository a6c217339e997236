"""How a deal unfolds: up the ladder rung by rung, with interactions in between, perhaps a
pause, and a close (or silence) at the end. Pure: a seed and an index give one story."""

from __future__ import annotations

import random
from collections.abc import Sequence
from itertools import takewhile

from demo import lines
from demo.cast import Cast
from demo.corrections import comeback, double_entry, push_close, revise_amount, running_late
from demo.meetings import after_the_pause, check_in, interaction, plan
from demo.story import DAY, SKIPPED, Customer, Step, Story, moment, opening
from domain import records as t
from domain.ladder import RUNGS


def story(
    seed: int, index: int, cast: Cast, opened: float, end: float, customers: Sequence[Customer]
) -> tuple[list[Step], Customer | None]:
    """The steps of deal `index` (opened at `opened`, seconds since the epoch), as far as
    they were recorded by `end`, and the customer it made if it was won by then.
    `customers`: deals won earlier that it may be repeat business of, or referred by."""
    rng = random.Random(f"smallwins-demo:{seed}:{index}")  # noqa: S311 (reproducible, not secret)
    told = opening(rng, cast, opened, customers)
    _play(told)
    steps = list(takewhile(lambda step: step.at <= end, told.steps))
    won = [step.at for step in steps if step.kind == t.CLOSED_WON]
    if not won or not told.met:
        return steps, None
    return steps, Customer(won[-1], told.account, told.seller, tuple(p.name for p in told.met))


def _play(s: Story) -> None:
    rng = s.rng
    pause_before = rng.choice(RUNGS[1:]) if rng.random() < 0.2 else None
    rungs = list(RUNGS)
    if rng.random() < 0.1:  # stakeholders bought in before the customer shared data
        rungs[1], rungs[2] = rungs[2], rungs[1]
    for rung in rungs:
        if rung == pause_before and not _pause(s):
            return
        if rng.random() < SKIPPED.get(rung, 0.0):
            continue
        for _ in range(lines.INTERACTIONS_BEFORE_A_RUNG.pick(rng)):
            s.wait(4.0)
            interaction(s, rung)
        s.wait(5.0)
        if rng.random() > s.chance(rung):
            _drop(s, rung)
            return
        _reach(s, rung)
    _close(s)


def _reach(s: Story, rung: str) -> None:
    rng = s.rng
    late = rng.random() < 0.1
    if rung == "meeting":
        person = s.someone(new_department=True)
        s.emit(t.MEETING_GAINED, late=late, contact=person.name,
               department=s.department(person), kind="initial")  # fmt: skip
        double_entry(s)
    elif rung == "customer_data":
        s.emit(t.CUSTOMER_DATA_GATHERED, late=late, summary=rng.choice(lines.SUMMARIES))
        double_entry(s)
        revise_amount(s)
    elif rung == "decision_makers":
        _buy_ins(s, 2 + min(3, int(rng.expovariate(1.0)) + (rng.random() < s.fit)))
    elif rung == "demo":
        at = moment(s.now + rng.randint(3, 10) * DAY, s.seller.tz)
        attendees = [p.name for p in s.met[: rng.randint(1, 4)]]
        s.emit(t.DEMO_SCHEDULED, late=late, scheduled_for=at,
               attendees=attendees)  # fmt: skip
    else:
        amount = s.amount
        committed = float(round(amount * rng.uniform(0.85, 1.05))) if amount and rng.random() < 0.5 else None  # fmt: skip
        s.amount = committed or s.amount
        s.emit(t.VERBAL_COMMITMENT, stakeholder=_decider(s), amount=committed)


def _buy_ins(s: Story, count: int, *, decider_possible: bool = True) -> None:
    rng = s.rng
    wants_decision_maker = decider_possible and (
        rng.random() < 0.15 + 0.45 * s.fit + 0.06 * min(s.traction, 4)
    )
    for n in range(count):
        new_department = rng.random() < 0.55
        if new_department and rng.random() < 0.5:  # a meeting opens the door first
            person = s.someone(new_department=True)
            s.emit(t.MEETING_GAINED, contact=person.name, department=s.department(person),
                   kind=rng.choice(("needs_analysis", "decision_makers")))  # fmt: skip
            s.wait(3.0)
        taken = _bought_in_names(s)
        people = [p for p in s.account.people if p.name not in taken]
        if n == count - 1 and wants_decision_maker and not s.has_decision_maker:
            people = [p for p in people if p.role in t.DECISION_ROLES] or people
        elif new_department:
            fresh = {p.department for p in s.met}
            people = [p for p in people if p.department not in fresh] or people
        if not people:
            return
        person = rng.choice(people)
        if person not in s.met:
            s.met.append(person)
        s.buy_in(person, decision_maker=wants_decision_maker)
        s.wait(2.5)


def _bought_in_names(s: Story) -> set[str]:
    return {step.fields["stakeholder"] for step in s.steps if step.kind == t.STAKEHOLDER_BOUGHT_IN}


def _decider(s: Story) -> str:
    deciders = [p.name for p in s.met if p.role in t.DECISION_ROLES]
    bought = sorted(_bought_in_names(s))
    return (
        (deciders and s.rng.choice(deciders)) or (bought and s.rng.choice(bought)) or s.met[0].name
    )


def _pause(s: Story) -> bool:
    """Pause; then resume (True), or close while paused (False)."""
    rng = s.rng
    s.wait(5.0)
    weeks = rng.uniform(4, 12)
    resume_on = moment(s.now + weeks * 7 * DAY, s.seller.tz).date()
    s.emit(t.PAUSED, reason=rng.choice(lines.PAUSE_REASONS),
           resume_on=resume_on if rng.random() < 0.75 else None)  # fmt: skip
    if rng.random() < 0.7:
        push_close(s, s.now + weeks * 7 * DAY)
    if rng.random() < 0.4:
        check_in(s, weeks)
    s.now += max(1.0, weeks + rng.gauss(0, 1.5)) * 7 * DAY
    s.wait(1.0)
    outcome = rng.random()
    if outcome < 0.7:
        s.emit(t.RESUMED)
        s.since = s.now
        after_the_pause(s, resumed=True)
        return True
    after_the_pause(s, resumed=False)
    if outcome < 0.95:
        s.emit(t.CLOSED_LOST, reason=rng.choice(("timing", "no_decision")))
    else:
        s.emit(t.CLOSED_WON, amount=None)
    return False


def _drop(s: Story, rung: str) -> None:
    rng = s.rng
    if rung == "decision_makers" and rng.random() < 0.5:
        _buy_ins(s, 1, decider_possible=False)  # a single thread that did not hold
    if rung == "verbal_commitment" and rng.random() < 0.25 + 0.2 * s.has_decision_maker:
        _close(s)  # signed without a verbal heads-up first
        return
    if rng.random() < 0.2:  # the customer goes dark
        if rng.random() < 0.5:  # still open: a stalled deal, its next call never held
            plan(s, rung)
            return
        s.now += rng.uniform(45, 120) * DAY
        s.emit(t.CLOSED_LOST, reason="no_decision")
    else:
        s.wait(8.0)
        s.emit(t.CLOSED_LOST, reason=lines.LOSS_REASONS[rung].pick(rng))
    if comeback(s):  # the customer came back: another try at the close
        s.wait(4.0)
        interaction(s, "verbal_commitment")
        _close(s)


def _close(s: Story) -> None:
    rng = s.rng
    s.wait(6.0)
    running_late(s)
    chance = 0.3 + 0.22 * s.has_decision_maker + 0.08 * min(len(s.bought_in), 4)
    chance += 0.15 * s.fit + 0.04 * min(s.traction, 3) + 0.3 * s.habit()
    if rng.random() < min(0.95, chance):
        s.emit(t.CLOSED_WON, amount=s.amount if rng.random() < 0.6 else None)
    else:
        s.emit(t.CLOSED_LOST, reason=lines.LOST_AT_THE_CLOSE.pick(rng))
