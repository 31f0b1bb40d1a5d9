"""Field codes: each source field with its distinct values, as CSV, for building match codes.

An admin mapping gender, year level or relationship needs the exact values their system
holds; this lists them with how often each occurs, so the value table can be filled in once.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable

from mis_wizard.wizard import spreadsheet_safe

from .canonical import Record, text

MAX_VALUES = 200
"""Per field; id-like fields with thousands of values are cut short with a note."""


def field_codes(records: Iterable[Record]) -> dict[str, Counter[str]]:
    codes: dict[str, Counter[str]] = {}
    for record in records:
        for name, value in record.items():
            codes.setdefault(name, Counter())[text(value)] += 1
    return dict(sorted(codes.items()))


def to_csv(codes: dict[str, Counter[str]], max_values: int = MAX_VALUES) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # so a value holding either is quoted
    writer.writerow(["field", "value", "count"])
    for name, values in codes.items():
        ordered = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
        for value, count in ordered[:max_values]:
            writer.writerow(spreadsheet_safe.row([name, value, count]))
        if len(ordered) > max_values:
            writer.writerow(spreadsheet_safe.row([name, f"({len(ordered) - max_values} more distinct values)", ""]))
    return out.getvalue()
