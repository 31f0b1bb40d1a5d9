"""The credentials workbook: laid out like integrators' templates, secrets only when asked, and it imports."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook

from mis_wizard.wizard.cli import main
from mis_wizard.wizard.handoff import workbook
from mis_wizard.wizard.secret_store import SecretStore
from mis_wizard.wizard.session import SessionStore

SECRET = "liss-Pa55word-for-sync!"
CREDS = {"base_url": "https://liss.integrator.example/liss", "school_code": "RIVERBEND",
         "username": "td-sync", "password": SECRET}


def write_creds(tmp_path: Path) -> Path:
    path = tmp_path / "creds.json"
    path.write_text(json.dumps(CREDS), encoding="utf-8")
    return path


def all_cells(path: Path) -> list[str]:
    wb = load_workbook(path)
    return [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def test_export_without_secrets_says_where_they_are(tmp_path: Path) -> None:
    out = tmp_path / "creds.xlsx"
    assert main(["template", "export", "liss", "--credentials", str(write_creds(tmp_path)), "--out", str(out)]) == 0
    cells = all_cells(out)
    assert SECRET not in " ".join(cells)
    assert workbook.SECRET_PLACEHOLDER in cells
    assert "td-sync" in cells
    wb = load_workbook(out)
    assert wb.sheetnames[0] == workbook.SUMMARY_SHEET
    assert wb[workbook.SUMMARY_SHEET].page_setup.orientation == "landscape"


def test_export_with_secrets_warns(tmp_path: Path, capsys) -> None:
    out = tmp_path / "creds.xlsx"
    assert main(["template", "export", "liss", "--credentials", str(write_creds(tmp_path)), "--out", str(out),
                 "--include-secrets"]) == 0
    assert "plain text" in capsys.readouterr().err
    assert SECRET in all_cells(out)


def test_filled_workbook_imports_into_a_new_session(tmp_path: Path, memory_keyring, capsys) -> None:
    out = tmp_path / "creds.xlsx"
    main(["template", "export", "liss", "--credentials", str(write_creds(tmp_path)), "--out", str(out),
          "--include-secrets"])
    capsys.readouterr()
    assert main(["template", "import", str(out)]) == 0
    session_id = capsys.readouterr().out.split()[2].rstrip(":")
    session = SessionStore().load(session_id)
    assert session.system == "liss"
    assert session.resolved_credentials(SecretStore()) == CREDS
    assert SECRET not in SessionStore().path(session_id).read_text()


def test_import_of_a_foreign_spreadsheet_is_refused(tmp_path: Path, capsys) -> None:
    from openpyxl import Workbook

    path = tmp_path / "other.xlsx"
    Workbook().save(path)
    assert main(["template", "import", str(path)]) == 2
    assert "template export" in capsys.readouterr().err
    not_xlsx = tmp_path / "note.xlsx"
    not_xlsx.write_text("hello")
    assert main(["template", "import", str(not_xlsx)]) == 2
