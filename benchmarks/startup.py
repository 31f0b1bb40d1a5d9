"""Start-up: process start to the first page painted (offscreen), ``mis-wizard`` ÷ a bare
PySide6 QWizard with one page.

Each is started in fresh subprocesses (alternating, so drift in the machine's load hits both),
through first_paint.py, which hooks the first paint of the top-level window from outside the
app. The time is from just before the process is spawned to the moment its ``painted`` line
arrives. Figure ``startup``: median app ÷ median bare. Target ≤ 1.2.

An installed app starts from compiled bytecode (the frozen build carries it), so both are run
once untimed with bytecode written to a private cache (PYTHONPYCACHEPREFIX, even where
PYTHONDONTWRITEBYTECODE is set for development), and the timed runs read it from there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sizes
from figures import exit_code, figure, median

LAUNCHER = Path(__file__).with_name("first_paint.py")


def start_to_paint(which: str, bytecode: Path) -> float:
    """Seconds from spawning a fresh process to its first painted page."""
    with tempfile.TemporaryDirectory(prefix="mis-wizard-startup-") as home:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MIS_WIZARD_HOME": home,
               "PYTHONPYCACHEPREFIX": str(bytecode)}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, str(LAUNCHER), which], stdout=subprocess.PIPE, text=True,
                                 env=env)
        assert child.stdout is not None
        line = child.stdout.readline()
        elapsed = time.perf_counter() - started
        child.wait(timeout=30)
    if line.strip() != "painted":
        raise RuntimeError(f"{which} did not paint a page (exit {child.returncode})")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    args = sizes.parse(argv, __doc__, "two runs each, for the smoke test", runs=(7, 2))
    with tempfile.TemporaryDirectory(prefix="mis-wizard-bytecode-") as bytecode:
        for which in ("bare", "app"):  # compiled once and in the OS file cache, as an installed app is
            start_to_paint(which, Path(bytecode))
        app_s, bare_s = [], []
        for _ in range(args.runs):
            app_s.append(start_to_paint("app", Path(bytecode)))
            bare_s.append(start_to_paint("bare", Path(bytecode)))
    app, bare = median(app_s), median(bare_s)
    return exit_code([figure("startup", app / bare, "<=", 1.2, app_ms=app * 1000, bare_ms=bare * 1000,
                             runs=args.runs)])


if __name__ == "__main__":
    sys.exit(main())
