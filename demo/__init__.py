"""Realistic synthetic history for trying smallwins and for the benchmarks."""

from demo.bulk import DemoStats, default_end, generate

__all__ = ["DemoStats", "default_end", "generate"]
