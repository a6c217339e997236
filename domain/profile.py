"""A deal's details as they stand: what it was opened with, changed by DetailsChanged
(the latest value wins), its amount as the latest of the opening, a verbal commitment, the
close or a change of details, and how many times its expected close was pushed later."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.lifecycle import as_date
from domain.names import name_key
from domain.records import CLOSED_WON, DETAILS_CHANGED, OPENED, VERBAL_COMMITMENT, EventRecord

# The details a DetailsChanged may change, in the order the docs list them.
CHANGEABLE = (
    "title",
    "amount",
    "currency",
    "owner",
    "expected_close",
    "buying_departments",
    "referrer_account",
)
OPENING_DETAILS = (
    "title",
    "account",
    "owner",
    "amount",
    "currency",
    "source",
    "referred_by",
    "referrer_account",
    "buying_departments",
    "external_id",
    "expected_close",
)


class Profile:
    """The details of one deal, one event at a time."""

    __slots__ = ("close_date_pushes", "details")

    def __init__(self) -> None:
        self.details: dict[str, Any] = {}
        self.close_date_pushes = 0

    def __getitem__(self, name: str) -> Any:
        return self.details.get(name)

    def add(self, record: EventRecord) -> None:
        kind, data = record.type, record.data
        if kind == OPENED:
            self.details = {name: data.get(name) for name in OPENING_DETAILS}
            self.details["buying_departments"] = list(data.get("buying_departments") or [])
            self.details["expected_close"] = as_date(data.get("expected_close"))
        elif kind == DETAILS_CHANGED:
            for name in CHANGEABLE:
                value = data.get(name)
                if value is None:
                    continue
                if name == "expected_close":
                    value = as_date(value)
                    if value is not None and self.is_push(value):
                        self.close_date_pushes += 1
                self.details[name] = value
        elif kind in (VERBAL_COMMITMENT, CLOSED_WON) and data.get("amount") is not None:
            self.details["amount"] = data["amount"]

    def is_push(self, expected_close: date) -> bool:
        """Whether moving the expected close to this date moves it later."""
        current = self.details.get("expected_close")
        return current is not None and expected_close > current

    def unchanged(self, name: str, value: Any) -> bool:
        """Whether a DetailsChanged of `name` to `value` would change nothing."""
        current = self.details.get(name)
        if name == "buying_departments":
            return [name_key(v) for v in value] == [name_key(v) for v in current or []]
        return bool(current == value)
