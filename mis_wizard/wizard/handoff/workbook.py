"""The credentials workbook: the spreadsheet integrators send schools to fill in, filled in.

A summary sheet laid out like the integrators' templates (one row per key set — for TASS one
row per API application: module, App Code, Token Key, version, Security Role, checked at and
result) and one sheet per key set saying where each value came from. Secrets are written only
when the caller explicitly asks (inside the bundle, or a standalone export after a warning);
otherwise the cell says where the secret is. A filled workbook imports into a new session, so
support staff can prepare one for a school.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from mis_wizard import APP_NAME, __version__
from mis_wizard.vendors import registry
from mis_wizard.vendors.base import CONNECTION, Field, KeySet
from mis_wizard.wizard import atomic, spreadsheet_safe
from mis_wizard.wizard.subject import Subject

SECRET_PLACEHOLDER = "(held in the encrypted bundle)"
META_SHEET = "About"
SUMMARY_SHEET = "Summary"
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


class WorkbookError(Exception):
    pass


def export(subject: Subject, out: Path, include_secrets: bool = False) -> Path:
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = SUMMARY_SHEET
    key_sets = subject.spec.key_sets(subject.requirements)
    results = _results_by_key(subject.checks)
    _summary(summary, subject, key_sets, results, include_secrets)
    connection = KeySet(CONNECTION, "Connection", subject.spec.fields)
    for ks in (connection, *key_sets):
        values = subject.credentials if ks.id == CONNECTION else subject.credentials.get(ks.id, {})
        sheet = wb.create_sheet(_sheet_name(ks.label, [*wb.sheetnames, META_SHEET]))
        _key_set_sheet(sheet, ks, values if isinstance(values, dict) else {}, include_secrets)
    _meta(wb.create_sheet(META_SHEET), subject, include_secrets)
    atomic.write_with(out, lambda tmp: wb.save(tmp))
    return out


def _summary(ws: Worksheet, subject: Subject, key_sets: tuple[KeySet, ...],
             results: dict[str, list[dict[str, Any]]], include_secrets: bool) -> None:
    _put(ws, 1, 1, f"{subject.spec.name} credentials for {subject.profile.integrator.name}")
    ws["A1"].font = Font(bold=True, size=14)
    _put(ws, 2, 1, f"School: {subject.school.get('name', '') or '(not given)'}")
    _put(ws, 3, 1, f"Prepared with {APP_NAME} {__version__} on {dt.date.today():%d %B %Y}. "
                + ("Contains secrets: store and send it securely." if include_secrets
                   else "Secrets are not in this workbook; they travel only in the encrypted bundle."))
    extra = _role_column(subject)
    field_ids = _summary_fields(key_sets)
    headers = ["Key set", *[label for _, label in field_ids], *([extra[0]] if extra else []),
               "Checked at", "Result"]
    _header_row(ws, 5, headers)
    row = 6
    checked_at = subject.checks.get("checked_at", "")
    for ks in key_sets:
        values = subject.credentials.get(ks.id, {}) if isinstance(subject.credentials.get(ks.id), dict) else {}
        by_id = {f.id: f for f in ks.fields}
        cells: list[Any] = [ks.label]
        for fid, _ in field_ids:
            f = by_id.get(fid)
            cells.append("" if f is None else _value(f, values.get(fid, ""), include_secrets))
        if extra:
            cells.append(extra[1])
        cells += [checked_at if ks.id in results else "", _result_text(results.get(ks.id, []))]
        for col, value in enumerate(cells, start=1):
            cell = _put(ws, row, col, value)
            cell.border = BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
    _finish(ws, len(headers), header_row=5)


def _summary_fields(key_sets: tuple[KeySet, ...]) -> list[tuple[str, str]]:
    """The union of the key sets' fields, in first-seen order, as summary columns."""
    seen: dict[str, str] = {}
    for ks in key_sets:
        for f in ks.fields:
            seen.setdefault(f.id, f.label)
    return list(seen.items())


def _role_column(subject: Subject) -> tuple[str, str] | None:
    """Systems whose keys hang off a role say which role the integrator expects (TASS's Security Role)."""
    role = subject.requirements.get("security_role")
    return ("Security Role", str(role)) if role else None


def _key_set_sheet(ws: Worksheet, ks: KeySet, values: dict[str, Any], include_secrets: bool) -> None:
    _put(ws, 1, 1, ks.label)
    ws["A1"].font = Font(bold=True, size=13)
    _put(ws, 2, 1, ks.purpose or ks.help)
    _header_row(ws, 4, ["Field", "Value", "Where it comes from", "Format", "Field id"])
    for row, f in enumerate(ks.fields, start=5):
        cells = [f.label, _value(f, values.get(f.id, ""), include_secrets), f.help, f.format_hint, f.id]
        for col, value in enumerate(cells, start=1):
            cell = _put(ws, row, col, value)
            cell.border = BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    _put(ws, 1, 7, ks.id)
    ws.column_dimensions["G"].hidden = True
    _finish(ws, 5, header_row=4)


