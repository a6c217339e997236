"""A rep's everyday corrections: the amount revised once the customer's data is in, the
expected close pushed later, a small win entered twice and taken back, and a lost deal
reopened when the customer comes back."""

from __future__ import annotations

from demo import lines
from demo.story import DAY, Story, moment
from domain import records as t

REVISED = 0.25  # of deals with an amount, revised once the customer's data is in
DOUBLE_ENTRIES = 0.04  # of meetings and data gathered, entered twice
COMEBACK = 0.08  # of lost deals, reopened


def revise_amount(s: Story) -> None:
    rng = s.rng
    if s.amount is None or rng.random() >= REVISED:
        return
    revised = float(round(s.amount * rng.uniform(0.6, 1.5) / 500) * 500)
    if revised > 0 and revised != s.amount:
        s.wait(1.0)
        s.amount = revised
        s.emit(t.DETAILS_CHANGED, amount=revised)


def push_close(s: Story, later_than: float) -> None:
    """Move the expected close to a month or two after `later_than`, if that is later."""
    if s.expected_close is None:
        return
    pushed = moment(later_than + s.rng.randint(30, 60) * DAY, s.seller.tz).date()
    if pushed > s.expected_close:
        s.expected_close = pushed
        s.emit(t.DETAILS_CHANGED, expected_close=pushed)


def running_late(s: Story) -> None:
    """Half the time, a deal past its expected close gets a new one."""
    late = s.expected_close is not None and moment(s.now, s.seller.tz).date() > s.expected_close
    if late and s.rng.random() < 0.5:
        push_close(s, s.now)


def double_entry(s: Story) -> None:
    """Now and then the small win just recorded is entered again, and taken back."""
    rng = s.rng
    if rng.random() >= DOUBLE_ENTRIES:
        return
    last = s.steps[-1]
    s.now += rng.randint(2, 30) * 60
    s.emit(last.kind, **last.fields)
    s.steps[-1] = s.steps[-1]._replace(note=last.note)  # the same entry, note and all
    version = len(s.steps)  # the duplicate's
    s.now += rng.uniform(0.5, 48) * 3600
    s.now -= s.now % 60
    s.emit(t.EVENT_RETRACTED, version=version, reason=lines.DOUBLE_ENTRY)


def comeback(s: Story) -> bool:
    """A lost deal is reopened some months later (True), or stays lost."""
    rng = s.rng
    if rng.random() >= COMEBACK:
        return False
    s.now = s.working(s.now + rng.uniform(30, 120) * DAY)
    s.emit(t.REOPENED, reason=rng.choice(lines.REOPEN_REASONS))
    s.since = s.now
    push_close(s, s.now)
    return True
