"""The layers hold: ui → wizard → vendors, and only ui/ imports Qt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_wizard_and_vendors_import_without_qt() -> None:
    code = ("import sys; sys.modules['PySide6'] = None\n"
            "import importlib, pkgutil, mis_wizard.wizard as w, mis_wizard.vendors as v\n"
            "for pkg in (w, v):\n"
            "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
            "        importlib.import_module(m.name)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
