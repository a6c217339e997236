"""The README's quick start stays true: two commands, and CI runs the second verbatim."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block, "the quick start has a bash block"
    return [
        line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")
    ]


def test_the_quick_start_has_exactly_two_commands_serve_and_test() -> None:
    serve, test = quick_start_commands()
    assert "pip install" in serve
    assert serve.endswith("smallwins serve")
    assert "pip install" in test
    assert "pytest" in test


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    _serve, test = quick_start_commands()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test in ci
