"""How much a run measures: the full run of issue 7, or `--quick` (tiny sizes, short
durations) for the test suite."""

from __future__ import annotations

from dataclasses import dataclass, replace

SECTIONS = ("appends", "http-writes", "reads", "catch-up", "analysis")
BACKENDS = ("sqlite", "postgres")


@dataclass(frozen=True, slots=True)
class Plan:
    quick: bool
    sizes: tuple[int, ...]  # opportunities in the read/replay datasets, smallest first
    repeats: int  # runs of each cheap figure (the median is reported)
    heavy_repeats: int  # runs of catch-up, raw decode and analysis past the first size
    append_writers: tuple[int, ...]
    append_seconds: float
    append_opportunities: int
    wrk_seconds: int
    unloaded_seconds: int
    connections: int
    grow_budget_seconds: float  # per backend and size past the first; may stop it short
    grow_chunk: int  # opportunities generated (then projected) at a time past the first size
    rebuild_budget_seconds: float  # more catch-up runs from zero only while one fits
    seed: int = 7
    sections: tuple[str, ...] = SECTIONS
    backends: tuple[str, ...] = BACKENDS

    def only(self, sections: tuple[str, ...], backends: tuple[str, ...]) -> Plan:
        return replace(self, sections=sections or SECTIONS, backends=backends or BACKENDS)

    def with_sizes(self, sizes: tuple[int, ...]) -> Plan:
        return replace(self, sizes=tuple(sorted(sizes)))

    def repeats_at(self, index: int) -> int:
        """Runs of the log-wide figures on the index-th dataset (the first is the smallest)."""
        return self.repeats if index == 0 else self.heavy_repeats


FULL = Plan(
    quick=False,
    sizes=(10_000, 100_000),
    repeats=3,
    heavy_repeats=2,
    append_writers=(1, 8),
    append_seconds=5.0,
    append_opportunities=1000,
    wrk_seconds=8,
    unloaded_seconds=5,
    connections=16,
    grow_budget_seconds=240.0,
    grow_chunk=5000,
    rebuild_budget_seconds=400.0,
)

QUICK = Plan(
    quick=True,
    sizes=(20, 60),
    repeats=1,
    heavy_repeats=1,
    append_writers=(1, 8),
    append_seconds=0.4,
    append_opportunities=16,
    wrk_seconds=1,
    unloaded_seconds=1,
    connections=16,
    grow_budget_seconds=30.0,
    grow_chunk=40,
    rebuild_budget_seconds=30.0,
)
