"""A sync loses nothing: faults mid-run, a killed process, large removals and real changes at the school."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mis_wizard.vendors import registry
from mis_wizard.vendors.sandbox.kit import Fault, FaultKind
from mis_wizard.wizard.cli import main
from mis_wizard.wizard.sync.state import State

SYSTEM = "integris"
"""Integris pages its records, so faults land mid-run."""


def sync(creds: Path, profile: Path, to: str, *extra: str) -> int:
    return main(["sync", SYSTEM, "--credentials", str(creds), "--profile", str(profile), "--to", to, *extra])


def report_of(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def served(sandbox, small_school, write_credentials):
    school = copy.deepcopy(small_school)
    sandbox.add(registry.get(SYSTEM).emulator(school))
    return sandbox, school, write_credentials(sandbox, SYSTEM)


def test_second_run_reports_exactly_the_changes(served, plain_profile: Path, tmp_path: Path, capsys) -> None:
    box, school, creds = served
    to = f"sqlite:{tmp_path / 's.sqlite'}"
    assert sync(creds, plain_profile, to, "--entities", "students", "--json") == 0
    first = report_of(capsys)["tables"]["students"]
    changed = copy.deepcopy(school)
    renamed = next(s for s in changed.students if s.status == "current")
    renamed.last_name = "Renamed-Family"
    gone = [s for s in changed.students if s.status == "current" and s is not renamed][-1]
    changed.students.remove(gone)
    box.replace(registry.get(SYSTEM).emulator(changed))
    assert sync(creds, plain_profile, to, "--entities", "students", "--json") == 0
    second = report_of(capsys)["tables"]["students"]
    assert (second["added"], second["changed"], second["removed"]) == (0, 1, 1)
    assert second["written"] == first["written"] - 1


def test_large_removal_is_held_until_confirmed(served, plain_profile: Path, tmp_path: Path, capsys) -> None:
    box, school, creds = served
    out = tmp_path / "csv"
    assert sync(creds, plain_profile, f"csv:{out}", "--entities", "students") == 0
    before = snapshot(out)
    smaller = copy.deepcopy(school)
    smaller.students = smaller.students[: len(smaller.students) // 2]
    box.replace(registry.get(SYSTEM).emulator(smaller))
    capsys.readouterr()
    assert sync(creds, plain_profile, f"csv:{out}", "--entities", "students") == 3
    assert "--confirm-removals" in capsys.readouterr().err
    assert snapshot(out) == before
    assert sync(creds, plain_profile, f"csv:{out}", "--entities", "students", "--confirm-removals", "--json") == 0
    assert report_of(capsys)["tables"]["students"]["removed"] > 0
    assert snapshot(out) != before


@pytest.mark.parametrize("kind", [FaultKind.DROP, FaultKind.RATE_LIMIT, FaultKind.SERVER_ERROR,
                                  FaultKind.TRUNCATE])
def test_transient_faults_mid_run_lose_nothing(served, plain_profile: Path, tmp_path: Path, kind: FaultKind,
                                               capsys) -> None:
    box, _, creds = served
    clean = f"sqlite:{tmp_path / 'clean.sqlite'}"
    assert sync(creds, plain_profile, clean, "--json") == 0
    expected = {k: v["written"] for k, v in report_of(capsys)["tables"].items()}
    box.inject(SYSTEM, Fault(kind, after=3, times=2, retry_after=0, status=503))
    assert sync(creds, plain_profile, f"sqlite:{tmp_path / 'faulty.sqlite'}", "--json") == 0
    got = {k: v["written"] for k, v in report_of(capsys)["tables"].items()}
    assert got == expected
    assert any(e.fault == kind.value for e in box.log)


def test_persistent_failure_keeps_the_last_good_output(served, plain_profile: Path, tmp_path: Path,
                                                       capsys) -> None:
    box, _, creds = served
    out = tmp_path / "csv"
    assert sync(creds, plain_profile, f"csv:{out}") == 0
    before = snapshot(out)
    box.inject(SYSTEM, Fault(FaultKind.SERVER_ERROR, after=2))
    capsys.readouterr()
    assert sync(creds, plain_profile, f"csv:{out}") == 1
    assert "Sync failed" in capsys.readouterr().err
    assert snapshot(out) == before
    box.clear_faults()
    assert sync(creds, plain_profile, f"csv:{out}", "--json") == 0
    assert all(t["added"] == t["changed"] == t["removed"] == 0 for t in report_of(capsys)["tables"].values())
    statuses = [r.status for r in State().runs()]
    assert statuses[:3] == ["ok", "failed", "ok"]


def test_killed_sync_leaves_outputs_intact_and_the_next_run_completes(served, plain_profile: Path,
                                                                      tmp_path: Path, app_home: Path) -> None:
    box, _, creds = served
    store = tmp_path / "store.sqlite"
    out = tmp_path / "csv"
    cmd = [sys.executable, "-m", "mis_wizard", "sync", SYSTEM, "--credentials", str(creds), "--profile",
           str(plain_profile)]
    env = {**os.environ, "MIS_WIZARD_HOME": str(app_home)}
    for to in (f"sqlite:{store}", f"csv:{out}"):
        subprocess.run([*cmd, "--to", to], env=env, check=True, capture_output=True, timeout=120)
    before = snapshot(out)
    box.inject(SYSTEM, Fault(FaultKind.LATENCY, latency_ms=400))
    for to in (f"sqlite:{store}", f"csv:{out}"):
        proc = subprocess.Popen([*cmd, "--to", to], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(2.0)
        assert proc.poll() is None, "the sync should still be reading when it is killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert snapshot(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    box.clear_faults()
    for to in (f"sqlite:{store}", f"csv:{out}"):
        result = subprocess.run([*cmd, "--to", to, "--json"], env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert all(t["added"] == t["changed"] == t["removed"] == 0 for t in report["tables"].values())


def test_schedule_prints_cron_line_and_refuses_a_bad_time(capsys) -> None:
    from mis_wizard.wizard.session import SessionStore

    session = SessionStore().new(system=SYSTEM)
    assert main(["schedule", "--session", session.id, "--daily", "02:30"]) == (0 if sys.platform == "win32" else 1)
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("30 2 * * * ") and f"--session {session.id}" in line
    assert main(["schedule", "--session", session.id, "--daily", "25:00"]) == 2
    assert "HH:MM" in capsys.readouterr().err


def test_unknown_sink_and_entity_are_usage_errors(served, plain_profile: Path, capsys) -> None:
    _, _, creds = served
    assert sync(creds, plain_profile, "ftp:somewhere") == 2
    assert "sqlite:PATH" in capsys.readouterr().err
    assert sync(creds, plain_profile, "xlsx:/tmp/x.csv") == 2
    capsys.readouterr()
    assert sync(creds, plain_profile, "csv:/tmp/x", "--entities", "lunch_orders") == 2
    assert "it has:" in capsys.readouterr().err
