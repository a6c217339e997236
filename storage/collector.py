"""How often Python's cyclic garbage collector runs in smallwins' processes that work
through the log and end: the commands other than `serve` and `project`, the sweep's helper
processes, the demo's workers, the benchmark's worker. The API process and the projection
worker run until stopped and keep Python's default: with these thresholds a full
collection waits for some 100 million allocations, and what a long-running process drops
in cycles (deals evicted from its caches) would wait as long.

Reading and writing events makes many short-lived containers (an event's decoded state,
its record, a view's rows) that reference counting frees as soon as they are done with;
the collector's default, a young-generation collection every 700 allocations and an older
one every 10 of those, looks through them again and again, and through everything the
process keeps (the deals a runner holds, the modules). On the demo store of 1,500 deals
(19,967 events), a rebuild of every view took 1.16-1.23 s with THRESHOLDS against
1.31-1.36 s with the default, and the raw read-and-decode 0.227-0.235 s against
0.261-0.267 s, peak memory the same (docs/benchmarks.md, "The garbage collector")."""

from __future__ import annotations

import gc

THRESHOLDS = (50_000, 20, 100)  # allocations between young collections; young, then middle


def collect_less() -> None:
    """Run the cyclic collector at THRESHOLDS in this process (at its start)."""
    gc.set_threshold(*THRESHOLDS)
