"""A naive scorecard, written here from DESIGN section 6's words over the whole event log
(every aggregate's history read from the store, the retracted events left out): no view,
no counts kept event by event, nothing of domain.goals."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.records import EventRecord

LADDER = (
    "MeetingGained", "CustomerDataGathered", "StakeholderBoughtIn", "DemoScheduled",
    "VerbalCommitment",
)  # fmt: skip
METRICS = (*LADDER, "commitments_gained", "interactions_planned_with_objective",
           "interactions_completed")  # fmt: skip
COUNTED_AS = {"interactions_planned_with_objective": "planned_with_objective",
              "interactions_completed": "completed"}  # fmt: skip


def key(name: str) -> str:
    return " ".join(name.split()).casefold()


def week_name(moment: datetime, zone: ZoneInfo) -> str:
    year, number, _ = moment.astimezone(zone).isocalendar()
    return f"{year}-W{number:02d}"


def week_end(name: str, zone: ZoneInfo) -> datetime:
    monday = date.fromisocalendar(int(name[:4]), int(name[6:]), 1)
    return datetime.combine(monday + timedelta(days=7), time(0), zone)


def week_before(name: str, zone: ZoneInfo) -> str:
    monday = date.fromisocalendar(int(name[:4]), int(name[6:]), 1)
    return week_name(datetime.combine(monday - timedelta(days=4), time(12), zone), zone)


@dataclass
class World:
    """What the log says, per owner key: counts per week, wins, overdue, goals, names."""

    zone: ZoneInfo
    now: datetime
    counts: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    won: dict[tuple[str, str], dict[str, list[float]]] = field(default_factory=dict)
    overdue: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    goals: dict[str, list[tuple[datetime, int, dict[str, int]]]] = field(default_factory=dict)
    spellings: dict[str, list[tuple[datetime, str]]] = field(default_factory=dict)

    def add_deal(self, records: list[EventRecord]) -> None:  # noqa: PLR0912 (one plain walk)
        retracted = {r.data["version"] for r in records if r.type == "EventRetracted"}
        standing = [r for r in records if r.type != "EventRetracted" and r.version not in retracted]
        owner, since = "", standing[0].recorded_at
        for r in standing:
            if r.type == "OpportunityOpened" or (
                r.type == "DetailsChanged" and r.data.get("owner")
            ):
                owner, since = r.data["owner"], r.recorded_at
        who = key(owner)
        self.spellings.setdefault(who, []).append((since, owner))
        objective: dict[str, bool] = {}
        planned_for: dict[str, datetime | None] = {}
        ended: set[str] = set()
        amount, currency, status = None, "USD", "open"
        for r in standing:
            kind, data = r.type, r.data
            week = week_name(r.occurred_at, self.zone)
            counts = self.counts.setdefault((who, week), defaultdict(int))
            if kind in LADDER:
                counts[kind] += 1
            if kind == "OpportunityOpened":
                counts["opened"] += 1
                amount, currency = data.get("amount"), data.get("currency") or "USD"
            elif kind == "InteractionPlanned":
                counts["planned"] += 1
                objective[data["interaction_id"]] = bool(data.get("commitment_objective"))
                planned_for[data["interaction_id"]] = data.get("planned_for")
                if data.get("commitment_objective"):
                    counts["planned_with_objective"] += 1
            elif kind == "InteractionRescheduled":
                counts["rescheduled"] += 1
                replaced = planned_for[data["interaction_id"]]
                if replaced is not None and r.occurred_at > replaced:
                    counts["slipped"] += 1
                planned_for[data["interaction_id"]] = data["planned_for"]
            elif kind == "InteractionCancelled":
                counts["cancelled"] += 1
                ended.add(data["interaction_id"])
            elif kind == "InteractionCompleted":
                ended.add(data["interaction_id"])
                counts["completed"] += 1
                gained = bool(data["commitment_gained"])
                counts["commitments_gained"] += gained
                if objective[data["interaction_id"]]:
                    counts["completed_with_objective"] += 1
                    counts["gained_with_objective"] += gained
            elif kind in ("VerbalCommitment", "DetailsChanged") and data.get("amount") is not None:
                amount = data["amount"]
            if kind == "DetailsChanged" and data.get("currency"):
                currency = data["currency"]
            if kind == "ClosedWon":
                counts["won"] += 1
                amount = data["amount"] if data.get("amount") is not None else amount
                if amount is not None:
                    wins = self.won.setdefault((who, week), defaultdict(list))
                    wins[currency].append(float(amount))
            if kind == "ClosedLost":
                counts["lost"] += 1
            status = {"Paused": "paused", "Resumed": "open", "ClosedWon": "won",
                      "ClosedLost": "lost", "Reopened": "open"}.get(kind, status)  # fmt: skip
        if status in ("open", "paused"):
            for interaction, when in planned_for.items():
                if interaction not in ended and when is not None and when < self.now:
                    self.overdue[who] += 1

    def add_seller(self, records: list[EventRecord]) -> None:
        owner = records[0].data["owner"]
        self.spellings.setdefault(key(owner), []).append((records[0].recorded_at, owner))
        self.goals[key(owner)] = [
            (r.occurred_at, r.version, dict(r.data["weekly"]))
            for r in records
            if r.type == "GoalsSet"
        ]

    def goals_for(self, who: str, week: str) -> dict[str, int] | None:
        end = week_end(week, self.zone)
        earlier = [g for g in self.goals.get(who, []) if g[0] < end]
        return max(earlier, key=lambda g: (g[0], g[1]))[2] if earlier else None

    def judged(self, who: str, week: str) -> list[dict[str, Any]]:
        goals = self.goals_for(who, week)
        counts = self.counts.get((who, week), {})
        rows = []
        for metric in METRICS:
            if goals is not None and metric in goals:
                actual = counts.get(COUNTED_AS.get(metric, metric), 0)
                rows.append({"metric": metric, "target": goals[metric], "actual": actual,
                             "met": actual >= goals[metric]})  # fmt: skip
        return rows

    def streak(self, who: str, week: str) -> int:
        weeks = 0
        earlier = week_before(week, self.zone)
        while self.goals_for(who, earlier) is not None:
            rows = self.judged(who, earlier)
            if not rows or not all(row["met"] for row in rows):
                break
            weeks += 1
            earlier = week_before(earlier, self.zone)
        return weeks

    def shown(self, who: str, asked: str) -> str:
        return min(self.spellings[who])[1] if self.spellings.get(who) else asked

    def scorecard(self, owner: str, week: str) -> dict[str, Any]:
        who = key(owner)
        c = self.counts.get((who, week), {})
        completed_with = c.get("completed_with_objective", 0)
        rate = (
            round(c.get("gained_with_objective", 0) / completed_with, 3) if completed_with else None
        )
        wins = self.won.get((who, week), {})
        return {
            "owner": self.shown(who, owner),
            "week": week,
            "small_wins": {m: c.get(m, 0) for m in (*LADDER, "commitments_gained")},
            "interactions": {
                **{
                    n: c.get(n, 0)
                    for n in (
                        "planned",
                        "planned_with_objective",
                        "completed",
                        "completed_with_objective",
                        "commitments_gained",
                        "rescheduled",
                        "slipped",
                        "cancelled",
                    )
                },
                "commitment_rate": rate,
            },
            "deals": {
                "opened": c.get("opened", 0),
                "won": c.get("won", 0),
                "lost": c.get("lost", 0),
                "won_amounts": {cur: math.fsum(wins[cur]) for cur in sorted(wins)},
            },
            "overdue_now": self.overdue.get(who, 0),
            "goals": self.judged(who, week),
            "streak_weeks": self.streak(who, week),
        }


def world_of(histories: dict[str, list[EventRecord]], zone: ZoneInfo, now: datetime) -> World:
    world = World(zone, now)
    for records in histories.values():
        if records[0].type == "OpportunityOpened":
            world.add_deal(records)
        else:
            world.add_seller(records)
    return world
