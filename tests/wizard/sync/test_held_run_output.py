"""A held run (many removals awaiting confirmation) says that nothing was written, and why."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from mis_wizard.vendors import registry
from mis_wizard.wizard.cli import main

SYSTEM = "integris"


def test_held_run_says_nothing_was_written(sandbox, small_school, write_credentials, plain_profile: Path,
                                           tmp_path: Path, capsys) -> None:
    school = copy.deepcopy(small_school)
    sandbox.add(registry.get(SYSTEM).emulator(school))
    creds = write_credentials(sandbox, SYSTEM)
    out = tmp_path / "csv"
    base = ["sync", SYSTEM, "--credentials", str(creds), "--profile", str(plain_profile), "--to", f"csv:{out}",
            "--entities", "students"]
    assert main(base) == 0
    before = (out / "students.csv").read_bytes()
    smaller = copy.deepcopy(school)
    smaller.students = smaller.students[: len(smaller.students) // 2]
    sandbox.replace(registry.get(SYSTEM).emulator(smaller))
    capsys.readouterr()

    assert main(base) == 3
    captured = capsys.readouterr()
    assert "Nothing was written" in captured.out and "remove many records" in captured.out
    assert "--confirm-removals" in captured.err
    table_lines = [line for line in captured.out.splitlines() if line.strip().startswith("students")]
    assert table_lines and all(" 0 written" in line for line in table_lines)
    assert (out / "students.csv").read_bytes() == before

    assert main([*base, "--json"]) == 3
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "held" and all(t["written"] == 0 for t in report["tables"].values())
