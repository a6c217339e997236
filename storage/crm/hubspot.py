"""HubSpot deals as the CRM API (v3) returns them with `propertiesWithHistory` (DESIGN
section 8), read into deals: a JSON list of deal objects (or one page of the API's answer,
`{"results": [...]}`). Each deal has an `id`, `properties` (current values), and
`propertiesWithHistory` (each property's values, newest first, with their `timestamp`);
`associations` to companies and contacts, when present, give the account and the people
(by id: the deal objects carry no names of theirs)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from storage.crm.model import Deal, Export, Person, Skipped, Step
from storage.crm.salesforce import NO_ACCOUNT
from storage.crm.values import BadFile, Where, amount, instant

INBOUND_SOURCES = frozenset({"ORGANIC_SEARCH", "PAID_SEARCH", "DIRECT_TRAFFIC", "SOCIAL_MEDIA",
                             "PAID_SOCIAL", "EMAIL_MARKETING", "OTHER_CAMPAIGNS"})  # fmt: skip


def read_hubspot(path: Path) -> Export:
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as error:
        raise BadFile(path.name, f"not valid JSON ({error.msg})", error.lineno,
                      str(error.colno)) from None  # fmt: skip
    except OSError as error:
        raise BadFile(path.name, f"cannot be read ({error})") from None
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        data = data["results"]
    if not isinstance(data, list):
        raise BadFile(path.name, "expected a JSON list of deal objects")
    export = Export("hubspot", "HubSpot")
    seen: set[str] = set()
    for index, item in enumerate(data):
        deal = _deal(path.name, index, item, export)
        if deal is None:
            continue
        if deal.external_id in seen:
            export.skipped.append(Skipped(deal.where, "this deal id appears again"))
            continue
        seen.add(deal.external_id)
        export.deals.append(deal)
    return export


class _Reader:
    """One deal object's values, with the errors naming the deal and the property."""

    def __init__(self, file: str, index: int, item: dict[str, Any]) -> None:
        self.file = file
        self.label = f"item {index + 1} of the list"  # until its id is known
        self.item = item
        self.properties = item.get("properties") or {}
        self.history = item.get("propertiesWithHistory") or {}
        if not isinstance(self.properties, dict) or not isinstance(self.history, dict):
            raise self.bad("properties and propertiesWithHistory must be objects")

    def bad(self, problem: str, name: str = "") -> BadFile:
        return BadFile(f"{self.file}, {self.label}", problem, None, name)

    def versions(self, name: str) -> list[tuple[datetime, Any]]:
        """A property's history, oldest first (entries of one instant in the order set)."""
        entries = self.history.get(name) or []
        if not isinstance(entries, list):
            raise self.bad("expected a list", f"propertiesWithHistory.{name}")
        found = []
        for k, entry in enumerate(reversed(entries)):
            column = f"propertiesWithHistory.{name}[{len(entries) - 1 - k}]"
            if not isinstance(entry, dict):
                raise self.bad("expected an object", column)
            found.append((self.instant(entry.get("timestamp"), f"{column}.timestamp"),
                          entry.get("value")))  # fmt: skip
        found.sort(key=lambda v: v[0])
        return found

    def value(self, name: str) -> Any:
        """The current value: `properties`, else the newest of its history."""
        current = self.properties.get(name)
        if current not in (None, ""):
            return current
        versions = self.versions(name)
        return versions[-1][1] if versions else None

    def text(self, name: str) -> str:
        value = self.value(name)
        return "" if value is None else str(value).strip()

    def instant(self, value: Any, column: str) -> datetime:
        where = Where(self.file, None, column)
        if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
            return datetime.fromtimestamp(int(value) / 1000, UTC)  # epoch milliseconds
        if not isinstance(value, str):
            raise self.bad(f"unreadable date {value!r}", column)
        try:
            return instant(value, where)
        except BadFile:
            raise self.bad(f"unreadable date {value!r}", column) from None

    def amount(self, value: Any, column: str) -> float | None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        try:
            return amount(value if isinstance(value, str) else None, Where(self.file))
        except BadFile:
            raise self.bad(f"unreadable number {value!r}", column) from None

    def associated(self, kind: str) -> list[str]:
        found = ((self.item.get("associations") or {}).get(kind) or {}).get("results") or []
        ids = (str(r.get("id") or r.get("toObjectId") or "") for r in found if isinstance(r, dict))
        return list(dict.fromkeys(i for i in ids if i))


def _deal(file: str, index: int, item: Any, export: Export) -> Deal | None:
    if not isinstance(item, dict):
        raise BadFile(f"{file}, item {index + 1} of the list", "expected a deal object")
    read = _Reader(file, index, item)
    hubspot_id = str(item.get("id") or read.text("hs_object_id"))
    if not hubspot_id:
        raise read.bad("no id", "id")
    read.label = f"deal {hubspot_id}"
    where = f"{file} deal {hubspot_id}"
    created_value = read.value("createdate") or item.get("createdAt")
    if created_value in (None, ""):
        raise read.bad("no createdate", "properties.createdate")
    created = read.instant(created_value, "properties.createdate")
    if item.get("archived") is True:
        export.skipped.append(Skipped(where, "archived in HubSpot"))
        return None
    stages = [(at, str(v)) for at, v in read.versions("dealstage") if v]
    amounts = [(at, read.amount(v, "propertiesWithHistory.amount")) for at, v in
               read.versions("amount")]  # fmt: skip
    stage = read.text("dealstage")
    if not stage:
        raise read.bad("no dealstage", "properties.dealstage")
    pipeline = read.text("pipeline")
    for name in {s for _at, s in stages} | {stage}:
        if pipeline and pipeline != "default":
            export.stage_context.setdefault(name, f"(pipeline {pipeline})")
    current = read.amount(read.value("amount"), "properties.amount")
    close = read.value("closedate")
    changes = {at: a for at, a in amounts if a is not None}  # an instant's last amount
    steps = [Step(at, where, None, s, changes.pop(at, None)) for at, s in stages]
    steps += [Step(at, where, None, amount=a) for at, a in changes.items()]
    steps.sort(key=lambda s: s.at)
    if not stages:
        steps.insert(0, Step(created, where, None, stage, synthetic=True))
    companies, contacts, owner = read.associated("companies"), read.associated("contacts"), \
        read.text("hubspot_owner_id")  # fmt: skip
    opening: dict[str, Any] = {
        "title": read.text("dealname"),
        "account": f"HubSpot company {companies[0]}" if companies else NO_ACCOUNT,
        "amount": next((a for _at, a in amounts if a is not None), current),
        "source": _source(read.text("dealtype"), read.text("hs_analytics_source")),
        "external_id": f"hubspot:{hubspot_id}",
    }
    if owner:
        opening["owner"] = f"HubSpot owner {owner}"
    if read.text("deal_currency_code"):
        opening["currency"] = read.text("deal_currency_code")
    people = [Person(f"HubSpot contact {c}", where, buys_in=False) for c in contacts]
    return Deal(
        external_id=f"hubspot:{hubspot_id}", where=where, created=created, opening=opening,
        stage=stage, amount=current, steps=steps, people=people,
        close_date=read.instant(close, "properties.closedate").date() if close else None,
    )  # fmt: skip


def _source(deal_type: str, analytics_source: str) -> str:
    if deal_type.casefold() == "existingbusiness":
        return "repeat"
    if analytics_source.upper() == "REFERRALS":
        return "referral"
    if analytics_source.upper() in INBOUND_SOURCES:
        return "inbound"
    return "other"
