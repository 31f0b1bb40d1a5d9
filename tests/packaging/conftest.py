"""Loads the build scripts in packaging/ (a folder of scripts, not a package: its name would
shadow the PyPI `packaging` library)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"


def load_script(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, PACKAGING / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def packaging_dir() -> Path:
    return PACKAGING


@pytest.fixture(scope="session")
def make_icon() -> ModuleType:
    return load_script("make_icon")


@pytest.fixture(scope="session")
def build_script() -> ModuleType:
    return load_script("build")


@pytest.fixture(scope="session")
def version_script() -> ModuleType:
    return load_script("version_info")
