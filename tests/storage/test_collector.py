"""The commands that work through the log and end run Python's cyclic garbage collector
less often than its default (`storage.collector`); the API process and the projection
worker, which run until stopped, keep the default (the sweep's helper processes:
tests/projections/test_sweep.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from storage.collector import THRESHOLDS

ROOT = Path(__file__).resolve().parents[2]


def thresholds_after(code: str, tmp_path: Path) -> tuple[int, ...]:
    """gc.get_threshold() in a fresh interpreter after `code` ran (on a store of its own):
    its first two values (a newer Python's incremental collector reports no third)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SMALLWINS_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "SMALLWINS_INTEGRITY_KEY": "00112233445566778899aabbccddeeff",
    }
    program = f"import gc\n{code}\nprint(*gc.get_threshold())\n"
    done = subprocess.run(
        [sys.executable, "-c", program],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return tuple(int(n) for n in done.stdout.split()[-3:-1])


def command(name: str) -> str:
    """The command line's start for the command `name`, as typer runs it."""
    return (
        "from types import SimpleNamespace\nfrom api.cli import _every_command\n"
        f"_every_command(SimpleNamespace(resilient_parsing=False, invoked_subcommand={name!r}))"
    )


def test_a_fresh_interpreter_does_not_start_at_smallwins_thresholds(tmp_path: Path) -> None:
    assert thresholds_after("", tmp_path) != THRESHOLDS[:2]  # what the tests below move from


def test_a_command_that_works_through_the_log_collects_less(tmp_path: Path) -> None:
    for name in ("rebuild", "analyze", "import", "demo"):
        assert thresholds_after(command(name), tmp_path) == THRESHOLDS[:2], name


def test_the_commands_that_run_until_stopped_keep_pythons_default(tmp_path: Path) -> None:
    default = thresholds_after("", tmp_path)
    for name in ("serve", "project"):
        assert thresholds_after(command(name), tmp_path) == default, name
    assert thresholds_after("from api.app import create_app\ncreate_app()", tmp_path) == default
