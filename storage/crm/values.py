"""The values of a CRM export: instants, days, booleans and amounts, read as the exports
write them; a value that cannot be read is a `BadFile` naming where it is."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime

TRUE = frozenset({"true", "1"})
FALSE = frozenset({"false", "0"})


class BadFile(ValueError):
    """A file that cannot be imported, and where: nothing is written."""

    def __init__(self, file: str, problem: str, line: int | None = None, column: str = "") -> None:
        where = file
        if line is not None:
            where += f", line {line}"
        if column:
            where += f", column {column}"
        super().__init__(f"{where}: {problem}")
        self.file = file
        self.line = line
        self.column = column
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Where:
    """A value's place, for the error that names it."""

    file: str
    line: int | None = None  # the header is line 1
    column: str = ""

    def bad(self, problem: str) -> BadFile:
        return BadFile(self.file, problem, self.line, self.column)

    def text(self) -> str:
        return f"{self.file} line {self.line}" if self.line is not None else self.file


def instant(value: str, where: Where) -> datetime:
    """`2023-10-28T20:45:25.000Z`, `2023-10-28 20:45:25` or `2023-10-28` (also with an
    offset such as `+0000` or `+02:00`); UTC where no zone is given."""
    text = value.strip()
    try:
        if len(text) < 10 or text[4] != "-" or text[7] != "-":
            raise ValueError(text)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise where.bad(f"unreadable date {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def optional_instant(value: str | None, where: Where) -> datetime | None:
    return None if value is None or not value.strip() else instant(value, where)


def day(value: str | None, where: Where) -> date | None:
    """The calendar day of a date or date-time (as written, before any zone change)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    instant(text, where)  # readable?
    return date.fromisoformat(text[:10])


def flag(value: str | None, where: Where) -> bool | None:
    """`true`/`false` or `1`/`0` (any case); empty is unknown."""
    if value is None or not value.strip():
        return None
    text = value.strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise where.bad(f"unreadable boolean {value!r} (true/false or 1/0)")


def amount(value: str | None, where: Where) -> float | None:
    """A number (`48000`, `48000.50`); empty is none."""
    if value is None or not value.strip():
        return None
    try:
        number = float(value.strip())
    except ValueError:
        raise where.bad(f"unreadable number {value!r}") from None
    if not math.isfinite(number):
        raise where.bad(f"unreadable number {value!r}")
    return number
