"""Writes mis_wizard/wizard/demo_profile.py from resources/profiles/demo.toml, so the two never
drift apart (tests/wizard/test_demo_profile_frozen.py fails when they do).

The GUI opens with the demo profile: read as Python, it costs the start neither tomllib nor the
datetime module tomllib imports. Run it after changing demo.toml:

    python packaging/freeze_profile.py
"""

from __future__ import annotations

import pprint
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "mis_wizard" / "resources" / "profiles" / "demo.toml"
TARGET = ROOT / "mis_wizard" / "wizard" / "demo_profile.py"

HEADER = '''"""The built-in demo profile (resources/profiles/demo.toml) as Python: written by
packaging/freeze_profile.py, never edited by hand."""

import copy
from typing import Any


def data() -> dict[str, Any]:
    """demo.toml as tomllib reads it, new objects on every call."""
    return copy.deepcopy(DATA)


DATA: dict[str, Any] = '''


def frozen() -> str:
    """The module's text for the TOML as it is now."""
    data = tomllib.loads(SOURCE.read_text(encoding="utf-8"))
    body = pprint.pformat(data, indent=1, width=93, sort_dicts=False)
    return HEADER + body.replace("\n", "\n" + " " * 23) + "\n"


def main() -> int:
    TARGET.write_text(frozen(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
