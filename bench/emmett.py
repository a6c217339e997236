"""Section a, the peer: single-event appends on the Emmett PostgreSQL event store, run with
node from bench/peers/ (installed there by the harness with `npm ci`, exact versions from
package-lock.json) in its own database on the same server."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from bench.measure import Results
from bench.plan import Plan
from bench.stores import temporary_database

PEERS = Path(__file__).parent / "peers"
SCRIPT = "emmett_append.mjs"
INSTALLED = PEERS / "node_modules" / "@event-driven-io" / "emmett-postgresql"
INSTALL_TIMEOUT = 300


def ensure_installed() -> str | None:
    """Install the peer packages if needed; the reason they cannot run, or None."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "Emmett peer: node/npm not found (install Node.js 20 with npm to compare)"
    if INSTALLED.exists():
        return None
    print("[bench] installing the Emmett peer (npm ci in bench/peers)", flush=True)
    try:
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=PEERS,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"Emmett peer: npm ci took longer than {INSTALL_TIMEOUT} s"
    if done.returncode != 0 or not INSTALLED.exists():
        return f"Emmett peer: npm ci failed: {done.stderr.strip()[-500:]}"
    return None


def measure_emmett(results: Results, plan: Plan) -> None:
    reason = ensure_installed()
    if reason is not None:
        results.skip(reason)
        return
    writers = ",".join(str(w) for w in plan.append_writers)
    streams = str(plan.append_opportunities)
    with temporary_database("emmett") as url:
        args = [SCRIPT, url, writers, str(plan.append_seconds), str(plan.repeats), streams]
        budget = 120 + plan.repeats * len(plan.append_writers) * (plan.append_seconds + 30)
        done = subprocess.run(
            ["node", *args],
            cwd=PEERS,
            capture_output=True,
            text=True,
            timeout=budget,
            check=False,
        )
    if done.returncode != 0:
        results.skip(f"Emmett peer failed: {done.stderr.strip()[-800:]}")
        return
    command = (
        f"node bench/peers/{SCRIPT} <database URL> {writers} {plan.append_seconds}"
        f" {plan.repeats} {streams}"
    )
    for line in done.stdout.splitlines():
        run = json.loads(line)
        count = int(run["writers"])
        results.figure(
            f"appends/postgres/{count}/emmett",
            "a",
            f"Emmett 0.42 (CommandHandler), {count} writer{'s' if count > 1 else ''}",
            command,
            "postgres",
        ).add("rate", "commands/s", float(run["rate"]))
