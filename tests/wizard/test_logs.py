"""The log file rotates by size and keeps five older files, newest lines always in the live file."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from mis_wizard.wizard import logs


def test_log_rotates_and_keeps_five_backups(app_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "MAX_BYTES", 2_000)
    path = logs.setup()
    log = logging.getLogger("mis_wizard.test")
    for i in range(400):
        log.info("line %d %s", i, "word " * 8)
    names = sorted(p.name for p in path.parent.iterdir() if p.name.startswith(logs.LOG_NAME))
    assert names == [logs.LOG_NAME] + [f"{logs.LOG_NAME}.{n}" for n in range(1, 6)]
    assert all(p.stat().st_size <= 2_000 + 200 for p in path.parent.iterdir())
    assert any(line.endswith(": line 399 " + "word " * 8) for line in logs.tail(5))
    backup = path.with_name(f"{logs.LOG_NAME}.1").read_text(encoding="utf-8")
    assert "line 399 " not in backup and "line 380 " in backup + path.read_text(encoding="utf-8")
