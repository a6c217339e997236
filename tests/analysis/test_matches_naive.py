"""On random histories (interleaved deals, backdated events, ties, pauses, filters, as_of,
retractions, reopenings, interactions with a time and moved), the streaming analysis
equals a naive one written from DESIGN's words, here, over each deal's whole history with
the retracted events removed."""

from __future__ import annotations

import itertools
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import DomainError
from domain.records import EventRecord
from projections.analysis import Filters, analyze
from tests.analysis.builders import Clock, Deal, History, in_memory

LADDER = [
    "MeetingGained",
    "CustomerDataGathered",
    "StakeholderBoughtIn",
    "DemoScheduled",
    "VerbalCommitment",
]
OWNERS = ["Jo", " jo ", "Lee"]
DEPARTMENTS = ["IT", " it", "Finance", "Operations", "Legal"]
STEPS = [
    "meeting",
    "data",
    "buy_in",
    "demo",
    "verbal",
    "plan",
    "plan_timed",
    "reschedule",
    "complete",
    "pause",
    "resume",
    "break",
    "break",
    "retract",
    "retract",
    "reopen",
    "close",
    "won",
    "lost",
]
SOURCES = ["inbound", "outbound", "referral", "repeat", "other"]


# --- the naive analysis -----------------------------------------------------------------


def norm(name: str) -> str:
    return " ".join(name.split()).lower()


def rate(won: int, closed: int) -> float | None:
    return round(won / closed, 4) if closed else None


def middle(values: list[float]) -> float | None:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    mid = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
    return round(mid, 4)


