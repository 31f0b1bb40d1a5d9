"""The demo profile the GUI opens with is read as Python (wizard/demo_profile.py, written by
packaging/freeze_profile.py): it must say exactly what demo.toml says."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

from mis_wizard.resources import ROOT
from mis_wizard.wizard import demo_profile, profile

FREEZER = Path(__file__).resolve().parents[2] / "packaging" / "freeze_profile.py"


def freezer():
    spec = importlib.util.spec_from_file_location("freeze_profile", FREEZER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_frozen_demo_profile_is_the_toml_as_written_now():
    toml = tomllib.loads((ROOT / "profiles" / "demo.toml").read_text(encoding="utf-8"))
    assert demo_profile.data() == toml
    written = Path(demo_profile.__file__).read_text(encoding="utf-8")
    assert written == freezer().frozen(), "demo.toml changed: run python packaging/freeze_profile.py"


def test_each_load_gives_the_demo_profile_its_own_tables():
    first, second = profile.load_builtin(), profile.load_builtin()
    first.targets["students"]["label"] = "changed"
    assert second.targets["students"]["label"] == "Students"
    assert first.integrator == second.integrator


def test_the_frozen_profile_loads_as_the_toml_does():
    text = (ROOT / "profiles" / "demo.toml").read_text(encoding="utf-8")
    parsed = profile.parse(text, "demo", "built-in profile demo", ref="demo")
    frozen = profile.load_builtin("demo", check_mapping=True)
    assert frozen.raw == parsed.raw
    assert frozen.integrator == parsed.integrator and frozen.targets == parsed.targets
    assert list(frozen.target_schema) == list(parsed.target_schema)
