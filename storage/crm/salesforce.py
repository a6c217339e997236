"""A Salesforce Data Loader export (DESIGN section 8), read into deals: `Opportunity.csv`
(required), `OpportunityHistory.csv`, and when present `Account.csv`, `User.csv`,
`Contact.csv`, `OpportunityContactRole.csv`. File names and headers match
case-insensitively. Every file is read whole and checked before anything is written."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from storage.crm.csvfile import Progress, Table, cell, find_files
from storage.crm.model import Deal, Export, Person, Skipped, Step, place
from storage.crm.values import BadFile, amount, day, flag, instant, optional_instant

OPPORTUNITY = "opportunity.csv"
HISTORY = "opportunityhistory.csv"
FILES = (OPPORTUNITY, HISTORY, "account.csv", "user.csv", "contact.csv",
         "opportunitycontactrole.csv")  # fmt: skip
NO_ACCOUNT = "No account"
ROLES = {
    "decision maker": "decision_maker",
    "economic buyer": "economic_buyer",
    "economic decision maker": "economic_buyer",
    "technical buyer": "technical_evaluator",
    "evaluator": "technical_evaluator",
    "business user": "user",
    "influencer": "influencer",
    "executive sponsor": "champion",
}


def sizes(directory: Path) -> int:
    """How many bytes the files of an export hold (for a progress bar)."""
    return sum(p.stat().st_size for n, p in find_files(directory).items() if n in FILES)


def read_salesforce(directory: Path, progress: Progress | None = None) -> Export:
    files = find_files(directory)
    if OPPORTUNITY not in files:
        raise BadFile(str(directory), "no Opportunity.csv in this directory")
    export = Export("salesforce", "Salesforce")

    def table(name: str, required: tuple[str, ...], *one_of: tuple[str, ...]) -> Table | None:
        path = files.get(name)
        return None if path is None else Table(path, required, one_of, progress)

    accounts = _names(table("account.csv", ("Id", "Name")))
    users = _names(table("user.csv", ("Id",), ("Name", "LastName")))
    contacts = _contacts(table("contact.csv", ("Id",), ("Name", "LastName")))
    opportunities = Table(
        files[OPPORTUNITY], ("Id", "Name", "AccountId", "StageName", "CreatedDate"), (), progress
    )
    deals = _opportunities(opportunities, accounts, users, export)
    history = table(HISTORY, ("OpportunityId", "StageName", "CreatedDate"))
    if history is None:
        export.notes.append("no OpportunityHistory.csv: each opportunity's current stage only")
    else:
        _history(history, deals, export)
    _roles(table("opportunitycontactrole.csv", ("OpportunityId", "ContactId")), deals,
           contacts, export)  # fmt: skip
    for deal in deals.values():
        if deal.steps:
            deal.steps.sort(key=lambda s: s.at)
            first = deal.steps[0].amount
            deal.opening["amount"] = first if first is not None else deal.amount
        else:
            deal.steps.append(Step(deal.created, deal.where, None, deal.stage, synthetic=True))
        deal.people.sort(key=lambda p: p.since or deal.created)
    export.deals = list(deals.values())
    return export


def _names(table: Table | None) -> dict[str, str]:
    """Id -> Name (or FirstName LastName)."""
    return {} if table is None else {i: v[0] for i, v in _people(table).items()}


def _people(table: Table) -> dict[str, tuple[str, str | None, str | None]]:
    """Id -> (Name or FirstName LastName, Department, Title) of each row with both."""
    ids, name, first, last, department, title = (
        table.column(c) for c in ("Id", "Name", "FirstName", "LastName", "Department", "Title")
    )
    found = {}
    for _line, row in table.rows():
        full = cell(row, name) or " ".join(p for p in (cell(row, first), cell(row, last)) if p)
        if cell(row, ids) and full:
            found[cell(row, ids)] = (full, cell(row, department) or None, cell(row, title) or None)
    return found


def _contacts(table: Table | None) -> dict[str, tuple[str, str | None, str | None]]:
    return {} if table is None else _people(table)


def _opportunities(
    table: Table, accounts: dict[str, str], users: dict[str, str], export: Export
) -> dict[str, Deal]:
    c = {name: table.column(name) for name in (
        "Id", "Name", "AccountId", "StageName", "CreatedDate", "OwnerId", "Amount",
        "CurrencyIsoCode", "CloseDate", "IsClosed", "IsWon", "LeadSource", "Type", "NextStep",
        "IsDeleted",
    )}  # fmt: skip
    deals: dict[str, Deal] = {}
    first_line: dict[str, int] = {}
    outcomes: dict[str, set[str]] = {}
    for line, row in table.rows():

        def value(name: str, row: list[str] = row) -> str:
            return cell(row, c[name])

        where = place(table.name, line)
        created = instant(value("CreatedDate"), table.where(line, "CreatedDate"))
        total = amount(value("Amount"), table.where(line, "Amount"))
        close_date = day(value("CloseDate"), table.where(line, "CloseDate"))
        closed = flag(value("IsClosed"), table.where(line, "IsClosed"))
        won = flag(value("IsWon"), table.where(line, "IsWon"))
        deleted = flag(value("IsDeleted"), table.where(line, "IsDeleted"))
        sf_id, stage = value("Id"), value("StageName")
        problem = _refused(sf_id, stage, deleted, first_line)
        if problem:
            export.skipped.append(Skipped(where, problem))
            continue
        first_line[sf_id] = line
        if closed and won is not None:
            outcomes.setdefault(stage, set()).add("won" if won else "lost")
        opening: dict[str, Any] = {
            "title": value("Name"),
            "account": accounts.get(value("AccountId"), value("AccountId")) or NO_ACCOUNT,
            "source": salesforce_source(value("Type"), value("LeadSource")),
            "external_id": f"salesforce:{sf_id}",
        }
        if value("OwnerId"):
            opening["owner"] = users.get(value("OwnerId"), value("OwnerId"))
        if value("CurrencyIsoCode"):
            opening["currency"] = value("CurrencyIsoCode")
        next_step = value("NextStep")
        deals[sf_id] = Deal(
            external_id=f"salesforce:{sf_id}", where=where, created=created, opening=opening,
            stage=stage, note=f"Next step in Salesforce: {next_step}" if next_step else None,
            amount=total, close_date=close_date,
        )  # fmt: skip
        deals[sf_id].opening["amount"] = total
    export.closes = {s: next(iter(o)) for s, o in outcomes.items() if len(o) == 1}
    return deals


def _refused(sf_id: str, stage: str, deleted: bool | None, seen: dict[str, int]) -> str | None:
    if deleted:
        return "deleted in Salesforce (IsDeleted)"
    if not sf_id:
        return "its Id is empty"
    if sf_id in seen:
        return f"Id {sf_id} appears again (first on line {seen[sf_id]})"
    if not stage:
        return "its StageName is empty"
    return None


def salesforce_source(kind: str, lead_source: str) -> str:
    """DESIGN section 8: Type "Existing Customer..." -> repeat; else by LeadSource."""
    if kind.casefold().startswith("existing customer"):
        return "repeat"
    lead = lead_source.casefold()
    if "referral" in lead or "word of mouth" in lead:
        return "referral"
    if "web" in lead or "phone inquiry" in lead:
        return "inbound"
    if "purchased list" in lead or "cold call" in lead:
        return "outbound"
    return "other"


def _history(table: Table, deals: dict[str, Deal], export: Export) -> None:
    c = {n: table.column(n) for n in ("OpportunityId", "StageName", "CreatedDate", "Amount",
                                      "IsDeleted")}  # fmt: skip
    stages: dict[str, str] = {}  # one string per stage name, shared by the rows
    for line, row in table.rows():
        at = instant(cell(row, c["CreatedDate"]), table.where(line, "CreatedDate"))
        total = amount(cell(row, c["Amount"]), table.where(line, "Amount"))
        if flag(cell(row, c["IsDeleted"]), table.where(line, "IsDeleted")):
            export.skipped.append(Skipped(place(table.name, line), "deleted in Salesforce"))
            continue
        deal = deals.get(cell(row, c["OpportunityId"]))
        if deal is None:
            reason = f"no opportunity {cell(row, c['OpportunityId'])!r} in Opportunity.csv"
            export.skipped.append(Skipped(place(table.name, line), reason))
            continue
        name = cell(row, c["StageName"])
        stage = stages.setdefault(name, name) if name else None
        deal.steps.append(Step(at, table.name, line, stage, total))


def _roles(
    table: Table | None,
    deals: dict[str, Deal],
    contacts: dict[str, tuple[str, str | None, str | None]],
    export: Export,
) -> None:
    if table is None:
        return
    c = {n: table.column(n) for n in ("OpportunityId", "ContactId", "Role", "CreatedDate")}
    for line, row in table.rows():
        since: datetime | None = optional_instant(
            cell(row, c["CreatedDate"]), table.where(line, "CreatedDate")
        )
        deal = deals.get(cell(row, c["OpportunityId"]))
        contact_id = cell(row, c["ContactId"])
        if deal is None or not contact_id:
            reason = ("its ContactId is empty" if deal is not None else
                      f"no opportunity {cell(row, c['OpportunityId'])!r} in Opportunity.csv")
            export.skipped.append(Skipped(place(table.name, line), reason))  # fmt: skip
            continue
        name, department, title = contacts.get(contact_id, (contact_id, None, None))
        role = ROLES.get(cell(row, c["Role"]).casefold(), "other")
        where = place(table.name, line)
        deal.people.append(Person(name, where, department, title, role, since))
