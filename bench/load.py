"""Sections b and c (and the API's memory, f): HTTP load with wrk against the API and the
bare app, each a uvicorn subprocess under the same settings on a free loopback port."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from api.keys import KeyStore
from bench.measure import Results
from bench.plan import Plan
from bench.servers import API_FACTORY, BARE_FACTORY, serve, shown_command
from bench.stores import Store
from bench.wrk import WrkRun, run_wrk, shown
from storage.gateway import Database

WRITABLE = ("open", "paused")  # InteractionPlanned may be recorded on these


@dataclass(frozen=True, slots=True)
class Targets:
    """Files of opportunity ids for the wrk script, and an editor key."""

    every: Path  # every opportunity (GET one)
    writable: Path  # open or paused ones (POST an InteractionPlanned)
    token: str
    writable_count: int


def prepare_targets(store: Store, workdir: Path, tag: str) -> Targets:
    """Read the ids from the (caught-up) pipeline view and create an editor key."""
    database = Database(store.application_config())
    try:
        with database.read() as cursor:
            cursor.execute("SELECT opportunity_id, status FROM pipeline ORDER BY opportunity_id")
            rows = cursor.fetchall()
        _key, token = KeyStore(database).create("bench", "editor")
    finally:
        database.close()
    every = workdir / f"{tag}-ids.txt"
    writable = workdir / f"{tag}-writable-ids.txt"
    every.write_text("".join(f"{oid}\n" for oid, _status in rows))
    open_ids = [oid for oid, status in rows if status in WRITABLE]
    writable.write_text("".join(f"{oid}\n" for oid in open_ids))
    return Targets(every, writable, token, len(open_ids))


def _record(results: Results, key: str, section: str, label: str, command: str,
            backend: str, run: WrkRun, *, latency: bool = True) -> None:  # fmt: skip
    figure = results.figure(key, section, label, command, backend)
    figure.add("rate", "requests/s", run.requests_per_second)
    if latency:
        figure.add("p50", "ms", run.p50_ms)
        figure.add("p99", "ms", run.p99_ms)
    figure.add("non_2xx", "answers", float(run.non_2xx + run.socket_errors))


def measure_bare(results: Results, workdir: Path, plan: Plan, ids: Path) -> None:
    """The bare async endpoints: POST (validates the body) and GET one, over `ids`."""
    c = plan.connections
    with serve(BARE_FACTORY, {}, workdir, "bare") as server:
        for _repeat in range(plan.repeats):
            for mode, section, label in (
                ("post", "b", "bare async POST (pydantic validation only)"),
                ("one", "c", "bare async GET"),
            ):
                run = run_wrk(c, plan.wrk_seconds, mode, server.base_url, ids, "")
                command = (
                    f"{shown(c, plan.wrk_seconds, mode, 'bare')}; {shown_command(BARE_FACTORY)}"
                )
                _record(results, f"http/bare/{mode}", section, label, command, "", run)


def measure_reads(
    results: Results, store: Store, size: int, workdir: Path, plan: Plan, targets: Targets
) -> None:
    """GET one and a list page under load (c connections) and unloaded (one connection);
    the API process's peak RSS afterwards."""
    backend, c = store.backend, plan.connections
    serve_command = shown_command(API_FACTORY)
    with serve(API_FACTORY, store.server_env(), workdir, f"api-{backend}-{size}") as server:
        for _repeat in range(plan.repeats):
            for mode, what in (
                ("one", "GET one"),
                ("list", "GET list page (limit 50)"),
                ("accounts", "GET accounts page (limit 50, sort=-won)"),
            ):
                loaded = run_wrk(c, plan.wrk_seconds, mode, server.base_url, targets.every,
                                 targets.token)  # fmt: skip
                _record(results, f"reads/{backend}/{size}/{mode}/loaded", "c",
                        f"{what}, {c} connections, {size:,} opportunities",
                        f"{shown(c, plan.wrk_seconds, mode, 'api')}; {serve_command}",
                        backend, loaded)  # fmt: skip
                unloaded = run_wrk(1, plan.unloaded_seconds, mode, server.base_url,
                                   targets.every, targets.token)  # fmt: skip
                _record(results, f"reads/{backend}/{size}/{mode}/unloaded", "c",
                        f"{what}, 1 connection (unloaded), {size:,} opportunities",
                        f"{shown(1, plan.unloaded_seconds, mode, 'api')}; {serve_command}",
                        backend, unloaded)  # fmt: skip
        peak = server.peak_rss_mb()
    if peak is not None:
        results.figure(
            f"memory/api/{backend}/{size}", "f",
            f"API process peak RSS after the GET load, {size:,} opportunities",
            f"VmHWM of the API process ({serve_command}) after the reads above", backend,
        ).add("peak_rss", "MB", peak)  # fmt: skip


def measure_writes(
    results: Results, store: Store, size: int, workdir: Path, plan: Plan, targets: Targets
) -> None:
    """POST one event per request to open or paused opportunities, c connections."""
    backend, c = store.backend, plan.connections
    if targets.writable_count == 0:
        results.skip(f"HTTP writes on {backend}: no open or paused opportunity to write to")
        return
    note = "" if backend == "sqlite" else " (projection worker not running)"
    with serve(API_FACTORY, store.server_env(), workdir, f"api-writes-{backend}") as server:
        for _repeat in range(plan.repeats):
            run = run_wrk(c, plan.wrk_seconds, "post", server.base_url, targets.writable,
                          targets.token)  # fmt: skip
            _record(results, f"http/{backend}/post", "b",
                    f"POST an event, {c} connections, over {targets.writable_count:,}"
                    f" open/paused opportunities of {size:,}{note}",
                    f"{shown(c, plan.wrk_seconds, 'post', 'api')}; {shown_command(API_FACTORY)}",
                    backend, run)  # fmt: skip
