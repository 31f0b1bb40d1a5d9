"""Files written through wizard.atomic: replaced whole or not at all, and readable by the user only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mis_wizard.wizard import atomic

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_failed_write_leaves_the_old_file_and_no_partial_one(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "report.json"
    atomic.write_bytes(target, b"first")

    def half_then_crash(tmp: Path) -> None:
        tmp.write_bytes(b"half of the sec")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic.write_with(target, half_then_crash)
    assert target.read_bytes() == b"first"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.json"], "no .partial left behind"
    atomic.write_with(target, lambda tmp: tmp.write_text("second", encoding="utf-8"))
    assert target.read_text(encoding="utf-8") == "second"


@posix_only
def test_what_is_written_is_the_users_alone(tmp_path: Path) -> None:
    os.umask(0o022)
    target = tmp_path / "made.bin"
    atomic.write_bytes(target, b"x")
    assert mode(target) == 0o600
    opened = tmp_path / "log.txt"
    opened.write_text("old contents", encoding="utf-8")
    opened.chmod(0o644)
    with atomic.private_open(opened, "w", encoding="utf-8") as fh:
        fh.write("new")
    assert opened.read_text(encoding="utf-8") == "new", "truncated, then written"
    assert mode(opened) == 0o600
    kept = tmp_path / "sub" / "history.db"
    atomic.create_private(kept)
    assert kept.read_bytes() == b"" and mode(kept) == 0o600
    kept.write_bytes(b"rows")
    kept.chmod(0o644)
    atomic.create_private(kept)
    assert kept.read_bytes() == b"rows" and mode(kept) == 0o600, "an existing file keeps its content"


def test_a_bad_mode_closes_the_file_it_opened(tmp_path: Path) -> None:
    """open() refusing the mode must not leak the descriptor made for it."""
    before = len(os.listdir("/proc/self/fd")) if Path("/proc/self/fd").is_dir() else None
    with pytest.raises(ValueError):
        atomic.private_open(tmp_path / "x.txt", "wz")
    assert (tmp_path / "x.txt").exists()
    if before is not None:
        assert len(os.listdir("/proc/self/fd")) == before
