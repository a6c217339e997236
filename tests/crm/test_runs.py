"""Import runs (DESIGN section 8): a second run of the same export records nothing; a later
export adds only what is new; --dry-run writes nothing and prints the same report; a
stage that maps nowhere stops the run before anything is written; --stages overrides."""

from __future__ import annotations

from pathlib import Path

from api.services import Services
from tests.crm.conftest import ImportCrm
from tests.crm.exports import (
    SALESFORCE,
    append_rows,
    copy_org,
    counts,
    deals,
    kinds,
    report_body,
    rewrite,
)
from tests.ops.stores import exported, is_empty


def test_a_second_run_records_nothing(import_crm: ImportCrm, store: Services) -> None:
    assert import_crm("salesforce", SALESFORCE).exit_code == 0
    before = exported(store)
    again = import_crm("salesforce", SALESFORCE)
    assert again.exit_code == 0, again.output
    assert "events recorded: 0" in again.stdout
    assert "opportunities: 0 new, 0 updated, 5 unchanged, 0 refused" in again.stdout
    assert exported(store) == before


def test_a_later_export_adds_only_what_is_new(
    import_crm: ImportCrm, store: Services, tmp_path: Path
) -> None:
    org = copy_org(tmp_path)
    assert import_crm("salesforce", org).exit_code == 0
    first = deals(store)
    # A week later: Umbrella moved on and won, with a new contact role; a new opportunity.
    append_rows(org / "OpportunityHistory.csv",
                ["006D", "Needs Analysis", "9000", "2024-05-01T09:00:00.000Z"],
                ["006D", "Closed Won", "9500", "2024-05-20T09:00:00.000Z"],
                ["006F", "Qualification", "300", "2024-05-03T09:00:00.000Z"])  # fmt: skip
    append_rows(org / "Opportunity.csv",
                ["006F", "false", "Acme add-on", "001A", "005A", "Qualification", "300", "USD",
                 "2024-08-01", "false", "false", "Web", "", "", "2024-05-03T09:00:00.000Z"])  # fmt: skip
    append_rows(org / "opportunitycontactrole.csv",
                ["006D", "003B", "Influencer", "false", "2024-05-02T09:00:00.000Z"])  # fmt: skip
    rewrite(org / "Opportunity.csv", '"Prospecting","","","2024-09-30","0","0"',
            '"Closed Won","9500","","2024-05-20","1","1"')  # fmt: skip
    later = import_crm("salesforce", org)
    assert later.exit_code == 0, later.output
    assert "opportunities: 1 new, 1 updated, 4 unchanged, 0 refused" in later.stdout
    after = deals(store)
    for external_id, (_oid, history) in first.items():  # what was there stays as it was
        assert after[external_id][1][: len(history)] == history
    _oid, umbrella = after["salesforce:006D"]
    assert kinds(umbrella)[3:] == [
        "DetailsChanged", "CustomerDataGathered", "StakeholderBoughtIn", "ClosedWon",
    ]  # fmt: skip
    assert umbrella[5].data["stakeholder"] == "Sam Ortiz"
    assert umbrella[6].data["amount"] == 9500
    assert kinds(after["salesforce:006F"][1]) == ["OpportunityOpened", "MeetingGained"]
    assert counts(later.stdout)["OpportunityOpened"] == 1
    again = import_crm("salesforce", org)
    assert "events recorded: 0" in again.stdout


def test_a_dry_run_writes_nothing_and_prints_the_same_report(
    import_crm: ImportCrm, store: Services
) -> None:
    dry = import_crm("salesforce", SALESFORCE, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "dry run: nothing written" in dry.stdout
    assert is_empty(store)
    real = import_crm("salesforce", SALESFORCE)
    assert report_body(dry.stdout) == [
        line.replace("events recorded", "events that would be recorded")
        for line in report_body(real.stdout)
    ]
    assert counts(dry.stdout)["StakeholderBoughtIn"] == 7
    after = import_crm("salesforce", SALESFORCE, "--dry-run")
    assert "events that would be recorded: 0" in after.stdout


def test_an_unmapped_stage_stops_the_run_before_anything_is_written(
    import_crm: ImportCrm, store: Services, tmp_path: Path
) -> None:
    org = copy_org(tmp_path)
    append_rows(org / "OpportunityHistory.csv",
                ["006D", "Legal Review", "", "2024-04-10T09:00:00.000Z"],
                ["006D", "Security questionnaire", "", "2024-04-11T09:00:00.000Z"])  # fmt: skip
    refused = import_crm("salesforce", org)
    assert refused.exit_code == 1
    assert "Legal Review\n  Security questionnaire" in refused.stderr
    assert "nothing was imported" in refused.stderr
    assert is_empty(store)
    dry = import_crm("salesforce", org, "--dry-run")
    assert dry.exit_code == 1
    assert "unmapped stages: 2\n  Legal Review\n  Security questionnaire" in dry.stdout
    assert "4 new, 0 updated, 0 unchanged, 0 refused, 1 left out" in dry.stdout
    assert is_empty(store)


def test_a_stages_file_adds_and_overrides(
    import_crm: ImportCrm, store: Services, tmp_path: Path
) -> None:
    org = copy_org(tmp_path)
    append_rows(org / "OpportunityHistory.csv",
                ["006D", "Legal Review", "", "2024-04-10T09:00:00.000Z"])  # fmt: skip
    stages = tmp_path / "stages.toml"
    stages.write_text(
        '# our own stages\n"legal review" = "demo"\n"Prospecting" = "none"\n'
        '"Closed - Merged" = "closed_won"\n',
        encoding="utf-8",
    )
    result = import_crm("salesforce", org, "--stages", stages)
    assert result.exit_code == 0, result.output
    found = deals(store)
    umbrella = found["salesforce:006D"][1]  # Prospecting is no meeting now; Legal Review a demo
    assert kinds(umbrella) == ["OpportunityOpened", "StakeholderBoughtIn", "MeetingGained",
                               "CustomerDataGathered", "StakeholderBoughtIn", "DemoScheduled"]  # fmt: skip
    assert umbrella[4].data["stakeholder"] == "Imported stakeholder 1"  # Kofi is one already
    assert kinds(found["salesforce:006E"][1])[-1] == "ClosedWon"  # the file over IsWon
    assert kinds(found["salesforce:006A"][1])[1] == "StakeholderBoughtIn"  # no meeting at first


def test_a_bad_stages_file_is_named_with_its_line(
    import_crm: ImportCrm, store: Services, tmp_path: Path
) -> None:
    stages = tmp_path / "stages.toml"
    stages.write_text('"Prospecting" = "meeting"\n"Legal Review" = "signed"\n', encoding="utf-8")
    result = import_crm("salesforce", SALESFORCE, "--stages", stages)
    assert result.exit_code == 1
    assert "stages.toml, line 2: stage 'Legal Review': 'signed' is not one of" in result.stderr
    stages.write_text('"Prospecting" = \n', encoding="utf-8")
    result = import_crm("salesforce", SALESFORCE, "--stages", stages)
    assert result.exit_code == 1
    assert "stages.toml: not valid TOML" in result.stderr
    assert is_empty(store)
