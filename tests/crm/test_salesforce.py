"""`smallwins import-crm salesforce DIR` (DESIGN section 8) on a small org exported with
Data Loader (tests/crm/fixtures/salesforce): what each opportunity becomes, with its
original times, through the one write path (the chain verifies), and what the state, the
relationships and the win analysis then say."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from typer.testing import Result

from api.services import Services
from projections.analysis import analyze
from projections.render import render_full
from tests.crm.conftest import ImportCrm
from tests.crm.exports import SALESFORCE, counts, deals, kinds


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_small_org_round_trips(
    import_crm: ImportCrm, smallwins: Callable[..., Result], store: Services
) -> None:
    result = import_crm("salesforce", SALESFORCE)
    assert result.exit_code == 0, result.output
    report = counts(result.stdout)
    assert report["OpportunityOpened"] == 5
    assert "Opportunity.csv line 8: deleted in Salesforce (IsDeleted)" in result.stdout
    assert "OpportunityHistory.csv line 14: no opportunity '006X'" in result.stdout

    found = deals(store)
    assert set(found) == {f"salesforce:006{c}" for c in "ABCDE"}
    for _oid, history in found.values():
        assert {r.recorded_by for r in history} == {"import:salesforce"}

    _oid, acme = found["salesforce:006A"]
    opened = acme[0].data
    assert (opened["title"], opened["account"], opened["owner"]) == (
        "Acme rollout", "Acme Corp", "Jo Rivera",  # Account.csv's and User.csv's names
    )  # fmt: skip
    assert (opened["source"], opened["amount"], opened["currency"]) == ("inbound", 40000, "USD")
    assert [(r.type, r.occurred_at) for r in acme] == [
        ("OpportunityOpened", at("2024-01-10T09:00:00")),
        ("MeetingGained", at("2024-01-10T09:00:00")),  # Prospecting; the first contact role
        ("StakeholderBoughtIn", at("2024-01-15T10:00:00")),  # Dana's contact role
        ("CustomerDataGathered", at("2024-01-20T10:00:00")),  # Needs Analysis (no zone: UTC)
        ("StakeholderBoughtIn", at("2024-02-01T09:00:00")),  # Id. Decision Makers needs two
        ("DetailsChanged", at("2024-02-10T09:00:00")),  # the amount, 40000 -> 45000
        ("DemoScheduled", at("2024-02-10T09:00:00")),  # Proposal/Price Quote
        ("VerbalCommitment", at("2024-02-20T09:00:00")),  # Negotiation/Review
        ("ClosedWon", at("2024-03-01T15:00:00")),  # the history row's time, not CloseDate
    ]
    assert acme[1].data["contact"] == "Dana Reyes"
    assert acme[2].data["role"] == "technical_evaluator"  # Technical Buyer
    sam = acme[4].data  # Sam's role was added after the close: it fills the rung instead
    assert (sam["stakeholder"], sam["department"], sam["role"], sam["title"]) == (
        "Sam Ortiz", "Finance", "economic_buyer", "CFO",
    )  # fmt: skip
    assert acme[6].data["scheduled_for"] == at("2024-02-10T09:00:00")
    assert (acme[7].data["stakeholder"], acme[7].data["amount"]) == ("Sam Ortiz", 50000)
    assert acme[8].data["amount"] == 50000

    _oid, globex = found["salesforce:006B"]
    assert globex[0].data["source"] == "referral"  # "Partner Referral"
    assert kinds(globex) == ["OpportunityOpened", "MeetingGained", "CustomerDataGathered",
                             "StakeholderBoughtIn", "StakeholderBoughtIn", "ClosedLost"]  # fmt: skip
    assert globex[1].data["contact"] == "Imported contact"
    assert [r.data["stakeholder"] for r in globex[3:5]] == [
        "Imported stakeholder 1", "Imported stakeholder 2",
    ]  # fmt: skip
    assert {r.data["department"] for r in globex[3:5]} == {"Unknown"}
    assert globex[5].data["reason"] == "other"

    _oid, initech = found["salesforce:006C"]  # no history: its current stage, at its opening
    opened = initech[0].data
    assert (opened["account"], opened["owner"], opened["source"], opened["currency"]) == (
        "Initech, Inc.", "005Z", "repeat", "EUR",  # an unknown user: its id
    )  # fmt: skip
    assert opened["expected_close"] == date(2024, 6, 30)
    assert initech[0].occurred_at == at("2024-03-15T14:00:00")
    assert initech[0].data["note"] == "Next step in Salesforce: Send the contract,\nthen call Kofi"
    assert kinds(initech)[-1] == "VerbalCommitment"
    assert {r.occurred_at for r in initech} == {at("2024-03-15T14:00:00")}

    _oid, umbrella = found["salesforce:006D"]
    assert (umbrella[0].data["account"], umbrella[0].data["source"]) == ("001Z", "outbound")
    assert umbrella[0].occurred_at == at("2024-04-01T00:00:00")  # a date alone: midnight UTC
    assert kinds(umbrella) == ["OpportunityOpened", "MeetingGained", "StakeholderBoughtIn"]
    assert umbrella[2].data["title"] == "Head of Operations,\nEMEA"

    _oid, hooli = found["salesforce:006E"]  # "Closed - Merged": IsClosed, not IsWon
    assert kinds(hooli) == ["OpportunityOpened", "MeetingGained", "ClosedLost"]

    now = datetime.now(UTC)
    oid, _history = found["salesforce:006A"]
    state = render_full(str(oid), store.opportunities.load(oid).deal.describe(now, store.policy), now)
    assert (state["status"], state["stage"], state["amount"]) == ("won", "verbal_commitment", 50000)
    assert state["closed_at"] == "2024-03-01T15:00:00Z"
    departments = {d["name"]: d["depth"] for d in state["relationships"]["departments"]}
    assert departments == {"IT": "bought_in", "Finance": "decision_maker"}
    analysis = analyze(store.opportunities)
    assert (analysis["closed"], analysis["won"], analysis["lost"]) == (3, 1, 2)

    verified = smallwins("verify", "--all")
    assert verified.exit_code == 0, verified.output
    assert "5 opportunities, 28 events checked, 0 with problems" in verified.stderr
