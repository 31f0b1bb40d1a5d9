"""`mis-wizard --self-test` from source: one line per check, 0 when whole, and a clear name for
whatever is missing. The frozen build runs the same checks in test_frozen.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from mis_wizard.ui.self_test import FAILED, OK, WARNING, run_self_test
from mis_wizard.vendors import registry
from mis_wizard.wizard import profile


def _run() -> tuple[int, list[str]]:
    lines: list[str] = []
    return run_self_test(lines.append), lines


def test_a_whole_installation_passes_with_one_line_per_check(qapp) -> None:
    code, lines = _run()
    assert code == 0, "\n".join(lines)
    checks = lines[:-1]
    expected = 1 + len(registry.SYSTEM_IDS) + len(profile.builtin_names()) + 7
    assert len(checks) == expected
    assert all(line.startswith(OK) for line in checks), "\n".join(lines)
    for sid in registry.SYSTEM_IDS:
        assert any(line.split()[1:3] == ["vendor", f"{sid}:"] for line in checks)
    assert any("main window: opened and closed on offscreen" in line for line in checks)
    assert any("OneRoster deflate: ISA-L deflate" in line for line in checks)
    assert lines[-1] == f"self-test passed: {expected} checks, 0 warnings"


def test_no_usable_keyring_is_a_warning_not_a_failure(qapp) -> None:
    keyring.set_keyring(fail.Keyring())
    code, lines = _run()
    assert code == 0
    (line,) = [line for line in lines if " keyring: " in line]
    assert line.startswith(WARNING) and "none usable" in line
    assert lines[-1].endswith("1 warnings")


def test_a_missing_resource_is_named_and_fails(qapp, monkeypatch: pytest.MonkeyPatch) -> None:
    names = profile.builtin_names()
    monkeypatch.setattr(profile, "builtin_names", lambda: [*names, "district-office"])
    code, lines = _run()
    assert code == 1
    (line,) = [line for line in lines if line.startswith(FAILED)]
    assert "profile district-office" in line and "no built-in profile named 'district-office'" in line
    assert lines[-1].startswith("self-test FAILED: 1 of") and lines[-1].endswith("profile district-office")


def test_a_bundle_without_isa_l_fails_naming_it(qapp, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a PyInstaller build that missed isal's compiled parts gave: the sink's import failed."""
    from mis_wizard.wizard.sync import sinks

    monkeypatch.delattr(sinks, "fast_deflate", raising=False)
    for name in [m for m in sys.modules if m.split(".")[0] == "isal"] + [f"{sinks.__name__}.fast_deflate"]:
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setitem(sys.modules, "isal", None)
    code, lines = _run()
    assert code == 1
    (line,) = [line for line in lines if line.startswith(FAILED)]
    assert "OneRoster deflate" in line and "isal" in line
    assert lines[-1].endswith("missing or broken: OneRoster deflate")


def test_the_command_line_runs_it(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MIS_WIZARD_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "mis_wizard", "--self-test"], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "from source" in done.stdout and done.stdout.splitlines()[-1].startswith("self-test passed")
