"""A medium school from every system into every sink, and a second run that finds nothing new."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook

from mis_wizard.vendors import registry
from mis_wizard.vendors.liss.receiver_protocol import ServerAuth
from mis_wizard.vendors.oneroster.csv_spec import validate_bulk_package
from mis_wizard.wizard.cli import main
from mis_wizard.wizard.liss_receiver import Receiver
from mis_wizard.wizard.sync.state import State

LISS_AUTH = ServerAuth("RIVERBEND", "td-sync", "receiver-secret-pw")


def sync(system: str, creds: Path, profile: Path, to: str, *extra: str) -> int:
    return main(["sync", system, "--credentials", str(creds), "--profile", str(profile), "--to", to, *extra])


@pytest.mark.parametrize("system", registry.SYSTEM_IDS)
def test_medium_school_into_every_sink(system: str, medium_school, sandbox, plain_profile: Path, tmp_path: Path,
                                       write_credentials, monkeypatch, capsys) -> None:
    sandbox.add(registry.get(system).emulator(medium_school))
    creds = write_credentials(sandbox, system)
    receiver = Receiver(tmp_path / "liss-in", LISS_AUTH).start()
    monkeypatch.setenv("MIS_WIZARD_LISS_PASSWORD", LISS_AUTH.password)
    try:
        sinks = {
            "sqlite": f"sqlite:{tmp_path / 'store.sqlite'}",
            "csv": f"csv:{tmp_path / 'csv'}",
            "xlsx": f"xlsx:{tmp_path / 'out.xlsx'}",
            "oneroster": f"oneroster:{tmp_path / 'oneroster.zip'}",
            "liss": f"liss:{receiver.url}?school={LISS_AUTH.school}&user={LISS_AUTH.username}",
        }
        for uri in sinks.values():
            assert sync(system, creds, plain_profile, uri) == 0, capsys.readouterr().err
        summary = receiver.summary().to_json()
    finally:
        receiver.close()

    conn = sqlite3.connect(tmp_path / "store.sqlite")
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "data_students" in tables or system == "liss" and "data_classes" in tables
    people = "data_students" if "data_students" in tables else "data_classes"
    stored = conn.execute(f"SELECT COUNT(*) FROM {people}").fetchone()[0]
    assert stored > 0
    csv_rows = list(csv.reader((tmp_path / "csv" / f"{people[5:]}.csv").open(encoding="utf-8")))
    assert len(csv_rows) - 1 == stored and csv_rows[0][0] == "_id"
    sheet = load_workbook(tmp_path / "out.xlsx", read_only=True)[people[5:]]
    assert sum(1 for _ in sheet.iter_rows()) - 1 == stored
    assert validate_bulk_package(tmp_path / "oneroster.zip") == []
    assert summary["basic"]["classes"] > 0 or summary["basic"]["calendar_days"] > 0

    capsys.readouterr()
    assert sync(system, creds, plain_profile, sinks["sqlite"], "--json") == 0
    again = json.loads(capsys.readouterr().out)
    assert again["status"] == "ok"
    assert all(t["added"] == t["changed"] == t["removed"] == 0 for t in again["tables"].values())
    runs = State(tmp_path / "store.sqlite").runs()
    assert len(runs) == 2 and runs[0].status == "ok"
