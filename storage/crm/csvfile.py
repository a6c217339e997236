"""A CSV file of a Data Loader export: UTF-8 (a byte order mark is allowed), quoted fields
that may hold commas and line breaks, a header line whose names match case-insensitively.
Rows come with the number of the line they start on (the header is line 1). The file is
read in bytes, line by line, so a byte that is not UTF-8 is reported on its own line."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from storage.crm.values import BadFile, Where

csv.field_size_limit(64 * 1024 * 1024)  # long text fields (descriptions) are read whole

Progress = Callable[[int], Any]  # bytes read since the last call


def find_files(directory: Path) -> dict[str, Path]:
    """The directory's files by lower-case name; two names differing only in case are
    ambiguous."""
    found: dict[str, Path] = {}
    for path in sorted(directory.iterdir()):
        if not path.is_file():
            continue
        key = path.name.lower()
        if key in found:
            msg = f"both {found[key].name} and {path.name}: which one to read is ambiguous"
            raise BadFile(str(directory), msg)
        found[key] = path
    return found


class Table:
    """One CSV file, its header read: `column(name)` gives a column's position."""

    def __init__(
        self,
        path: Path,
        required: Sequence[str] = (),
        one_of: Sequence[Sequence[str]] = (),
        progress: Progress | None = None,
    ) -> None:
        self.path = path
        self.name = path.name
        self.progress = progress
        self._handle = path.open("rb")
        self._read = 0  # physical lines read
        self._reader = csv.reader(self._lines())
        self._line = 1  # where the next row starts
        try:
            header = next(self._reader, None)
        except csv.Error as error:
            self.close()
            raise self._bad(error) from None
        except BadFile:
            self.close()
            raise
        if not header or not any(cell.strip() for cell in header):
            self.close()
            raise BadFile(self.name, "no header line", 1)
        self._line = self._reader.line_num + 1
        self.columns: dict[str, int] = {}
        for position, cell in enumerate(header):
            self.columns.setdefault(cell.strip().lower(), position)
        for name in required:
            if not self.has(name):
                self.close()
                raise BadFile(self.name, "missing required column", 1, name)
        for names in one_of:
            if not any(self.has(name) for name in names):
                self.close()
                wanted = " or ".join(names)
                raise BadFile(self.name, f"missing required column ({wanted})", 1, names[0])

    def has(self, name: str) -> bool:
        return name.lower() in self.columns

    def column(self, name: str) -> int | None:
        return self.columns.get(name.lower())

    def where(self, line: int, column: str = "") -> Where:
        return Where(self.name, line, column)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line the row starts on, its cells) for every row with any content; the file
        is closed at the end."""
        try:
            while True:
                start = self._line
                try:
                    row = next(self._reader, None)
                except csv.Error as error:
                    raise self._bad(error) from None
                if row is None:
                    return
                self._line = self._reader.line_num + 1
                if any(row):
                    yield start, row
        finally:
            self.close()

    def close(self) -> None:
        self._handle.close()

    def _lines(self) -> Iterator[str]:
        for raw in self._handle:
            self._read += 1
            if self.progress is not None:
                self.progress(len(raw))
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise BadFile(self.name, "not UTF-8 text", self._read) from None
            yield line.removeprefix("\ufeff") if self._read == 1 else line

    def _bad(self, error: Exception) -> BadFile:
        return BadFile(self.name, f"not readable as CSV ({error})", self._line)


def cell(row: list[str], position: int | None) -> str:
    """A row's value in a column (empty when the column is absent or the row short)."""
    if position is None or position >= len(row):
        return ""
    return row[position].strip()
