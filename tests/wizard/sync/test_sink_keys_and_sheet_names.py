"""Sheet names cut at a word and kept unique; the SQLite store indexes the columns joins use;
the xlsx sync output keeps numbers and dates typed."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from openpyxl import load_workbook

from mis_wizard.vendors import registry
from mis_wizard.wizard.cli import main
from mis_wizard.wizard.spreadsheet_safe import SHEET_NAME_LIMIT, sheet_name


def sync(system: str, creds: Path, profile: Path, to: str) -> int:
    return main(["sync", system, "--credentials", str(creds), "--profile", str(profile), "--to", to])


def test_long_sheet_name_is_cut_at_a_word() -> None:
    name = sheet_name("student contact relationships with guardians")
    assert name == "student contact relationships"
    assert len(name) <= SHEET_NAME_LIMIT
    assert sheet_name("student_contact_relationships_with_guardians") == "student_contact_relationships"
    assert sheet_name("Keys: app/one [test]") == "Keys app one test"
    assert sheet_name("students") == "students"


def test_long_sheet_names_sharing_a_prefix_stay_unique() -> None:
    taken: list[str] = []
    for long in ("student contact relationships with guardians", "student contact relationships with carers",
                 "student contact relationships with agencies"):
        taken.append(sheet_name(long, taken))
    assert len({t.casefold() for t in taken}) == 3
    assert all(len(t) <= SHEET_NAME_LIMIT for t in taken)
    assert taken[0] == "student contact relationships"
    assert taken[1:] == ["student contact (2)", "student contact (3)"]
    assert sheet_name("Students", ["students"]) == "Students (2)"


def test_sqlite_store_indexes_key_columns_and_xlsx_keeps_types(medium_school, sandbox, plain_profile: Path,
                                                                tmp_path: Path, write_credentials, capsys) -> None:
    system = "tass"
    sandbox.add(registry.get(system).emulator(medium_school))
    creds = write_credentials(sandbox, system)
    store = tmp_path / "store.sqlite"
    for _ in range(2):  # the second run finds the indexes already there
        assert sync(system, creds, plain_profile, f"sqlite:{store}") == 0, capsys.readouterr().err
    conn = sqlite3.connect(store)
    tables = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'data_%'")]
    assert tables
    for table in tables:
        indexed = {conn.execute(f'PRAGMA index_info("{idx}")').fetchone()[2]
                   for (_, idx, *_rest) in conn.execute(f'PRAGMA index_list("{table}")')}
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
        assert "_id" in indexed, table
        refs = {c for c in columns if c.endswith((".id", "_id", "_ids"))}
        assert refs <= indexed, (table, refs - indexed)
    classes = {conn.execute(f'PRAGMA index_info("{idx}")').fetchone()[2]
               for (_, idx, *_rest) in conn.execute('PRAGMA index_list("data_class_memberships")')}
    assert {"class_membership.student_id", "class_membership.class_id"} <= classes
    conn.close()

    out = tmp_path / "out.xlsx"
    assert sync(system, creds, plain_profile, f"xlsx:{out}") == 0, capsys.readouterr().err
    wb = load_workbook(out, read_only=True)
    calendar = wb["calendar"]
    header = [c.value for c in next(calendar.iter_rows(max_row=1))]
    rows = list(calendar.iter_rows(min_row=2, values_only=True))
    dates = [r[header.index("calendar.date")] for r in rows]
    assert dates and all(isinstance(d, (dt.date, dt.datetime)) for d in dates), dates[:3]
    day = header.index("calendar.cycle_day")
    cycle = [r[day] for r in rows if r[day] not in ("", None)]
    assert cycle and all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in cycle), cycle[:3]
