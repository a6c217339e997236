"""The people of the demo: a sales team, and customers whose departments have people who
tend to play a role in a buying decision. Drawn once per seed, shared by every story."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta, timezone
from typing import NamedTuple

from demo.lines import Weighted

FIRST_NAMES = (
    "Jo", "Lee", "Priya", "Ravi", "Sam", "Dana", "Alex", "Maria", "Chen", "Fatima", "Tom",
    "Ines", "Kofi", "Anna", "Luis", "Mei", "Omar", "Sara", "Noah", "Eva", "Yuki", "Ben",
    "Lena", "Carlos", "Aisha", "Max", "Nina", "Igor", "Rosa", "Jamal", "Olga", "Pablo",
    "Hana", "Tariq", "Zoe", "Marco", "Elif", "Sven", "Grace", "Felix",
)  # fmt: skip
LAST_NAMES = (
    "Baker", "Okafor", "Nguyen", "Schmidt", "Rossi", "Kowalski", "Haddad", "Silva", "Tanaka",
    "Moreau", "Johansson", "Patel", "Garcia", "Cohen", "Murphy", "Novak", "Ali", "Lindqvist",
    "Costa", "Weber", "Kim", "Dubois", "Ibrahim", "Larsen", "Reyes", "Fischer", "Sato",
    "Walsh", "Mendes", "Young", "Hughes", "Park", "Varga", "Berg", "Ortiz", "Khan",
)  # fmt: skip
COMPANY_STEMS = (
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Soylent", "Tyrell",
    "Cyberdyne", "Wonka", "Stark", "Wayne", "Oscorp", "Aperture", "Massive", "Dunder",
    "Pied Piper", "Nakatomi", "Gringotts", "Monarch", "Zorin", "Virtucon", "Bluth",
    "Sterling", "Prestige", "Vehement", "Ollivander", "Gekko", "Nordwind", "Kestrel",
    "Halcyon", "Meridian", "Northwind", "Contoso", "Fabrikam", "Tailspin", "Lakeshore",
    "Blue Yonder", "Redwood", "Ironbridge",
)  # fmt: skip
COMPANY_KINDS = (
    "Corp", "Industries", "Logistics", "Foods", "Health", "Manufacturing", "Energy",
    "Retail", "Labs", "Group", "Systems", "Freight",
)  # fmt: skip
REGIONS = ("", " Europe", " Americas", " Asia", " Nordics", " Iberia")
DEPARTMENTS = (
    "Finance", "IT", "Operations", "Procurement", "Legal", "Marketing", "Sales", "HR",
    "Engineering", "Security", "Supply Chain", "Customer Service",
)  # fmt: skip

# Who in a department tends to play which part, and the titles they carry.
ROLE_TITLES = {
    "decision_maker": ("CFO", "COO", "CIO", "VP {d}", "Head of {d}"),
    "economic_buyer": ("{d} Director", "Budget Owner, {d}", "Controller"),
    "champion": ("{d} Manager", "Senior {d} Lead", "Program Manager"),
    "influencer": ("{d} Analyst", "Team Lead, {d}", "Senior Specialist"),
    "technical_evaluator": ("Solutions Architect", "{d} Engineer", "Systems Analyst"),
    "user": ("{d} Coordinator", "{d} Specialist", "Planner"),
}
ROLES = Weighted((
    ("champion", 4), ("influencer", 3), ("technical_evaluator", 2), ("user", 3),
    ("economic_buyer", 1), ("decision_maker", 1),
))  # fmt: skip


class Person(NamedTuple):  # a named tuple: an account has a dozen, the cast thousands
    name: str
    department: str
    title: str
    role: str


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    departments: tuple[str, ...]
    people: tuple[Person, ...]

    def in_department(self, department: str) -> tuple[Person, ...]:
        return tuple(p for p in self.people if p.department == department)


@dataclass(frozen=True, slots=True)
class Seller:
    """A rep: `key` is the API key name events are recorded by; `discipline` is the share of
    interactions they plan with a commitment objective; `tz` their business-time offset."""

    name: str
    key: str
    discipline: float
    tz: timezone
    offset: float  # of `tz` from UTC, in seconds


@dataclass(frozen=True, slots=True)
class Cast:
    sellers: tuple[Seller, ...]
    accounts: tuple[Account, ...]


def _full_names(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def _seller(rng: random.Random, name: str) -> Seller:
    key = name.lower().replace(" ", ".")
    offset = rng.choice((-8, -7, -5, -5, 0, 0, 1, 1, 2, 5.5, 9))
    # Some reps plan nearly every interaction with a commitment objective; others rarely.
    discipline = rng.uniform(0.85, 1.0) if rng.random() < 0.5 else rng.uniform(0.15, 0.7)
    zone = timezone(timedelta(hours=offset))
    return Seller(name, key, round(discipline, 2), zone, offset * 3600.0)


def _account(rng: random.Random, name: str) -> Account:
    departments = tuple(rng.sample(DEPARTMENTS, rng.randint(3, 7)))
    people: list[Person] = []
    taken: set[str] = set()
    for department in departments:
        # Every department has someone who can decide, and a few others.
        staff = ["decision_maker", *(ROLES.pick(rng) for _ in range(rng.randint(1, 3)))]
        for role, person in zip(staff, _full_names(rng, len(staff), taken), strict=True):
            title = rng.choice(ROLE_TITLES[role]).format(d=department)
            people.append(Person(person, department, title, role))
    return Account(name, departments, tuple(people))


def account_names(count: int) -> list[str]:
    every = [
        f"{stem} {kind}{region}"
        for region in REGIONS
        for stem in COMPANY_STEMS
        for kind in COMPANY_KINDS
    ]
    return every[:count]


def cast_for(seed: int, opportunities: int) -> Cast:
    """A team sized to the pipeline (about 25 deals a rep), and about three deals an account."""
    rng = random.Random(f"smallwins-demo:{seed}:cast")  # noqa: S311 (reproducible, not secret)
    sellers = _team(rng, opportunities)
    names = account_names(min(len(REGIONS) * 480, max(5, opportunities // 3)))
    rng.shuffle(names)
    return Cast(sellers, tuple(_account(rng, name) for name in names))


def team_for(seed: int, opportunities: int) -> tuple[Seller, ...]:
    """The cast's reps alone (drawn first, from the same stream)."""
    return _team(random.Random(f"smallwins-demo:{seed}:cast"), opportunities)  # noqa: S311


def _team(rng: random.Random, opportunities: int) -> tuple[Seller, ...]:
    seller_count = min(40, max(3, opportunities // 25))
    return tuple(_seller(rng, n) for n in _full_names(rng, seller_count, set()))
