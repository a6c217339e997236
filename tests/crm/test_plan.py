"""What the planner makes of one deal (no store): stages entered, closes and reopenings,
contact roles around a close, placeholders, a close without history, and a deal already
imported getting only what is newer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from storage.crm.model import Deal, Person, Step
from storage.crm.plan import Known, Planner
from storage.crm.stages import SALESFORCE_STAGES, StageMap

T0 = datetime(2024, 1, 1, 9, tzinfo=UTC)
NOW = datetime(2025, 1, 1, tzinfo=UTC)
STAGES = StageMap(SALESFORCE_STAGES)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def deal(*steps: tuple[float, str | None, float | None], people: list[Person] | None = None,
         close_date: date | None = None, stage: str = "Prospecting") -> Deal:  # fmt: skip
    made = Deal("salesforce:006", "Opportunity.csv line 2", T0,
                {"title": "T", "account": "A", "amount": 100.0, "external_id": "salesforce:006"},
                stage, close_date=close_date)  # fmt: skip
    made.steps = [Step(day(n), "OpportunityHistory.csv", i + 2, s, a)
                  for i, (n, s, a) in enumerate(steps)]  # fmt: skip
    made.people = people or []
    return made


def planned(made: Deal, known: Known | None = None) -> list[tuple[str, datetime]]:
    return [(p.type, p.occurred_at) for p in Planner(made, STAGES, known, "Salesforce", NOW).events()]


def test_a_deal_that_closes_reopens_and_closes_again() -> None:
    late = Person("Lee", "role line 3", "IT", None, "influencer", day(3))  # while it was lost
    made = deal((0, "Prospecting", None), (2, "Closed Lost", None),
                (5, "Needs Analysis", 300.0), (9, "Closed Won", None), people=[late])  # fmt: skip
    assert planned(made) == [
        ("OpportunityOpened", day(0)), ("MeetingGained", day(0)), ("ClosedLost", day(2)),
        ("Reopened", day(5)), ("StakeholderBoughtIn", day(5)),  # Lee, after the reopening
        ("DetailsChanged", day(5)), ("CustomerDataGathered", day(5)), ("ClosedWon", day(9)),
    ]  # fmt: skip
    events = Planner(made, STAGES, None, "Salesforce", NOW).events()
    assert events[-1].fields == {"amount": 300.0}


def test_one_contact_and_one_placeholder_make_the_two_decision_makers() -> None:
    dana = Person("Dana", "role line 2", None, "CIO", "decision_maker", day(20))
    made = deal((0, "Value Proposition", None), (4, "Negotiation/Review", 900.0), people=[dana])
    events = Planner(made, STAGES, None, "Salesforce", NOW).events()
    bought = [e for e in events if e.type == "StakeholderBoughtIn"]
    assert [(e.fields["stakeholder"], e.occurred_at) for e in bought] == [
        ("Dana", day(0)), ("Imported stakeholder 1", day(0)),  # Dana's role fills the rung
    ]  # fmt: skip
    assert bought[0].fields["department"] == "Unknown"
    verbal = events[-1]
    assert (verbal.type, verbal.fields) == ("VerbalCommitment", {"stakeholder": "Dana",
                                                                 "amount": 900.0})  # fmt: skip


def test_a_close_without_history_is_at_its_close_date() -> None:
    made = deal(stage="Closed Won", close_date=date(2024, 2, 1))
    made.steps = [Step(T0, "Opportunity.csv line 2", None, "Closed Won", synthetic=True)]
    assert planned(made) == [("OpportunityOpened", T0), ("ClosedWon", datetime(2024, 2, 1, tzinfo=UTC))]
    made.close_date = date(2099, 1, 1)  # typed ahead: not after now
    assert planned(made)[-1] == ("ClosedWon", NOW)


def test_a_deal_already_imported_gets_only_what_is_newer() -> None:
    made = deal((0, "Prospecting", None), (3, "Needs Analysis", None), (6, "Proposal/Price Quote",
                None), people=[Person("Sam", "role", "Finance", None, "economic_buyer", day(1))])  # fmt: skip
    known = Known(uuid4(), T0, day(3), rungs={1, 2}, stakeholders={"sam"}, amount=100.0)
    assert planned(made, known) == [
        ("StakeholderBoughtIn", day(6)),  # a second stakeholder for the rung below the demo
        ("DemoScheduled", day(6)),
    ]
    known.since = day(6)
    assert planned(made, known) == []
