"""One deal's story, drawn from its own seeded random stream: the steps a rep records, each
with its business time (`occurred_at`) and the later moment it is recorded.

Behaviour is what wins here, so the win analysis has real signal: deals whose rep plans
interactions with a commitment objective gain more commitments and move faster; each
commitment gained, each department bought in and a decision maker on board make the next
small win (and the close) likelier. Deals drop off rung by rung, some pause and resume
(or close while paused), some go dark, and some small wins are recorded days late."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from demo import lines
from demo.cast import Account, Cast, Person, Seller
from domain import records as t
from domain.ids import time_ordered_id


class Step(NamedTuple):
    """One command: its event type and fields, when it happened and when it was recorded
    (`at`: the same instant as `recorded_at`, in seconds since the epoch). A named tuple:
    the stories make hundreds of thousands of them."""

    at: float
    recorded_at: datetime
    kind: str
    fields: dict[str, Any]
    occurred_at: datetime
    recorded_by: str
    note: str | None = None


# Chance that a rung, once worked on, is reached (before the deal's fit and habits count).
RUNG_CHANCE = {"meeting": 0.9, "customer_data": 0.84, "decision_makers": 0.66, "demo": 0.72,
               "verbal_commitment": 0.68}  # fmt: skip
SKIPPED = {"customer_data": 0.12, "demo": 0.2}
DAY = 86_400.0
HOUR = 3_600.0


def new_id(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


# (seconds since the epoch, time zone) -> that instant in that zone; always given the zone.
# The builtin itself, not a function around it: it runs twice a step.
moment = datetime.fromtimestamp


@dataclass
class Story:
    """A deal being told. Times are seconds since the epoch: `now` is business time,
    `recorded` when the last step was recorded, `since` the earliest business time a late
    entry may claim (the opening, or the last resumption)."""

    rng: random.Random
    seller: Seller
    account: Account
    opened: float
    fit: float
    steps: list[Step] = field(default_factory=list)
    now: float = field(init=False)
    recorded: float = field(init=False)
    since: float = field(init=False)
    last_occurred: float = field(init=False)
    traction: int = 0  # commitments gained
    gained_last: bool = False
    bought_in: dict[str, set[str]] = field(default_factory=dict)  # department -> roles
    has_decision_maker: bool = False  # someone in a decision role is bought in
    met: list[Person] = field(default_factory=list)
    amount: float | None = None  # as the deal stands: opened with, committed, changed
    expected_close: date | None = None
    check_in: tuple[str, float, bool] | None = None  # planned while paused
    planned: int = 0  # interactions planned
    with_objective: int = 0  # of them, with a commitment objective

    def __post_init__(self) -> None:
        self.now = self.recorded = self.since = self.last_occurred = self.opened

    # --- time ----------------------------------------------------------------------

    def wait(self, mean_days: float) -> None:
        self.now = self.later(mean_days)

    def later(self, mean_days: float) -> float:
        """A moment about `mean_days` after now, in the rep's business hours, on the minute."""
        pace = 0.7 if self.gained_last else 1.0
        days = min(self.rng.expovariate(1.0 / (mean_days * pace)), mean_days * 4)
        return self.working(self.now + days * DAY)

    def working(self, at: float) -> float:
        """`at`, or the next moment in the rep's business hours (8 to 18), on the minute."""
        local_hour = int((at + self.seller.offset) % DAY // HOUR)
        if not 8 <= local_hour < 18:
            at += ((32 - local_hour) % 24 + self.rng.random() * 8) * HOUR
        return at - at % 60

    def emit(self, kind: str, /, *, late: bool = False, by: str | None = None, **data: Any) -> None:
        rng = self.rng
        occurred = self.now
        gap = self.last_occurred - self.since
        if late and gap > DAY:  # logged after the fact: it happened before the last entry
            occurred = self.last_occurred - rng.uniform(0.1, 0.9) * gap
            occurred = max(self.since, occurred - occurred % 60)
        lag = rng.expovariate(1 / 5400) if rng.random() < 0.9 else rng.uniform(1, 3) * DAY
        self.recorded = recorded = float(int(max(self.now + lag, self.recorded + 1)))
        self.last_occurred = max(self.last_occurred, occurred)
        note = rng.choice(lines.NOTES) if rng.random() < 0.12 else None
        by = by or self.seller.key
        self.steps.append(
            Step(
                recorded,
                moment(recorded, UTC),
                kind,
                data,
                moment(occurred, self.seller.tz),
                by,
                note,
            )
        )

    # --- the people met ------------------------------------------------------------

    def department(self, person: Person) -> str:
        """Reps spell departments loosely now and then; the domain compares them tidied."""
        return person.department.lower() if self.rng.random() < 0.04 else person.department

    def someone(self, new_department: bool = False) -> Person:
        known = {p.department for p in self.met}
        pool = (
            [p for p in self.account.people if p.department not in known] if new_department else []
        )
        person = self.rng.choice(pool or self.met or list(self.account.people))
        if person not in self.met:
            self.met.append(person)
        return person

    def chance(self, rung: str) -> float:
        boost = 0.04 * min(self.traction, 4) + 0.05 * min(len(self.bought_in), 3)
        boost += 0.08 if self.has_decision_maker else 0.0
        boost += 0.1 if self.gained_last else 0.0  # the customer just committed to this step
        boost += 0.1 * self.habit()
        return min(0.97, RUNG_CHANCE[rung] * (0.6 + 0.6 * self.fit) + boost)

    # --- habits --------------------------------------------------------------------

    def habit(self) -> float:
        """From -0.5 to 0.5: how much more than half its interactions had an objective."""
        return self.with_objective / self.planned - 0.5 if self.planned else 0.0

    def buy_in(self, person: Person, *, decision_maker: bool) -> None:
        role = person.role
        if role in t.DECISION_ROLES and not decision_maker:
            role = "influencer"
        self.bought_in.setdefault(person.department, set()).add(role)
        self.has_decision_maker = self.has_decision_maker or role in t.DECISION_ROLES
        self.emit(t.STAKEHOLDER_BOUGHT_IN, late=self.rng.random() < 0.1, stakeholder=person.name,
                  department=self.department(person), role=role, title=person.title)  # fmt: skip


class Customer(NamedTuple):
    """A deal won: when its win was recorded, its account and seller, and the people met."""

    won: float
    account: Account
    seller: Seller
    people: tuple[str, ...]


def opening(rng: random.Random, cast: Cast, opened: float, customers: Sequence[Customer]) -> Story:
    """A new deal. Repeat business comes from an account that won before it opened, with the
    same rep; a referral names such an account and someone met there. Before any win there
    is neither: those deals come in or are found."""
    seller = rng.choice(cast.sellers)
    account = rng.choice(cast.accounts)
    source = lines.SOURCE.pick(rng)
    referrer: Customer | None = None
    if source in ("referral", "repeat"):
        earlier = [c for c in customers if c.won < opened]
        if not earlier:
            source = "inbound" if source == "referral" else "outbound"
        elif source == "repeat":
            customer = rng.choice(earlier)
            account, seller = customer.account, customer.seller
        else:
            referrer = rng.choice(earlier)
            if account == referrer.account:
                account = cast.accounts[(cast.accounts.index(account) + 1) % len(cast.accounts)]
    fit = rng.betavariate(2.2, 2.2) + lines.SOURCE_FIT[source]
    story = Story(rng, seller, account, opened, min(1.0, max(0.0, fit)))
    amount = round(rng.lognormvariate(10.6, 0.8) / 500) * 500
    wanted = rng.sample(account.departments, rng.randint(0, min(4, len(account.departments))))
    title = f"{rng.choice(lines.PRODUCTS)} for {rng.choice(account.departments)}"
    story.amount = float(amount) if rng.random() < 0.85 else None
    currency = lines.CURRENCY.pick(rng)
    closing = moment(opened + rng.randint(45, 150) * DAY, seller.tz).date()
    story.expected_close = closing if rng.random() < 0.9 else None
    randomness = rng.getrandbits(128)  # the id's random bits; its time is known once recorded
    story.emit(t.OPENED, title=title, account=account.name, owner=seller.name,
               amount=story.amount, currency=currency, source=source,
               referred_by=rng.choice(referrer.people) if referrer else None,
               referrer_account=referrer.account.name if referrer else None,
               buying_departments=wanted, expected_close=story.expected_close,
               opportunity_id=None)  # fmt: skip
    # As the domain does: the id carries the millisecond the opening was recorded.
    first = story.steps[0]
    first.fields["opportunity_id"] = time_ordered_id(int(first.at) * 1000, randomness)
    return story
