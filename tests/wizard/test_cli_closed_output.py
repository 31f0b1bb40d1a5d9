"""`mis-wizard … --json | head`: a reader that stops early ends the command quietly, exit 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize("argv", [["systems", "--json"], ["systems"], ["--help"]])
def test_a_reader_that_closes_early_ends_the_command_quietly(app_home: Path, argv: list[str]) -> None:
    env = {**os.environ, "MIS_WIZARD_HOME": str(app_home), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "mis_wizard", *argv], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.read(40)  # like `head -c 40`: read a little, then go away
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert first and err == ""
    logs = "".join(p.read_text(encoding="utf-8") for p in (app_home / "logs").glob("*.log"))
    assert "unexpected error" not in logs and "Traceback" not in logs


def test_the_whole_output_still_arrives_when_it_is_read(app_home: Path) -> None:
    env = {**os.environ, "MIS_WIZARD_HOME": str(app_home), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "mis_wizard", "systems", "--json"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.rstrip().endswith(("]", "}"))
