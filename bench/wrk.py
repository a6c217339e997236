"""wrk (Debian's package) as the load generator: installed by the harness when missing and
run as root, driven by bench/lua/requests.lua; its report parsed into figures."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).parent / "lua" / "requests.lua"
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_LATENCY = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in", re.MULTILINE)
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_NON2XX = re.compile(r"^NON2XX (\d+)", re.MULTILINE)


def ensure_wrk() -> str | None:
    """Install wrk if it is missing and we may; the reason it is unavailable, or None."""
    if shutil.which("wrk"):
        return None
    if os.geteuid() != 0:
        return (
            "wrk is not installed (run `sudo apt-get install -y wrk`, or run the harness as root)"
        )
    print("[bench] installing wrk (apt-get install -y wrk)", flush=True)
    for command in (["apt-get", "install", "-y", "wrk"], ["apt-get", "update"],
                    ["apt-get", "install", "-y", "wrk"]):  # fmt: skip
        subprocess.run(command, capture_output=True, timeout=600, check=False)
        if shutil.which("wrk"):
            return None
    return "wrk could not be installed with apt-get (is Debian's package index reachable?)"


@dataclass(frozen=True, slots=True)
class WrkRun:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int


def wrk_args(
    connections: int, seconds: int, mode: str, url: str, ids: Path, token: str
) -> list[str]:
    return [
        "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
        "-s", str(LUA), url, "--", mode, str(ids), token,
    ]  # fmt: skip


def shown(connections: int, seconds: int, mode: str, target: str) -> str:
    return (
        f"wrk -t1 -c{connections} -d{seconds}s --latency --timeout 10s -s bench/lua/requests.lua"
        f" http://127.0.0.1:PORT -- {mode} IDS_FILE TOKEN  # {target}"
    )


def run_wrk(connections: int, seconds: int, mode: str, url: str, ids: Path, token: str) -> WrkRun:
    done = subprocess.run(
        wrk_args(connections, seconds, mode, url, ids, token),
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    )
    if done.returncode != 0:
        msg = f"wrk failed ({done.returncode}): {done.stderr.strip()[-500:]}"
        raise RuntimeError(msg)
    return parse(done.stdout)


def parse(report: str) -> WrkRun:
    latencies = {p: float(v) * UNITS[u] for p, v, u in _LATENCY.findall(report)}
    rate, total, non2xx = _RATE.search(report), _TOTAL.search(report), _NON2XX.search(report)
    if rate is None or total is None or non2xx is None or set(latencies) != {"50", "99"}:
        msg = f"could not read wrk's report:\n{report}"
        raise ValueError(msg)
    sockets = _SOCKET.search(report)
    return WrkRun(
        requests_per_second=float(rate.group(1)),
        p50_ms=latencies["50"],
        p99_ms=latencies["99"],
        requests=int(total.group(1)),
        non_2xx=int(non2xx.group(1)),
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
    )
