"""How often Python's cyclic garbage collector runs in smallwins' processes.

Reading and writing events makes many short-lived containers (an event's decoded state,
its record, a view's rows) that reference counting frees as soon as they are done with;
the collector's default, a young-generation collection every 700 allocations and an older
one every 10 of those, looks through them again and again, and through everything the
process keeps (the deals a runner holds, the modules). On the demo store of 1,500 deals
(19,967 events), a rebuild of every view took 1.21-1.24 s with THRESHOLDS against
1.32-1.36 s with the default, and the raw read-and-decode 0.229-0.234 s against
0.270-0.275 s, peak memory the same (docs/benchmarks.md, "The garbage collector")."""

from __future__ import annotations

import gc

THRESHOLDS = (50_000, 20, 100)  # allocations between young collections; young, then middle


def collect_less() -> None:
    """Run the cyclic collector at THRESHOLDS in this process (at its start)."""
    gc.set_threshold(*THRESHOLDS)
