"""CSV exports that are safe to open in a spreadsheet: every CSV the site writes goes through `writer` here.

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel and
LibreOffice (CSV/formula injection: `=HYPERLINK(...)`, DDE). Such cells get a leading apostrophe, which
the spreadsheet shows as text; numbers are written as they are. Decision 1200.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """`value` as a CSV cell a spreadsheet will not evaluate: text starting with a formula sign is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """`csv.writer` with every cell passed through `cell`."""

    def __init__(self, stream: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter:
    """`csv.DictWriter` with every cell passed through `cell`."""

    def __init__(self, stream: Any, fieldnames: list[str], **kwargs: Any) -> None:
        self._writer = csv.DictWriter(stream, fieldnames=fieldnames, **kwargs)

    def writeheader(self) -> Any:
        return self._writer.writeheader()

    def writerow(self, row: Mapping[str, Any]) -> Any:
        return self._writer.writerow({key: cell(value) for key, value in row.items()})


def writer(stream: Any, **kwargs: Any) -> SafeWriter:
    return SafeWriter(stream, **kwargs)


def dict_writer(stream: Any, fieldnames: list[str], **kwargs: Any) -> SafeDictWriter:
    return SafeDictWriter(stream, fieldnames, **kwargs)
