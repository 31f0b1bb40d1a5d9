"""Bundle size: what an admin downloads and installs, measured from a real PyInstaller build.

    python benchmarks/bundle_size.py              # builds into a temp folder (about a minute)
    python benchmarks/bundle_size.py dist         # measures dist/mis-wizard and dist/*.msi

Three figures from one build:

- ``bundle_vs_budget``: the one-folder bundle on disk against a 200 MB budget. Target ≤ 1.
- ``qt_share``: Qt for Python inside the bundle against the installed PySide6 package it came
  from, which shows the unused Qt modules stayed out. Target ≤ 0.5.
- ``msi_vs_bundle``: the per-user MSI against the bundle it installs (its cabinet is compressed).
  Target ≤ 0.7. Skipped when wixl (or WiX on Windows) is not installed.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from figures import exit_code, figure

ROOT = Path(__file__).resolve().parent.parent
BUDGET_MB = 200
MB = 1024 * 1024


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build", ROOT / "packaging" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(dist: Path, build: ModuleType) -> int:
    bundle = dist / build.BUNDLE_NAME
    total = folder_bytes(bundle)
    files = sum(1 for p in bundle.rglob("*") if p.is_file())
    results = [figure("bundle_vs_budget", total / (BUDGET_MB * MB), "<=", 1, bundle_mb=round(total / MB, 1),
                      files=files, budget_mb=BUDGET_MB)]
    import PySide6

    installed = folder_bytes(Path(PySide6.__file__).parent)
    bundled = sum(folder_bytes(p) for p in bundle.rglob("PySide6") if p.is_dir())
    results.append(figure("qt_share", bundled / installed, "<=", 0.5, bundled_mb=round(bundled / MB, 1),
                          installed_mb=round(installed / MB, 1)))
    msis = sorted(dist.glob("*-per-user.msi"))
    if msis:
        size = msis[-1].stat().st_size
        results.append(figure("msi_vs_bundle", size / total, "<=", 0.7, msi_mb=round(size / MB, 1),
                              bundle_mb=round(total / MB, 1)))
    else:
        print("msi_vs_bundle: skipped (no per-user MSI built)", flush=True)
    return exit_code(results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("dist", nargs="?", type=Path, help="a folder holding mis-wizard/ (and the MSIs)")
    args = parser.parse_args(argv)
    build = _build_script()
    if args.dist is not None:
        return measure(args.dist, build)
    with tempfile.TemporaryDirectory(prefix="mis-wizard-bundle-") as scratch:
        dist, work = Path(scratch) / "dist", Path(scratch) / "build"
        bundle = build.freeze(dist, work / "pyinstaller")
        if sys.platform == "win32" or shutil.which("wixl"):
            build.build_msi(bundle, "perUser", dist / build.msi_name("perUser"), work / "wix")
        return measure(dist, build)


if __name__ == "__main__":
    sys.exit(main())
