"""Exports for the tests: the fixture orgs (built by hand from Salesforce's Data Loader CSV
format and HubSpot's CRM API v3 deal objects), copied to change them, and a look at what
a store holds per external id."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any
from uuid import UUID

from api.services import Services
from domain.records import EventRecord
from tests.ops.stores import opportunity_ids

FIXTURES = Path(__file__).parent / "fixtures"
SALESFORCE = FIXTURES / "salesforce"
HUBSPOT = FIXTURES / "hubspot" / "deals.json"
HUBSPOT_STAGES = FIXTURES / "hubspot" / "stages.toml"


def copy_org(tmp_path: Path, name: str = "org") -> Path:
    target = tmp_path / name
    shutil.copytree(SALESFORCE, target)
    return target


def append_rows(path: Path, *rows: list[str]) -> None:
    """Rows added as Data Loader writes them: every field quoted, CRLF line ends."""
    with path.open("a", newline="", encoding="utf-8") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8", newline="")


def deals(services: Services) -> dict[str, tuple[UUID, list[EventRecord]]]:
    """Every opportunity by its external_id: (id, history)."""
    app = services.opportunities
    found = {}
    for oid in opportunity_ids(services):
        history = app.history(oid)
        found[history[0].data["external_id"]] = (oid, history)
    return found


def kinds(history: list[EventRecord]) -> list[str]:
    return [r.type for r in history]


def report_body(output: str) -> list[str]:
    """The report's lines, without its first line and the timing (dry run or not)."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.endswith(" import")
                 or "import (dry run" in line)  # fmt: skip
    body = lines[start + 1 :]
    return [line.split(" in ")[0] if line.startswith("events ") else line for line in body]


def counts(output: str) -> dict[str, Any]:
    """`OpportunityOpened: 5`-style lines of a report, as numbers."""
    found: dict[str, Any] = {}
    for line in output.splitlines():
        name, _, number = line.strip().partition(": ")
        if number.replace(",", "").isdigit():
            found[name] = int(number.replace(",", ""))
    return found
