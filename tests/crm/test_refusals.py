"""Every event goes through the domain's rules: one they refuse is a skipped row with its
reason, never a crash; a failing store stops the run, which says what it wrote, and the
same run again adds the rest."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import OperationalError

from api.services import Services
from domain.application import Opportunities
from storage.crm import check, prepare, read_salesforce, run, write
from tests.crm.conftest import ImportCrm
from tests.crm.exports import SALESFORCE, append_rows, copy_org, counts, deals, rewrite


def test_rows_the_rules_refuse_are_skipped_with_their_reason(
    import_crm: ImportCrm, store: Services, tmp_path: Path
) -> None:
    org = copy_org(tmp_path)
    rewrite(org / "Opportunity.csv", '"20000","USD"', '"20000","ZZZ"')  # 006B, line 3
    append_rows(org / "OpportunityHistory.csv",
                ["006D", "Needs Analysis", "", "2099-01-01T00:00:00.000Z"])  # fmt: skip
    dry = import_crm("salesforce", org, "--dry-run")
    result = import_crm("salesforce", org)
    assert result.exit_code == 0, result.output
    assert "opportunities: 4 new, 0 updated, 0 unchanged, 1 refused" in result.stdout
    assert "Opportunity.csv line 3: OpportunityOpened: currency:" in result.stdout
    assert (
        "OpportunityHistory.csv line 15: CustomerDataGathered: occurred_at: may be at most"
        " 5 minutes in the future"
    ) in result.stdout
    assert "skipped rows: 4" in result.stdout  # and the two of the fixture
    written = {k: v for k, v in counts(result.stdout).items() if not k.startswith("events")}
    assert {k: v for k, v in counts(dry.stdout).items() if not k.startswith("events")} == written
    assert "salesforce:006B" not in deals(store)


class FailingStore(Opportunities):
    """A store that fails every save holding the deal `failing` (an external id)."""

    name = Opportunities.name  # the same events table (the library names it by the class)
    failing: str | None = "salesforce:006C"

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        for obj in objs:
            if self.failing and obj.deal.profile["external_id"] == self.failing:
                msg = "the disk is full"
                raise OperationalError(msg)
        return super().save(*objs, **kwargs)


def test_writing_that_stops_part_way_says_what_it_wrote(
    make_opportunities: Callable[..., Opportunities],
    store: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(run, "WRITE_BATCH", 1)  # a transaction per event: 006A is written
    export = read_salesforce(SALESFORCE)
    failing = make_opportunities(cls=FailingStore)
    report = write(prepare(export, {}, failing), failing)
    assert report.failed == "OperationalError: the disk is full"
    stored = deals(store)
    assert report.recorded == sum(len(history) for _oid, history in stored.values())
    assert len(stored["salesforce:006A"][1]) == 9
    assert "salesforce:006C" not in stored
    assert not any("OpportunityNotFound" in row.reason for row in report.skipped)

    app = make_opportunities()
    again = write(prepare(read_salesforce(SALESFORCE), {}, app), app)
    assert again.failed is None
    assert check(prepare(read_salesforce(SALESFORCE), {}, app), app).recorded == 0
    in_store = Counter(r.type for _oid, history in deals(store).values() for r in history)
    assert in_store == Counter({"OpportunityOpened": 5, "MeetingGained": 5,
                                "CustomerDataGathered": 3, "StakeholderBoughtIn": 7,
                                "DemoScheduled": 2, "VerbalCommitment": 2, "ClosedWon": 1,
                                "ClosedLost": 2, "DetailsChanged": 1})  # fmt: skip

