"""smallwins' processes run Python's cyclic garbage collector less often than its default
(`storage.collector`): the API process and every command of the command line (the sweep's
helper processes: tests/projections/test_sweep.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from storage.collector import THRESHOLDS

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = (700, 10, 10)


def thresholds_after(code: str, tmp_path: Path) -> tuple[int, ...]:
    """gc.get_threshold() in a fresh interpreter after `code` ran (on a store of its own)."""
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
    return tuple(int(n) for n in done.stdout.split()[-3:])


def test_a_fresh_interpreter_starts_at_pythons_default(tmp_path: Path) -> None:
    assert thresholds_after("", tmp_path) == DEFAULT  # what the tests below move from


def test_the_process_serving_the_api_collects_less(tmp_path: Path) -> None:
    code = "from api.app import create_app\ncreate_app()"  # as uvicorn calls the factory
    assert thresholds_after(code, tmp_path) == THRESHOLDS


def test_every_command_of_the_command_line_collects_less(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom api.cli import main\nsys.argv = ['smallwins', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    assert thresholds_after(code, tmp_path) == THRESHOLDS
