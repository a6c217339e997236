"""The words of the demo: products, purposes, commitment objectives, outcomes, notes."""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterable
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")


class Weighted(Generic[T]):
    """Options drawn by weight as `random.choices` draws them (the same option for the
    same random number), with the weights added up once rather than at every draw."""

    __slots__ = ("_cumulative", "_last", "_total", "options")

    def __init__(self, pairs: Iterable[tuple[T, float]]) -> None:
        options, weights = zip(*pairs, strict=True)
        self.options: tuple[T, ...] = options
        self._cumulative = tuple(accumulate(weights))  # as `random.choices` adds them
        self._total = self._cumulative[-1] + 0.0
        self._last = len(options) - 1

    def pick(self, rng: random.Random) -> T:
        return self.options[bisect(self._cumulative, rng.random() * self._total, 0, self._last)]


SOURCES = ("inbound", "outbound", "referral", "repeat", "other")
SOURCE = Weighted(zip(SOURCES, (30, 35, 15, 15, 5), strict=True))
CURRENCY = Weighted((("USD", 75), ("EUR", 15), ("GBP", 10)))
INTERACTIONS_BEFORE_A_RUNG = Weighted(((0, 35), (1, 45), (2, 20)))
# A referral or a returning customer fits better than a cold outbound lead.
SOURCE_FIT = {"inbound": 0.05, "outbound": -0.08, "referral": 0.12, "repeat": 0.1, "other": 0.0}
CHANNELS = ("email", "phone", "meeting", "video", "video", "meeting", "other")
PRODUCTS = (
    "Scheduling suite", "Plant analytics", "Forecasting add-on", "Fleet tracking",
    "Quality inspections", "Renewal and expansion", "Maintenance planner", "Data platform",
    "Pilot programme", "Enterprise licence",
)  # fmt: skip

PURPOSES = {
    "meeting": ("introduce our approach", "follow up on the webinar", "discovery call"),
    "customer_data": ("understand the current process", "review their volumes",
                      "map the pain points"),
    "decision_makers": ("align with finance on budget", "meet the people who decide",
                        "widen the conversation to other teams"),
    "demo": ("agree the demo agenda", "prepare the demo with real data"),
    "verbal_commitment": ("walk through the proposal", "negotiate terms",
                          "answer the last objections"),
}  # fmt: skip
OBJECTIVES = {
    "meeting": ("agree to a needs-analysis meeting", "book an hour with the team"),
    "customer_data": ("share last quarter's volumes", "send the current process map"),
    "decision_makers": ("introduce us to the budget owner", "invite finance to the next call"),
    "demo": ("confirm a demo date with the decision makers", "name the demo attendees"),
    "verbal_commitment": ("give a verbal go-ahead on the proposal",
                          "agree a signature date"),
}  # fmt: skip
OUTCOMES = {
    True: ("they agreed", "commitment given, next step booked", "yes, with a date"),
    False: ("no decision yet", "they need to think it over", "postponed by the customer"),
}
SUMMARIES = (
    "three plants, scheduling done by hand in spreadsheets",
    "two warehouses; overtime costs rising every quarter",
    "legacy system out of support next year",
    "volumes up 30% year on year, same headcount",
    "audit findings on manual quality records",
    "five regional teams, no shared view of the pipeline",
)
PAUSE_REASONS = (
    "the customer wants to wait until next quarter",
    "budget freeze until the new fiscal year",
    "reorganisation: the sponsor changed roles",
    "they are busy with a merger",
    "peak season: no time for projects",
)
NOTES = (
    "asked for two customer references",
    "competitor also in the running",
    "security questionnaire to follow",
    "procurement wants a three-year term",
    "very positive call",
    "needs sign-off from the regional office",
)
LOSS_REASONS = {
    rung: Weighted(reasons)
    for rung, reasons in {
        "meeting": (("no_fit", 45), ("timing", 20), ("no_decision", 20), ("other", 15)),
        "customer_data": (("no_fit", 45), ("timing", 20), ("no_decision", 20), ("other", 15)),
        "decision_makers": (
            ("no_decision", 40), ("no_fit", 20), ("competitor", 20), ("timing", 20)
        ),
        "demo": (("competitor", 40), ("price", 25), ("no_decision", 20), ("no_fit", 15)),
        "verbal_commitment": (("price", 40), ("competitor", 35), ("no_decision", 25)),
    }.items()
}  # fmt: skip
LOST_AT_THE_CLOSE = Weighted((("price", 4), ("competitor", 4), ("no_decision", 2)))
CANCEL_REASONS = (
    "the customer declined the call",
    "no-show: they did not join",
    "our contact is on leave",
    "replaced by a meeting with their manager",
)
SLIP_REASONS = ("they did not pick up", "our contact was ill", "they asked to move it",
                "double-booked on their side")  # fmt: skip
MOVE_REASONS = ("they asked for a later slot", "waiting for their figures",
                "a holiday on their side")  # fmt: skip
REOPEN_REASONS = (
    "the customer came back: the budget was approved after all",
    "the competitor could not deliver",
    "new sponsor, fresh start",
)
DOUBLE_ENTRY = "recorded twice"
