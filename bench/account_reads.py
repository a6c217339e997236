"""Reads timed in-process against caught-up views (no HTTP): what the accounts list costs
the database and the summing, per page, on a dataset of the harness."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from functools import partial

from projections.account_queries import ACCOUNT_SORTS, account_detail, account_page
from storage.gateway import Database

ROUNDS = 50  # reads of each kind (the first is a warm-up, not counted)
PAGE = 50


def time_account_reads(database: Database, rounds: int = ROUNDS) -> dict[str, dict[str, float]]:
    """p50 and p99 (ms) of the first page of the accounts list in each order, and of the
    account with the most wins."""
    found: dict[str, dict[str, float]] = {}
    for sort in ACCOUNT_SORTS:
        found[f"list sort={sort}"] = _timed(
            partial(account_page, database, sort, PAGE, None), rounds
        )
    top, _last = account_page(database, "-won", 1, None)
    if top:
        name = top[0]["account"]
        found["one account"] = _timed(partial(account_detail, database, name), rounds)
    return found


def _timed(read: Callable[[], object], rounds: int) -> dict[str, float]:
    read()  # warm-up
    spent = []
    for _round in range(rounds):
        started = time.perf_counter()
        read()
        spent.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(spent, n=100, method="inclusive")
    return {"p50": round(statistics.median(spent), 2), "p99": round(cuts[98], 2)}