def _meta(ws: Worksheet, subject: Subject, include_secrets: bool) -> None:
    rows = [("system", subject.spec.id), ("profile", subject.profile.ref),
            ("school", subject.school.get("name", "")), ("school_code", subject.school.get("code", "")),
            ("includes_secrets", "yes" if include_secrets else "no"), ("app_version", __version__)]
    _header_row(ws, 1, ["Property", "Value"])
    for i, (k, v) in enumerate(rows, start=2):
        _put(ws, i, 1, k)
        _put(ws, i, 2, v)
    _finish(ws, 2, header_row=1)


def _put(ws: Worksheet, row: int, column: int, value: Any) -> Any:
    """Every cell of the workbook goes through here, so no value becomes a live formula."""
    return spreadsheet_safe.set_cell(ws, row, column, value)


def _text(value: Any) -> str:
    return spreadsheet_safe.restore(str(value or ""))


def _value(f: Field, value: Any, include_secrets: bool) -> str:
    text = str(value or "")
    if f.secret and text and not include_secrets:
        return SECRET_PLACEHOLDER
    return text


def _results_by_key(checks: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in checks.get("results", []):
        out.setdefault(r.get("key", ""), []).append(r)
    return out


def _result_text(results: list[dict[str, Any]]) -> str:
    if not results:
        return "Not checked"
    failed = [r for r in results if r.get("status") == "failed"]
    warnings = [r for r in results if r.get("status") == "warning"]
    if failed:
        return "Failed: " + "; ".join(r.get("message", "") for r in failed)
    if warnings:
        return "Passed with warnings: " + "; ".join(r.get("message", "") for r in warnings)
    return "Passed"


def _header_row(ws: Worksheet, row: int, headers: list[str]) -> None:
    for col, text in enumerate(headers, start=1):
        cell = _put(ws, row, col, text)
        cell.fill, cell.font, cell.border = HEADER_FILL, HEADER_FONT, BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _finish(ws: Worksheet, columns: int, header_row: int) -> None:
    """Readable on screen and on paper: widths, frozen header, landscape, fit to one page wide."""
    for col in range(1, columns + 1):
        letter = get_column_letter(col)
        longest = max((len(str(c.value)) for c in ws[letter][header_row - 1:] if c.value), default=10)
        ws.column_dimensions[letter].width = min(max(12, longest + 2), 60)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"


def _sheet_name(label: str, taken: list[str]) -> str:
    return spreadsheet_safe.sheet_name(label, taken)


MAX_UNPACKED_BYTES = 32 * 1024 * 1024
"""A filled credentials workbook unpacks to well under 1 MB; far more is not one (or is a zip bomb)."""


def _refuse_oversized(path: Path) -> None:
    """Sizes from the zip's own directory, before openpyxl expands anything."""
    try:
        with zipfile.ZipFile(path) as z:
            unpacked = sum(info.file_size for info in z.infolist())
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise WorkbookError(f"{path} could not be read as an Excel workbook. Open it in Excel, save it as an "
                            "Excel Workbook (.xlsx) and import that file.") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise WorkbookError(f"{path} is far larger inside than a credentials workbook can be "
                            f"({unpacked // (1024 * 1024)} MB unpacked), so it was not opened. Export a new "
                            "template with the wizard and fill that one in.")


def read(path: Path) -> tuple[str, str, dict[str, str], dict[str, Any]]:
    """Read a filled workbook: (system, profile, school, credentials). Placeholders are left out."""
    _refuse_oversized(path)
    try:
        wb = load_workbook(path, read_only=False, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise WorkbookError(f"{path} could not be read as an Excel workbook. Open it in Excel, save it as an "
                            "Excel Workbook (.xlsx) and import that file.") from exc
    if META_SHEET not in wb.sheetnames:
        raise WorkbookError(f"{path} has no '{META_SHEET}' sheet; export a template with "
                            "`mis-wizard template export` and fill that one in.")
    meta = {_text(r[0].value): _text(r[1].value) for r in wb[META_SHEET].iter_rows(min_row=2) if r[0].value}
    system = meta.get("system", "")
    if system not in registry.SYSTEM_IDS:
        raise WorkbookError(f"The '{META_SHEET}' sheet names no known system (found {system!r}).")
    credentials: dict[str, Any] = {}
    for ws in wb.worksheets:
        key_set = ws["G1"].value
        if not key_set:
            continue
        key_set = _text(key_set)
        target = credentials if key_set == CONNECTION else credentials.setdefault(key_set, {})
        for row in ws.iter_rows(min_row=5):
            value, field_id = row[1].value, row[4].value
            if field_id and value not in (None, "", SECRET_PLACEHOLDER):
                target[_text(field_id)] = _text(value).strip()
    school = {"name": meta.get("school", ""), "code": meta.get("school_code", "")}
    return system, meta.get("profile", "demo") or "demo", school, credentials
