"""Each benchmark script runs alone in its tiny mode and prints figure lines of the right shape
(the numbers are the scripts' business; a FAIL still exits 1, which is allowed here)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))
from figures import LINE_PATTERN  # noqa: E402

FIGURES = {
    "startup.py": ["startup"],
    "checks.py": ["checks_wall", "checks_gui_stall"],
    "mapping.py": ["mapping_throughput"],
    "preview.py": ["preview", "preview_longest_wait"],
    "sync.py": ["sync_vs_bound", "sync_vs_pypowerschool"],
    "memory.py": ["memory_growth"],
    "sinks.py": ["xlsx_vs_xlsxwriter", "oneroster_vs_csv"],
}


@pytest.mark.parametrize("script", sorted(FIGURES))
def test_script_prints_one_line_per_figure(script: str, tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MIS_WIZARD_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), "--quick"], capture_output=True, text=True,
                          env=env, timeout=110)
    assert done.returncode in (0, 1), done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(":", 1)[0] for line in lines] == FIGURES[script]
    for line in lines:
        assert re.match(LINE_PATTERN, line), line
