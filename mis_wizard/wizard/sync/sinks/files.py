"""CSV folder and xlsx workbook sinks: complete temporary files first, then renames."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import httpx

from mis_wizard.wizard import atomic, spreadsheet_safe
from mis_wizard.wizard.sync.report import RunReport
from mis_wizard.wizard.sync.sinks.base import ID, FileSink, Output
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


class CsvSink(FileSink):
    """One CSV file per table in the folder ``path``."""

    scheme = "csv"

    async def write(self, output: Output, state: State, report: RunReport, http: httpx.AsyncClient) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        staged: list[tuple[Path, Path]] = []
        try:
            for name, rows in output.tables.items():
                tmp = self.path / f".{name}.csv.partial"
                columns = _ordered(output, name)
                with atomic.private_open(tmp, "w", newline="", encoding="utf-8") as fh:
                    writer = csv.writer(fh)
                    writer.writerow(spreadsheet_safe.row(columns))
                    writer.writerows(spreadsheet_safe.row(("" if r.get(c) is None else r.get(c)) for c in columns)
                                     for r in rows)
                staged.append((tmp, self.path / f"{name}.csv"))
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


class XlsxSink(FileSink):
    """One sheet per table, written with xlsxwriter in constant-memory mode (each row goes to the
    file as it is written): text as explicit string cells, neutralised (spreadsheet_safe), numbers
    and dates typed."""

    scheme = "xlsx"

    async def write(self, output: Output, state: State, report: RunReport, http: httpx.AsyncClient) -> None:
        atomic.write_with(self.path, lambda tmp: write_workbook(tmp, output))
        _commit(state, self.key, output)


def write_workbook(path: Path, output: Output) -> None:
    """The output's tables as one workbook at ``path``."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_urls": False, "remove_timezone": True})
    try:
        date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
        datetime_format = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        time_format = wb.add_format({"num_format": "hh:mm:ss"})
        taken: list[str] = []
        for name, rows in output.tables.items():
            title = spreadsheet_safe.sheet_name(name, taken)
            taken.append(title)
            ws = wb.add_worksheet(title)
            columns = _ordered(output, name)
            text, number, when = ws.write_string, ws.write_number, ws.write_datetime
            neutralise, triggers, iso = spreadsheet_safe.neutralise, spreadsheet_safe.TRIGGERS, _ISO_DATE.fullmatch
            for c, column in enumerate(columns):
                text(0, c, _line_feeds(neutralise(column)))
            for i, r in enumerate(rows, 1):
                for c, column in enumerate(columns):
                    value = r.get(column)
                    kind = type(value)
                    if kind is str:
                        # the systems send dates as ISO text; Excel should see a date
                        if len(value) == 10 and iso(value):  # type: ignore[arg-type]
                            try:
                                when(i, c, dt.date.fromisoformat(value), date_format)  # type: ignore[arg-type]
                                continue
                            except ValueError:
                                pass
                        if value.startswith(triggers):  # type: ignore[union-attr]
                            value = spreadsheet_safe.PREFIX + value  # type: ignore[operator]
                        if "\r" in value:  # type: ignore[operator]
                            value = _line_feeds(value)  # type: ignore[arg-type]
                        text(i, c, value)
                    elif value is None:
                        continue  # an empty cell, as openpyxl wrote ""
                    else:
                        typed = _cell_value(value)
                        if type(typed) is str:
                            text(i, c, _line_feeds(neutralise(typed)))  # type: ignore[arg-type]
                        elif isinstance(typed, dt.datetime):
                            when(i, c, typed, datetime_format)
                        elif isinstance(typed, dt.date):
                            when(i, c, typed, date_format)
                        elif isinstance(typed, dt.time):
                            when(i, c, typed, time_format)
                        elif typed != typed or typed in (float("inf"), float("-inf")):  # type: ignore[operator]
                            text(i, c, str(typed))  # Excel has no NaN or infinity
                        else:
                            number(i, c, typed)  # type: ignore[arg-type]
    finally:
        wb.close()


def _line_feeds(value: str) -> str:
    """Carriage returns as the line feeds an XML reader makes of them (xlsxwriter would write
    them as ``_x000D_``, which only Excel reads back)."""
    return value.replace("\r\n", "\n").replace("\r", "\n")
