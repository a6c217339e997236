"""The targets of issue 7, evaluated on one run's figures: met, not met (with the gap), or
not measured (with why)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.measure import Results

BACKENDS = ("sqlite", "postgres")
MILLION = 1_000_000


@dataclass(frozen=True, slots=True)
class Verdict:
    target: str
    backend: str
    measured: str
    goal: str
    met: bool | None  # None: not measured
    gap: str

    def as_json(self) -> dict[str, Any]:
        return {
            "target": self.target, "backend": self.backend, "measured": self.measured,
            "goal": self.goal, "met": self.met, "gap": self.gap,
        }  # fmt: skip


def _at_least(target: str, backend: str, value: float | None, goal: float, shown: str,
              fmt: Callable[[float], str]) -> Verdict:  # fmt: skip
    if value is None:
        return Verdict(target, backend, "not measured", shown, None, "")
    met = value >= goal
    gap = "" if met else f"{goal / value:.2f}x short" if value > 0 else "nothing measured"
    return Verdict(target, backend, fmt(value), shown, met, gap)


def _at_most(target: str, backend: str, value: float | None, goal: float, shown: str,
             fmt: Callable[[float], str]) -> Verdict:  # fmt: skip
    if value is None:
        return Verdict(target, backend, "not measured", shown, None, "")
    met = value <= goal
    gap = "" if met else f"{value / goal:.2f}x over"
    return Verdict(target, backend, fmt(value), shown, met, gap)


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def sizes(results: Results, backend: str) -> list[int]:
    """The dataset sizes (opportunities) measured on a backend, smallest first."""
    rows = results.facts.get("datasets", {}).get(backend, [])
    return sorted({int(r["opportunities"]) for r in rows})


def evaluate(results: Results) -> list[Verdict]:
    m = results.median
    verdicts: list[Verdict] = []
    times = lambda v: f"{v:.2f}x"  # noqa: E731
    share = lambda v: f"{v:.0%}"  # noqa: E731
    ms = lambda v: f"{v:.2f} ms"  # noqa: E731

    ours = m("appends/postgres/8/smallwins", "rate")
    emmett = m("appends/postgres/8/emmett", "rate")
    verdicts.append(_at_least("concurrent appends (8 writers) vs Emmett", "postgres",
                              _ratio(ours, emmett), 2.0, ">= 2x", times))  # fmt: skip

    for backend in BACKENDS:
        post = m(f"http/{backend}/post", "rate")
        verdicts.append(_at_least("HTTP writes vs bare async POST (requests/s)", backend,
                                  _ratio(post, m("http/bare/post", "rate")), 0.4, ">= 40%",
                                  share))  # fmt: skip
        failures = m(f"http/{backend}/post", "non_2xx")
        figure = results.figures.get(f"http/{backend}/post")
        total = sum(figure.metrics["non_2xx"].runs) if figure else None
        verdicts.append(_at_most("HTTP writes: non-2xx answers (all runs)", backend,
                                 None if failures is None else total, 0, "0",
                                 lambda v: f"{v:.0f}"))  # fmt: skip

    for backend in BACKENDS:
        measured = sizes(results, backend)
        if not measured:
            continue
        small, large = measured[0], measured[-1]
        one = m(f"reads/{backend}/{large}/one/loaded", "rate")
        verdicts.append(_at_least(f"GET one vs bare async GET (requests/s), {large:,} opp.",
                                  backend, _ratio(one, m("http/bare/one", "rate")), 0.5,
                                  ">= 50%", share))  # fmt: skip
        rebuilt = [
            size for size in measured
            if m(f"log/{backend}/{size}/catch-up", "rate") and m(f"log/{backend}/{size}/raw", "rate")
        ] or [large]  # fmt: skip
        at = rebuilt[-1]
        raw = m(f"log/{backend}/{at}/raw", "rate")
        caught = m(f"log/{backend}/{at}/catch-up", "rate")
        verdicts.append(_at_least(f"catch-up (all views) vs raw read-and-decode, {at:,} opp.",
                                  backend, _ratio(caught, raw), 0.5, ">= 50%", share))  # fmt: skip
        for mode, what, limit in (("one", "GET one", 5.0), ("list", "list page", 20.0)):
            p99 = m(f"reads/{backend}/{large}/{mode}/unloaded", "p99")
            verdicts.append(_at_most(f"unloaded {what} p99, {large:,} opp.", backend, p99,
                                     limit, f"<= {limit:.0f} ms", ms))  # fmt: skip
            if small != large:
                before = m(f"reads/{backend}/{small}/{mode}/unloaded", "p99")
                verdicts.append(_at_most(f"unloaded {what} p99, {large:,} vs {small:,} opp.",
                                         backend, _ratio(p99, before), 1.2, "<= 1.2x",
                                         times))  # fmt: skip
        # Issue 17: pages read by 16 connections at once answer at least as many
        # requests/s as one connection alone (no request waits behind another's read).
        crowded = m(f"reads/{backend}/{large}/list/loaded", "rate")
        alone = m(f"reads/{backend}/{large}/list/unloaded", "rate")
        verdicts.append(_at_least(f"list page, 16 connections vs 1 (requests/s), {large:,} opp.",
                                  backend, _ratio(crowded, alone), 1.0, ">= 1x", times))  # fmt: skip
        seconds = m(f"analysis/{backend}/{large}", "seconds")
        events = _events(results, backend, large)
        scaled = seconds * MILLION / events if seconds is not None and events else None
        what = "win analysis" + (
            f", {events:,} events scaled linearly to 1M"
            if events < MILLION
            else f", {events:,} events"
        )
        verdicts.append(_at_most(what, backend, scaled, 20.0, "<= 20 s (1M events)",
                                 lambda v: f"{v:.1f} s"))  # fmt: skip
        rss = m(f"memory/api/{backend}/{large}", "peak_rss")
        verdicts.append(_at_most(f"API peak RSS under GET load, {events:,} events", backend,
                                 rss, 250.0, "<= 250 MB", lambda v: f"{v:.0f} MB"))  # fmt: skip
        if rebuilt[0] != rebuilt[-1]:
            first, last = rebuilt[0], rebuilt[-1]
            grown = _ratio(m(f"memory/rebuild/{backend}/{last}", "peak_rss"),
                           m(f"memory/rebuild/{backend}/{first}", "peak_rss"))  # fmt: skip
            verdicts.append(_at_most(
                f"rebuild peak RSS independent of events: {last:,} vs {first:,} opp.",
                backend, grown, 1.2, "<= 1.2x", times))  # fmt: skip
        else:
            verdicts.append(Verdict(
                "rebuild peak RSS independent of events", backend,
                "not measured", "<= 1.2x", None,
                f"a rebuild from zero ran at {rebuilt[0]:,} opportunities only",
            ))  # fmt: skip
    return verdicts


def _events(results: Results, backend: str, size: int) -> int:
    for row in results.facts.get("datasets", {}).get(backend, []):
        if int(row["opportunities"]) == size:
            return int(row["events"])
    return 0


LONG_RATIO = 1.2  # a request on the longest deals within this factor of the shortest
REBUILD_SHARE = 0.5  # rebuilding the longest deals at least this share of the raw rate


def long_deal_verdicts(run: dict[str, Any]) -> list[tuple[str, str, str, str, bool]]:
    """The long-deal targets of issue 17 on one `python -m bench.long_deals` run, as
    (target, backend, measured, goal, met)."""
    found: list[tuple[str, str, str, str, bool]] = []
    for backend, measured in run["backends"].items():
        sizes = sorted(int(size) for size in measured["dataset"])
        small, large = sizes[0], sizes[-1]
        for kind, what in (("post", "POST one event"), ("get", "GET one deal")):
            before = measured["http"][f"{kind}/{small}"]["median_ms"]
            after = measured["http"][f"{kind}/{large}"]["median_ms"]
            ratio = after / before
            found.append((
                f"{what}, median at {large:,} events vs at {small:,}", backend,
                f"{ratio:.2f}x ({after:.2f} vs {before:.2f} ms)", f"<= {LONG_RATIO}x",
                ratio <= LONG_RATIO,
            ))  # fmt: skip
        rebuild = measured["rebuild"]
        share = rebuild["rebuild_rate"] / rebuild["raw_rate"]
        found.append((
            f"rebuild of deals of {rebuild['size']:,} events vs raw read-and-decode", backend,
            f"{share:.0%}", f">= {REBUILD_SHARE:.0%}", share >= REBUILD_SHARE,
        ))  # fmt: skip
    return found
