"""One place that keeps text from becoming a live formula in any sheet or CSV the wizard writes.

A pupil or staff name, an App Code or a field value starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return is read by Excel and LibreOffice as a formula (``=HYPERLINK(...)``,
``+1+cmd|' /C calc'!A0``). Such text gets a leading apostrophe (the form OWASP recommends), so
the original stays readable and nothing runs. Only text is changed: numbers and dates stay typed.
In workbooks the text is also written as an explicit string cell, so it is never a formula.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PREFIX = "'"


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run gets a leading apostrophe; anything else is returned as is."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return PREFIX + value
    return value


def row(values: Iterable[Any]) -> list[Any]:
    """A CSV row with each text value neutralised."""
    return [neutralise(v) for v in values]


def restore(value: str) -> str:
    """The text as it was before ``neutralise``: for reading back a workbook the wizard wrote."""
    if value.startswith(PREFIX) and value[1:].startswith((*TRIGGERS, "\n")):  # XML keeps \r as \n
        return value[1:]
    return value


def write_only_row(ws: Any, values: Iterable[Any]) -> list[Any]:
    """A row for a write-only sheet: text as explicit string cells, other values typed."""
    from openpyxl.cell import WriteOnlyCell

    out: list[Any] = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(ws, value=None)
            cell.value = neutralise(value)
            cell.data_type = "s"
            out.append(cell)
        else:
            out.append(value)
    return out


def set_cell(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """``ws.cell(row, column, value)`` that never makes a formula out of text."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = neutralise(value)
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


SHEET_NAME_LIMIT = 31
"""Excel refuses a sheet name longer than this."""

_SHEET_NAME_FORBIDDEN = "[]:*?/\\"


def sheet_name(name: str, taken: Iterable[str] = (), limit: int = SHEET_NAME_LIMIT) -> str:
    """A sheet name Excel accepts: forbidden characters made spaces, shortened at a word boundary
    (not mid-word) to Excel's 31 characters, and not the same (ignoring case, as Excel does) as any
    name in ``taken``: a clash gets " (2)", " (3)"... with the words shortened to make room."""
    for ch in _SHEET_NAME_FORBIDDEN:
        name = name.replace(ch, " ")
    name = " ".join(name.split()).strip("'") or "Sheet"
    used = {t.casefold() for t in taken}
    candidate = _shorten(name, limit)
    n = 2
    while candidate.casefold() in used:
        suffix = f" ({n})"
        candidate = _shorten(name, limit - len(suffix)) + suffix
        n += 1
    return candidate


def _shorten(name: str, limit: int) -> str:
    if len(name) <= limit:
        return name
    cut = name[:limit + 1]
    boundary = max(cut.rfind(" "), cut.rfind("_"), cut.rfind("-"))
    if boundary > 0:
        return name[:boundary].rstrip(" _-")
    return name[:limit]  # one long word: nothing better than cutting it
