"""A synthetic Salesforce Data Loader export, for timing `smallwins import-crm salesforce`:

    python -m bench.crm_export DIR --opportunities 100000 --history 10 [--seed 1]

writes Opportunity.csv, OpportunityHistory.csv (`--history` rows per opportunity: its stages
in the standard order, the rest amount changes), Account.csv, User.csv, Contact.csv and
OpportunityContactRole.csv (two roles per opportunity) as Data Loader writes them (every
field quoted, upper-case headers, dates like 2023-10-28T20:45:25.000Z). Same seed, same
files."""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

STAGES = ("Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
          "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote",
          "Negotiation/Review")  # fmt: skip
ROLES = ("Decision Maker", "Economic Buyer", "Technical Buyer", "Evaluator", "Business User",
         "Influencer", "Executive Sponsor", "Other")  # fmt: skip
SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Cold Call", "Other")
START = datetime(2022, 1, 1, tzinfo=UTC)
USERS, CONTACTS_PER_ACCOUNT = 50, 5


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def writer(path: Path, header: tuple[str, ...]) -> tuple[TextIO, csv.DictWriter[str]]:
    handle = path.open("w", newline="", encoding="utf-8")
    out = csv.DictWriter(handle, header, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    out.writerow({name: name.upper() for name in header})
    return handle, out


def history(rng: random.Random, created: datetime, rows: int) -> Iterator[tuple[str, int, datetime]]:
    """(stage, amount, when) rows: the stages climbed, then amount changes, then maybe the
    close; in time order."""
    climbed = rng.randint(1, len(STAGES))
    closes = rng.random() < 0.7
    stages = list(STAGES[:climbed]) + ([rng.choice(("Closed Won", "Closed Lost"))] if closes else [])
    stages = stages[:rows]
    amount = rng.randrange(5, 200) * 500
    kinds = stages[:-1] + [""] * (rows - len(stages)) + stages[-1:]  # "": an amount change
    when = created
    current = stages[0]
    for kind in kinds:
        if kind:
            current = kind
        else:
            amount += rng.randrange(-10, 20) * 500 if amount > 5000 else 500
        yield current, amount, when
        when += timedelta(hours=rng.randint(2, 24 * 9))


def generate(directory: Path, opportunities: int, rows: int, seed: int) -> int:
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
    directory.mkdir(parents=True, exist_ok=True)
    accounts = max(1, opportunities // 10)
    with (directory / "User.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        out.writerow(("ID", "FIRSTNAME", "LASTNAME"))
        out.writerows((f"005{u:012d}", f"Seller{u}", "Rep") for u in range(USERS))
    with (directory / "Account.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        out.writerow(("ID", "NAME"))
        out.writerows((f"001{a:012d}", f"Account {a}, Inc.") for a in range(accounts))
    with (directory / "Contact.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        out.writerow(("ID", "NAME", "DEPARTMENT", "TITLE"))
        out.writerows(
            (f"003{c:012d}", f"Person {c}", rng.choice(("IT", "Finance", "Operations", "Legal")),
             "Manager") for c in range(accounts * CONTACTS_PER_ACCOUNT)
        )  # fmt: skip
    files = [
        writer(directory / "Opportunity.csv", ("Id", "IsDeleted", "Name", "AccountId", "OwnerId",
               "StageName", "Amount", "CloseDate", "IsClosed", "IsWon", "LeadSource", "Type",
               "CreatedDate")),
        writer(directory / "OpportunityHistory.csv",
               ("OpportunityId", "StageName", "Amount", "CreatedDate")),
        writer(directory / "OpportunityContactRole.csv",
               ("OpportunityId", "ContactId", "Role", "CreatedDate")),
    ]  # fmt: skip
    (_h1, deals), (_h2, rows_out), (_h3, roles) = files
    written = 0
    span = (datetime(2025, 6, 1, tzinfo=UTC) - START).total_seconds()
    for n in range(opportunities):
        oid, account = f"006{n:012d}", rng.randrange(accounts)
        created = START + timedelta(seconds=rng.uniform(0, span))
        steps = list(history(rng, created, rows))
        for stage, amount, when in steps:
            rows_out.writerow({"OpportunityId": oid, "StageName": stage, "Amount": amount,
                               "CreatedDate": stamp(when)})  # fmt: skip
        written += len(steps)
        stage, amount, last = steps[-1]
        closed = stage.startswith("Closed")
        deals.writerow({
            "Id": oid, "IsDeleted": "false", "Name": f"Deal {n}", "AccountId": f"001{account:012d}",
            "OwnerId": f"005{rng.randrange(USERS):012d}", "StageName": stage, "Amount": amount,
            "CloseDate": last.date().isoformat(), "IsClosed": str(closed).lower(),
            "IsWon": str(stage == "Closed Won").lower(), "LeadSource": rng.choice(SOURCES),
            "Type": rng.choice(("New Customer", "Existing Customer - Upgrade")),
            "CreatedDate": stamp(created),
        })  # fmt: skip
        for contact in rng.sample(range(CONTACTS_PER_ACCOUNT), 2):
            roles.writerow({"OpportunityId": oid,
                            "ContactId": f"003{account * CONTACTS_PER_ACCOUNT + contact:012d}",
                            "Role": rng.choice(ROLES),
                            "CreatedDate": stamp(created + timedelta(days=rng.randint(0, 30)))})  # fmt: skip
    for opened, _out in files:
        opened.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--opportunities", type=int, default=100_000)
    parser.add_argument("--history", type=int, default=10, help="history rows per opportunity")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows = generate(args.directory, args.opportunities, args.history, args.seed)
    print(f"wrote {args.opportunities:,} opportunities, {rows:,} history rows to {args.directory}")


if __name__ == "__main__":
    main()
