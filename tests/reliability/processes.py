"""Real `smallwins` processes for the tests that attack a running service: the API server
and the projection worker as subprocesses on 127.0.0.1, their logs in files, every one of
them killed when the test ends (SIGKILL on request, to simulate a crash)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from api.keys import KeyStore
from api.settings import Settings
from storage.gateway import Database

LOOPBACK = "127.0.0.1"  # the only address these tests ever send traffic to
START_SECONDS = 30.0
CLI = "from api.cli import main; main()"
STALLING_PROJECTOR = """
import os, pathlib, time
from projections.pipeline import PipelineView
marker, after, written = pathlib.Path(os.environ["STALL_MARKER"]), int(os.environ["STALL_AFTER"]), []
real_project = PipelineView.project
def project(self, cursor, states, fresh=False):
    ids = list(states)
    if written or len(ids) < after:
        return real_project(self, cursor, states, fresh=fresh)
    real_project(self, cursor, {oid: states[oid] for oid in ids[:after]}, fresh=fresh)
    written.extend(ids[:after])
    marker.write_text("mid-batch")
    time.sleep(60)
PipelineView.project = project
from api.cli import main
main()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def create_key(database_url: str, name: str, role: str) -> tuple[str, str]:
    """A key made the way `smallwins keys create` makes it: (key id, token)."""
    database = Database(Settings(database_url=database_url).storage())
    try:
        key, token = KeyStore(database).create(name, role)
    finally:
        database.close()
    return key.key_id, token


def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.1) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)


@dataclass
class Deployment:
    """The processes of one deployment on one store; `stop_all` ends every one of them."""

    database_url: str
    logs: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    started: int = 0

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "SMALLWINS_DATABASE_URL": self.database_url,
            "SMALLWINS_POSTGRES_POOL_SIZE": "2",
            "SMALLWINS_POSTGRES_MAX_OVERFLOW": "12",
            **self.extra_env,
        }

    def log_file(self, name: str) -> Path:
        self.started += 1
        return self.logs / f"{self.started:02d}-{name}.log"

    def spawn(
        self, name: str, *args: str, env: dict[str, str] | None = None, script: str = CLI
    ) -> Any:
        command = [sys.executable, "-c", script, *args]
        with self.log_file(name).open("wb") as log:
            process = subprocess.Popen(
                command,
                env=env or self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        return process

    def serve(self, **env: str) -> tuple[subprocess.Popen[bytes], str]:
        """Start `smallwins serve` on a free loopback port; wait for /healthz."""
        port = free_port()
        process = self.spawn(
            "serve", "serve", "--host", LOOPBACK, "--port", str(port), env={**self.env, **env}
        )
        base = f"http://{LOOPBACK}:{port}"

        def healthy() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}: {self.tail()}")
            try:
                return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        if not wait_until(healthy, START_SECONDS):
            raise RuntimeError(f"the server did not start: {self.tail()}")
        return process, base

    def project(self) -> subprocess.Popen[bytes]:
        """Start the `smallwins project` worker."""
        return self.spawn("project", "project")

    def project_stalling_mid_batch(self, marker: Path, after: int) -> subprocess.Popen[bytes]:
        """`smallwins project`, except that its pipeline view stops for a minute after
        writing the rows of `after` opportunities of its first batch of at least that many
        (the batch's transaction still open) and says so by creating `marker`: a moment
        that is mid-batch for certain."""
        env = {**self.env, "STALL_MARKER": str(marker), "STALL_AFTER": str(after)}
        return self.spawn("project-stalling", "project", env=env, script=STALLING_PROJECTOR)

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
        """Run a one-shot `smallwins` command to its end (bounded by `timeout`)."""
        command = [sys.executable, "-c", CLI, *args]
        return subprocess.run(
            command, env=self.env, capture_output=True, timeout=timeout, check=False
        )

    @staticmethod
    def crash(process: subprocess.Popen[bytes]) -> None:
        """SIGKILL: no shutdown handler, no flush, no goodbye."""
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=15)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def tail(self, lines: int = 30) -> str:
        logs = sorted(self.logs.glob("*.log"))
        text = logs[-1].read_text(errors="replace") if logs else ""
        return "\n".join(text.splitlines()[-lines:])

    def all_logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("*.log")))


@contextmanager
def deployment(database_url: str, logs: Path, **extra_env: str) -> Iterator[Deployment]:
    """A Deployment whose processes are all ended when the block exits, however it exits."""
    logs.mkdir(parents=True, exist_ok=True)
    running = Deployment(database_url, logs, dict(extra_env))
    try:
        yield running
    finally:
        running.stop_all()