def days(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 86400


def outcome(deals: list[dict[str, Any]]) -> dict[str, Any]:
    won = sum(d["won"] for d in deals)
    return {"closed": len(deals), "won": won, "win_rate": rate(won, len(deals))}


def standing(records: list[EventRecord]) -> list[EventRecord]:
    """The records as if the retracted ones (and the retractions) had never been recorded."""
    gone = {r.data["version"] for r in records if r.type == "EventRetracted"}
    return [r for r in records if r.type != "EventRetracted" and r.version not in gone]


def on_time(records: list[EventRecord]) -> tuple[int, int]:
    """Interactions completed that had a planned_for, and those completed by then."""
    planned_for: dict[str, datetime | None] = {}
    timed = in_time = 0
    for r in records:
        if r.type == "InteractionPlanned":
            planned_for[r.data["interaction_id"]] = r.data.get("planned_for")
        elif r.type == "InteractionRescheduled":
            planned_for[r.data["interaction_id"]] = r.data["planned_for"]
        elif r.type == "InteractionCompleted":
            due = planned_for.get(r.data["interaction_id"])
            if due is not None:
                timed += 1
                in_time += r.occurred_at <= due
    return timed, in_time


def describe(all_records: list[EventRecord]) -> dict[str, Any] | None:
    records = standing(all_records)
    ends = [r for r in records if r.type in ("ClosedWon", "ClosedLost", "Reopened")]
    if not ends or ends[-1].type == "Reopened":
        return None
    close = ends[-1]

    def before(r: EventRecord) -> bool:
        return (r.occurred_at, r.version) < (close.occurred_at, close.version)

    ordered = sorted((r for r in records if before(r)), key=lambda r: (r.occurred_at, r.version))
    wins = [
        r
        for r in ordered
        if r.type in LADDER or (r.type == "InteractionCompleted" and r.data["commitment_gained"])
    ]
    ladder = [r.type for r in ordered if r.type in LADDER]
    planned = [r for r in records if r.type == "InteractionPlanned"]
    resume_days = []
    for resumed in (r for r in records if r.type == "Resumed"):
        nxt = [
            w for w in wins if (w.occurred_at, w.version) > (resumed.occurred_at, resumed.version)
        ]
        if nxt:
            resume_days.append(days(resumed.occurred_at, nxt[0].occurred_at))
    return {
        "owner": norm(records[0].data["owner"]),
        "won": close.type == "ClosedWon",
        "opened": records[0].occurred_at,
        "closed_at": close.occurred_at,
        "first": {
            t: min((r.occurred_at for r in ordered if r.type == t), default=None) for t in LADDER
        },
        "path": [t for t, _ in itertools.groupby(ladder)],
        "departments": len(
            {norm(r.data["department"]) for r in records if r.type == "StakeholderBoughtIn"}
        ),
        "planned": len(planned),
        "objectives": sum(1 for r in planned if r.data.get("commitment_objective")),
        "paused": any(r.type == "Paused" for r in records),
        "resume_days": resume_days,
        "source": records[0].data["source"],
        "on_time": on_time(records),
    }


def naive(histories: list[list[EventRecord]], filters: Filters) -> dict[str, Any]:
    deals = [d for d in map(describe, histories) if d is not None]
    if filters.owner is not None:
        deals = [d for d in deals if d["owner"] == norm(filters.owner)]
    if filters.closed_from is not None:
        deals = [d for d in deals if d["closed_at"] >= filters.closed_from]
    if filters.closed_to is not None:
        deals = [d for d in deals if d["closed_at"] < filters.closed_to]
    by_type = []
    for t in LADDER:
        with_ = [d for d in deals if d["first"][t] is not None]
        without = [d for d in deals if d["first"][t] is None]
        a, b = outcome(with_), outcome(without)
        lift = None
        if a["closed"] and b["closed"] and b["won"]:
            lift = round((a["won"] / a["closed"]) / (b["won"] / b["closed"]), 4)
        median = middle([days(d["first"][t], d["closed_at"]) for d in with_ if d["won"]])
        by_type.append(
            {"type": t, "with": a, "without": b, "lift": lift, "median_days_to_close": median}
        )
    paths: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for d in deals:
        paths.setdefault(tuple(d["path"]), []).append(d)
    ranked = sorted(
        paths.items(), key=lambda p: (-len(p[1]), -sum(d["won"] for d in p[1]) / len(p[1]), p[0])
    )
    groups: dict[str, list[dict[str, Any]]] = {"with": [], "without": []}
    for d in deals:
        if d["planned"]:
            groups["with" if d["objectives"] / d["planned"] >= 0.8 else "without"].append(d)
    paused = [d for d in deals if d["paused"]]

    def timely(won: bool) -> dict[str, Any]:
        timed = sum(d["on_time"][0] for d in deals if d["won"] == won)
        in_time = sum(d["on_time"][1] for d in deals if d["won"] == won)
        return {"completed": timed, "on_time": in_time, "share": rate(in_time, timed)}

    def by_source(source: str) -> dict[str, Any]:
        mine = [d for d in deals if d["source"] == source]
        median = middle([days(d["opened"], d["closed_at"]) for d in mine if d["won"]])
        return {
            "source": source,
            **outcome(mine),
            "median_days_to_close": None if median is None else round(median, 1),
        }

    return {
        "closed": len(deals),
        "won": sum(d["won"] for d in deals),
        "lost": sum(not d["won"] for d in deals),
        "win_rate": rate(sum(d["won"] for d in deals), len(deals)),
        "by_small_win": by_type,
        "paths": [{"path": list(p), **outcome(ds)} for p, ds in ranked[:10]],
        "by_bought_in_departments": [
            {"departments": label, **outcome([d for d in deals if min(d["departments"], 3) == n])}
            for n, label in enumerate(["0", "1", "2", "3+"])
        ],
        "commitment_objectives": {
            name: {
                **outcome(g),
                "median_days_to_close": middle(
                    [days(d["opened"], d["closed_at"]) for d in g if d["won"]]
                ),
            }
            for name, g in groups.items()
        }
        | {"on_time": {"won": timely(True), "lost": timely(False)}},
        "pauses": {
            "paused": len(paused),
            "won": sum(d["won"] for d in paused),
            "lost": sum(not d["won"] for d in paused),
            "median_days_resume_to_next_win": middle([x for d in paused for x in d["resume_days"]]),
        },
        "by_source": [by_source(source) for source in SOURCES],
    }


def close_enough(a: Any, b: Any) -> bool:
    """Equal, floats within the last rounded digit (the two sides may round a tie apart)."""
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1.01e-4
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close_enough(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(close_enough, a, b))
    return type(a) is type(b) and a == b


# --- random histories -------------------------------------------------------------------

step = st.tuples(
    st.sampled_from(STEPS[:-2]),  # any event but a close
    st.integers(0, 15),  # the day it occurred, after the deal opened (ties are likely)
    st.sampled_from(DEPARTMENTS),
    st.booleans(),  # objective / gained / decision maker
)
script = st.tuples(
    st.sampled_from(OWNERS),
    st.sampled_from(SOURCES),
    st.integers(0, 20),  # the day it opened
    st.lists(step, max_size=10),
    st.sampled_from(["won", "lost", "won", "lost", None]),  # how it ends (None: still open)
    st.integers(0, 18),  # the day it closed, maybe before some of its wins
)


def play(deal: Deal, opened: int, kind: str, day: int, department: str, flag: bool) -> None:
    at = opened + day
    actions = {
        "plan_timed": lambda: deal.plan(at, objective=flag, planned_for=at + (day % 5)),
        "reschedule": lambda: deal.reschedule(at, at + (2 if flag else -1)),
        "retract": lambda: deal.retract(at, max(2, deal.version - (day % 4))),
        "reopen": lambda: deal.reopen(at),
        "close": lambda: deal.won(at) if flag else deal.lost(at),
        "meeting": lambda: deal.meeting(at, department=department),
        "data": lambda: deal.data(at),
        "buy_in": lambda: deal.buy_in(
            at,
            department=department,
            stakeholder=department.strip(),
            role="decision_maker" if flag else "user",
        ),
        "demo": lambda: deal.demo(at),
        "verbal": lambda: deal.verbal(at),
        "plan": lambda: deal.plan(at, objective=flag),
        "complete": lambda: deal.complete(at, gained=flag),
        "pause": lambda: deal.pause(at),
        "resume": lambda: deal.resume(at),
        "break": lambda: deal.pause(at).resume(at + (3 if flag else 0)),
        "won": lambda: deal.won(at),
        "lost": lambda: deal.lost(at),
    }
    with suppress(DomainError):  # not allowed in the deal's state: a user would be refused too
        actions[kind]()


@settings(max_examples=150, deadline=None)
@given(
    scripts=st.lists(script, min_size=1, max_size=8),
    interleaving=st.lists(st.integers(0, 7), max_size=80),
    owner=st.sampled_from([None, None, "JO", "Lee"]),
    window=st.tuples(st.none() | st.integers(0, 30), st.none() | st.integers(10, 40)),
    as_of_step=st.none() | st.integers(0, 90),
)
def test_the_streaming_analysis_equals_a_naive_one_on_random_histories(
    scripts: list[tuple[str, str, int, list[tuple[str, int, str, bool]], str | None, int]],
    interleaving: list[int],
    owner: str | None,
    window: tuple[int | None, int | None],
    as_of_step: int | None,
) -> None:
    clock = Clock()
    app = in_memory(clock)
    history = History(app, clock)
    start = clock.now
    deals = [
        (history.deal(owner=name, opened=opened, source=source), opened)
        for name, source, opened, *_ in scripts
    ]
    queues = [
        [*steps, *([(end, close_day, "IT", False)] if end else [])]
        for _name, _source, _opened, steps, end, close_day in scripts
    ]
    order = [i % len(deals) for i in interleaving] + [i for i, q in enumerate(queues) for _ in q]
    for index in order:
        if queues[index]:
            play(deals[index][0], deals[index][1], *queues[index].pop(0))
    as_of = start + timedelta(seconds=as_of_step) if as_of_step is not None else None
    closed_from, closed_to = (history.at(d) if d is not None else None for d in window)
    filters = Filters(closed_from=closed_from, closed_to=closed_to, owner=owner, as_of=as_of)

    histories = []
    for deal, _opened in deals:
        records = app.history(deal.id)
        histories.append([r for r in records if as_of is None or r.recorded_at <= as_of])
    expected = naive([h for h in histories if h], filters)
    actual = analyze(app, filters)

    assert close_enough(actual, expected), (actual, expected)
    app.close()
