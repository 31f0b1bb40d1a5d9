"""Helpers that several pages use live in ui/ (theme, pages/base), not in a page: a widget never
imports a page, and opening a data step does not load the handoff's encryption or workbook code."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "mis_wizard" / "ui"
HEAVY = ("pyrage", "openpyxl")
"""The bundle's age encryption and the credentials workbook: only the finish page needs them."""


@pytest.mark.parametrize("step", ["mapping_step", "preview_step", "report_step"])
def test_a_data_step_loads_no_encryption_or_workbook_code(step: str) -> None:
    code = (f"import json, sys, mis_wizard.ui.pages.{step}\n"
            "print(json.dumps(sorted(sys.modules)))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.splitlines()[-1])
    assert f"mis_wizard.ui.pages.{step}" in loaded, "the step itself was imported"
    heavy = sorted(name for name in loaded if name.split(".")[0] in HEAVY)
    assert heavy == [], f"importing {step} loaded {heavy}"
    assert "mis_wizard.ui.pages.finish_page" not in loaded, f"{step} reaches into the finish page"


def _imported_modules(source: str, package: str) -> set[str]:
    """Every module ``source`` (a module of ``package``) imports, relative imports resolved."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def test_the_scan_sees_every_form_of_import() -> None:
    """The scan below would notice a page import written any of the ways Python allows."""
    forms = {
        "from mis_wizard.ui.pages.finish_page import restyle": "mis_wizard.ui.pages.finish_page",
        "import mis_wizard.ui.pages.base": "mis_wizard.ui.pages.base",
        "from mis_wizard.ui import pages": "mis_wizard.ui.pages",
        "from ..pages import base": "mis_wizard.ui.pages",
        "from ..pages.check_page import KeyGroup": "mis_wizard.ui.pages.check_page",
    }
    for line, module in forms.items():
        assert module in _imported_modules(f"def f() -> None:\n    {line}\n", "mis_wizard.ui.widgets"), line


def test_no_widget_imports_a_page() -> None:
    widgets = sorted((UI / "widgets").glob("*.py"))
    assert len(widgets) >= 5, "the widgets folder was found"
    offenders = {}
    for path in widgets:
        imported = _imported_modules(path.read_text(encoding="utf-8"), "mis_wizard.ui.widgets")
        offenders[path.name] = sorted(m for m in imported
                                      if m == "mis_wizard.ui.pages" or m.startswith("mis_wizard.ui.pages."))
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_shared_helpers_live_outside_the_pages() -> None:
    """restyle is styling (ui/theme.py); subject_of and saved_file serve every page (pages/base.py)."""
    from mis_wizard.ui import theme
    from mis_wizard.ui.pages import base, check_page, finish_page

    assert callable(theme.restyle) and callable(base.subject_of) and callable(base.saved_file)
    assert finish_page.restyle is theme.restyle, "the finish page uses the one restyle"
    for old in ("subject_of", "saved_file"):
        assert getattr(finish_page, old) is getattr(base, old), f"finish_page defines its own {old}"
    assert not hasattr(check_page, "restyle_label"), "check_page's copy of restyle is gone"
