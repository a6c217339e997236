"""Bad files exit 1 naming the file, the line (the header is line 1; a quoted field may span
lines) and the column, and nothing is written; what Data Loader writes reads: headers in
any case, quoted commas and line breaks, the three date forms, true/false and 1/0."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from api.services import Services
from storage.crm.csvfile import Table
from storage.crm.values import BadFile, Where, flag, instant
from tests.crm.conftest import ImportCrm
from tests.crm.exports import append_rows, copy_org, rewrite
from tests.ops.stores import is_empty

HERE = Where("x.csv", 2, "CreatedDate")


def STORE_LINE(result: Any) -> str:  # noqa: N802 (reads as the line it strips)
    """The line every command starts with (which store it uses), with its newline."""
    first = result.stderr.splitlines(keepends=True)[0]
    return first if first.startswith("store: ") else ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-10-28T20:45:25.000Z", datetime(2023, 10, 28, 20, 45, 25, tzinfo=UTC)),
        ("2023-10-28 20:45:25", datetime(2023, 10, 28, 20, 45, 25, tzinfo=UTC)),
        ("2023-10-28", datetime(2023, 10, 28, tzinfo=UTC)),
        ("2023-10-28T22:45:25.000+0200", datetime(2023, 10, 28, 20, 45, 25, tzinfo=UTC)),
    ],
)
def test_the_date_forms_read_as_utc(text: str, expected: datetime) -> None:
    assert instant(text, HERE) == expected


@pytest.mark.parametrize("text", ["28/10/2023", "2023-13-01", "yesterday", "", "2023W43"])
def test_an_unreadable_date_names_its_place(text: str) -> None:
    with pytest.raises(BadFile, match=r"^x\.csv, line 2, column CreatedDate: unreadable date"):
        instant(text, HERE)


def test_booleans() -> None:
    assert [flag(v, HERE) for v in ("true", "TRUE", "1", "false", "0", "")] == [
        True, True, True, False, False, None,
    ]  # fmt: skip
    with pytest.raises(BadFile, match="unreadable boolean 'yes'"):
        flag("yes", HERE)


@pytest.mark.parametrize("header", ["Id,Name", "ID,NAME", "id,name", '"Id","Name"', " Id , Name "])
def test_headers_match_whatever_their_case(tmp_path: Path, header: str) -> None:
    path = tmp_path / "Account.csv"
    path.write_text(f'\ufeff{header}\r\n"001A","Initech, Inc."\r\n\r\n"001B","Two\nlines"\r\n')
    table = Table(path, ("Id", "Name"))
    assert [(line, row) for line, row in table.rows()] == [
        (2, ["001A", "Initech, Inc."]), (4, ["001B", "Two\nlines"]),
    ]  # fmt: skip


def test_a_missing_required_column(import_crm: ImportCrm, store: Services, tmp_path: Path) -> None:
    org = copy_org(tmp_path)
    rewrite(org / "Opportunity.csv", '"STAGENAME"', '"STAGE"')
    result = import_crm("salesforce", org)
    assert result.exit_code == 1
    assert result.stderr.strip().removeprefix(STORE_LINE(result)) == (
        "Opportunity.csv, line 1, column StageName: missing required column;"
        " nothing was imported"
    )
    assert is_empty(store)


def test_an_unreadable_date_after_a_field_that_spans_lines(
    import_crm: ImportCrm, store: Services, tmp_path: Path
) -> None:
    org = copy_org(tmp_path)  # 006C's NextStep spans lines 4 and 5: 006D is on line 6
    rewrite(org / "Opportunity.csv", '"2024-04-01"', '"04/01/2024"')
    result = import_crm("salesforce", org)
    assert result.exit_code == 1
    assert "Opportunity.csv, line 6, column CreatedDate: unreadable date '04/01/2024'" in (
        result.stderr
    )
    assert is_empty(store)


def test_a_bad_row_late_in_a_later_file_writes_nothing(
    import_crm: ImportCrm, store: Services, tmp_path: Path
) -> None:
    org = copy_org(tmp_path)
    append_rows(org / "opportunitycontactrole.csv", ["006A", "003C", "Influencer", "x", "soon"])
    result = import_crm("salesforce", org)
    assert result.exit_code == 1
    assert "opportunitycontactrole.csv, line 5, column CreatedDate: unreadable date 'soon'" in (
        result.stderr
    )
    assert is_empty(store)


def test_an_unreadable_number(import_crm: ImportCrm, store: Services, tmp_path: Path) -> None:
    org = copy_org(tmp_path)
    rewrite(org / "OpportunityHistory.csv", "006A,Needs Analysis,40000", "006A,Needs Analysis,4O000")
    result = import_crm("salesforce", org)
    assert result.exit_code == 1
    assert "OpportunityHistory.csv, line 3, column Amount: unreadable number '4O000'" in (
        result.stderr
    )
    assert is_empty(store)


def test_missing_or_ambiguous_files(import_crm: ImportCrm, store: Services, tmp_path: Path) -> None:
    org = copy_org(tmp_path)
    (org / "Account.csv").rename(org / "account.CSV")  # any case
    (org / "Opportunity.csv").rename(org / "OPPORTUNITY.CSV")
    assert import_crm("salesforce", org, "--dry-run").exit_code == 0
    (org / "account.csv").write_text("Id,Name\n")
    result = import_crm("salesforce", org)
    assert result.exit_code == 1
    assert "both account.CSV and account.csv: which one to read is ambiguous" in result.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    result = import_crm("salesforce", empty)
    assert result.exit_code == 1
    assert "no Opportunity.csv in this directory" in result.stderr
    assert import_crm("salesforce", tmp_path / "nowhere").exit_code == 2
    assert is_empty(store)


def test_a_file_that_is_not_utf8(import_crm: ImportCrm, store: Services, tmp_path: Path) -> None:
    org = copy_org(tmp_path)
    with (org / "Account.csv").open("ab") as handle:
        handle.write(b'"001D","Soci\xe9t\xe9 G\xe9n\xe9rale"\r\n')
    result = import_crm("salesforce", org)
    assert result.exit_code == 1
    assert "Account.csv, line 5: not UTF-8 text" in result.stderr
    assert is_empty(store)
