"""Shared fixtures: an isolated app home, an in-memory keyring, the sandbox over loopback."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Helpers that several test files share (importlib mode keeps test files from importing each other).
sys.path.insert(0, str(Path(__file__).parent / "helpers"))

ANCHOR = dt.date(2026, 11, 22)
"""The synthetic school's anchor day in tests, so every run sees the same school."""


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A real keyring backend that keeps passwords in a dict (the OS store is absent on CI)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture(autouse=True)
def app_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("MIS_WIZARD_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def small_school():
    from mis_wizard.vendors.sandbox import school

    return school.generate(seed=7, size="small", anchor=ANCHOR)


@pytest.fixture(scope="session")
def medium_school():
    from mis_wizard.vendors.sandbox import school

    return school.generate(seed=7, size="medium", anchor=ANCHOR)


@pytest.fixture
def sandbox(small_school) -> Iterator[object]:
    """An empty sandbox; add emulators with ``sandbox.add(...)``."""
    from mis_wizard.vendors.sandbox.kit import Sandbox

    with Sandbox() as box:
        yield box


@pytest.fixture
def http():
    """The app's real HTTP client (retries shortened so fault tests stay quick)."""
    from mis_wizard.wizard.http import build_client

    return build_client(backoff=0.01)
