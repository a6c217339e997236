"""The benchmark's synthetic export (bench/crm_export.py) is a valid Data Loader export:
it imports with nothing skipped and nothing unmapped, and every history verifies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from typer.testing import Result

from bench.crm_export import generate
from tests.crm.conftest import ImportCrm
from tests.crm.exports import counts


def test_the_synthetic_export_imports_cleanly(
    import_crm: ImportCrm, smallwins: Callable[..., Result], tmp_path: Path
) -> None:
    rows = generate(tmp_path / "org", opportunities=40, rows=10, seed=3)
    assert rows == 400
    result = import_crm("salesforce", tmp_path / "org")
    assert result.exit_code == 0, result.output
    assert "skipped rows: 0" in result.stdout
    assert "unmapped stages: 0" in result.stdout
    assert counts(result.stdout)["OpportunityOpened"] == 40
    assert smallwins("verify", "--all").exit_code == 0
