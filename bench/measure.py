"""Figures: repeated samples of one or more metrics, each with the command that produced
them; medians with min and max."""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(slots=True)
class Metric:
    unit: str
    runs: list[float] = field(default_factory=list)

    @property
    def median(self) -> float | None:
        return statistics.median(self.runs) if self.runs else None

    def as_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "median": self.median,
            "min": min(self.runs) if self.runs else None,
            "max": max(self.runs) if self.runs else None,
            "runs": self.runs,
        }


@dataclass(slots=True)
class Figure:
    """One thing measured (e.g. 'GET one, smallwins, sqlite, 10k opportunities')."""

    key: str
    section: str
    label: str
    command: str
    backend: str = ""
    metrics: dict[str, Metric] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, unit: str, value: float) -> None:
        self.metrics.setdefault(name, Metric(unit)).runs.append(value)

    def median(self, name: str) -> float | None:
        metric = self.metrics.get(name)
        return metric.median if metric else None

    def as_json(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "label": self.label,
            "backend": self.backend,
            "command": self.command,
            "metrics": {name: m.as_json() for name, m in self.metrics.items()},
            "notes": self.notes,
        }


@dataclass(slots=True)
class Results:
    """Everything one run measured, keyed by figure key, plus what was skipped and why."""

    figures: dict[str, Figure] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def figure(self, key: str, section: str, label: str, command: str, backend: str = "") -> Figure:
        if key not in self.figures:
            self.figures[key] = Figure(key, section, label, command, backend)
        return self.figures[key]

    def skip(self, why: str) -> None:
        print(f"[bench] skipped: {why}", flush=True)
        self.skipped.append(why)

    def median(self, key: str, metric: str) -> float | None:
        figure = self.figures.get(key)
        return figure.median(metric) if figure else None

    @classmethod
    def from_json(cls, saved: dict[str, Any]) -> Results:
        """A run as `benchmarks.json` recorded it (to render its page again)."""
        results = cls(skipped=list(saved["skipped"]), facts=dict(saved["facts"]))
        for key, data in saved["figures"].items():
            figure = results.figure(
                key, data["section"], data["label"], data["command"], data["backend"]
            )
            figure.notes = list(data["notes"])
            for name, metric in data["metrics"].items():
                figure.metrics[name] = Metric(metric["unit"], list(metric["runs"]))
        return results


def peak_rss_mb(pid: int | str = "self") -> float | None:
    """The process's peak resident set (VmHWM) in MB, or None where /proc has no answer."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def cpu_seconds(pid: int | str = "self") -> float | None:
    """The processor time the process used so far, in seconds, user and system, all its
    threads (counted in clock ticks, 10 ms each), or None where /proc has no answer."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after the command's name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int | str = "self") -> float | None:
    """The process's current resident set (VmRSS) in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None
