"""CSV folder and xlsx workbook sinks: complete temporary files first, then renames."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import httpx
from openpyxl import Workbook

from mis_wizard.wizard import atomic, spreadsheet_safe
from mis_wizard.wizard.sync.report import RunReport
from mis_wizard.wizard.sync.sinks.base import ID, Output, Sink
from mis_wizard.wizard.sync.state import State


def _ordered(output: Output, name: str) -> list[str]:
    return [ID, *[c for c in output.columns[name] if c != ID]]


def _commit(state: State, key: str, output: Output) -> None:
    state.conn.execute("BEGIN IMMEDIATE")
    try:
        state.replace_hashes(key, output.hashes())
        state.conn.execute("COMMIT")
    except BaseException:
        state.conn.execute("ROLLBACK")
        raise


class CsvSink(Sink):
    scheme = "csv"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def key(self) -> str:
        return f"csv:{self.folder.resolve()}"

    async def write(self, output: Output, state: State, report: RunReport, http: httpx.AsyncClient) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        staged: list[tuple[Path, Path]] = []
        try:
            for name, rows in output.tables.items():
                tmp = self.folder / f".{name}.csv.partial"
                columns = _ordered(output, name)
                with atomic.private_open(tmp, "w", newline="", encoding="utf-8") as fh:
                    writer = csv.writer(fh)
                    writer.writerow(spreadsheet_safe.row(columns))
                    writer.writerows(spreadsheet_safe.row(("" if r.get(c) is None else r.get(c)) for c in columns)
                                     for r in rows)
                staged.append((tmp, self.folder / f"{name}.csv"))
            for tmp, final in staged:
                tmp.replace(final)
        finally:
            for tmp, _ in staged:
                tmp.unlink(missing_ok=True)
        _commit(state, self.key, output)


def _cell_value(value: object) -> object:
    """Numbers and dates stay typed; anything else is written as text."""
    if value is None:
        return ""
    if isinstance(value, (int, float, dt.date, dt.datetime, dt.time)) and not isinstance(value, bool):
        return value
    text = str(value)
    if _ISO_DATE.fullmatch(text):  # the systems send dates as ISO text; Excel should see a date
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    return text


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class XlsxSink(Sink):
    scheme = "xlsx"

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def key(self) -> str:
        return f"xlsx:{self.path.resolve()}"

    async def write(self, output: Output, state: State, report: RunReport, http: httpx.AsyncClient) -> None:
        wb = Workbook(write_only=True)
        for name, rows in output.tables.items():
            ws = wb.create_sheet(spreadsheet_safe.sheet_name(name, wb.sheetnames))
            columns = _ordered(output, name)
            ws.append(spreadsheet_safe.write_only_row(ws, columns))
            for r in rows:
                ws.append(spreadsheet_safe.write_only_row(ws, (_cell_value(r.get(c)) for c in columns)))
        atomic.write_with(self.path, lambda tmp: wb.save(tmp))
        _commit(state, self.key, output)
