"""The planner's statistics after a bulk write (PostgreSQL).

PostgreSQL picks each query's plan from statistics that ANALYZE gathers, and a table
filled in bulk has none until autovacuum gets to it, which it never does on a server
where autovacuum is off. Without them an account's people were read with a scan of every
word of every name: a POST on a deal not yet loaded took 10 ms instead of 5 (see
docs/benchmarks.md). So whatever writes in bulk (the demo generator, an import, the
migration to protected names, a projection catching up from far behind) refreshes the
statistics of the tables it filled when it is done. SQLite's planner works without them."""

from __future__ import annotations

from typing import Any


def refresh_statistics(app: Any) -> None:
    """The log's tables and the people's, after a bulk write through `app`."""
    for owner in (app.recorder, getattr(app, "people", None)):
        refresh = getattr(owner, "refresh_statistics", None)
        if refresh is not None:
            refresh()
