"""Sync tests run the real CLI against emulators over loopback, with a profile that maps nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

PLAIN_PROFILE = """
[integrator]
name = "Plain Sync Test"
support_email = "support@plain.example"
[handoff]
removal_threshold = 0.10
"""


@pytest.fixture
def plain_profile(tmp_path: Path) -> Path:
    path = tmp_path / "plain.toml"
    path.write_text(PLAIN_PROFILE, encoding="utf-8")
    return path


@pytest.fixture
def write_credentials(tmp_path: Path):
    """Write a system's working sandbox credentials to a file, as `--credentials` reads them."""

    def write(box, system: str) -> Path:
        path = tmp_path / f"{system}-creds.json"
        path.write_text(json.dumps(box.describe()["systems"][system]["credentials"]), encoding="utf-8")
        return path

    return write
