"""HTTP servers as subprocesses on free loopback ports: the smallwins API and the bare
app, both under the same uvicorn settings; stopped (and waited for) on exit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.measure import peak_rss_mb

UVICORN_FLAGS = (
    "--factory", "--loop", "uvloop", "--http", "httptools", "--workers", "1",
    "--no-access-log", "--log-level", "warning",
)  # fmt: skip
API_FACTORY = "api.app:create_app"
BARE_FACTORY = "bench.bare_app:create_app"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def uvicorn_command(factory: str, port: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", factory, "--host", "127.0.0.1", "--port",
            str(port), *UVICORN_FLAGS]  # fmt: skip


def shown_command(factory: str) -> str:
    return f"uvicorn {factory} {' '.join(UVICORN_FLAGS)}"


@dataclass(slots=True)
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def peak_rss_mb(self) -> float | None:
        return peak_rss_mb(self.process.pid)


@contextmanager
def serve(
    factory: str, env: dict[str, str], workdir: Path, name: str, *, tree: Path | None = None
) -> Iterator[Server]:
    """Start uvicorn on a free port, wait until /healthz answers, stop it afterwards. With
    `tree`, the code served is that checkout's (another commit, to compare with)."""
    port = free_port()
    log = workdir / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            uvicorn_command(factory, port),
            env={
                **os.environ,
                "SMALLWINS_LOG_LEVEL": "WARNING",
                **env,
                **({"PYTHONPATH": str(tree)} if tree else {}),
            },
            cwd=tree,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, port, log)
    try:
        _wait_until_up(server)
        yield server
    finally:
        _stop(process)


def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                break
            try:
                if client.get(f"{server.base_url}/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    tail = server.log.read_text(errors="replace")[-2000:]
    msg = f"server on port {server.port} did not come up:\n{tail}"
    raise RuntimeError(msg)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)
