"""One way to write a file so a crash never leaves half of it: temp file beside it, fsync, rename.

Everything written this way can hold personal data or secrets, so it is readable by the user
only (0o600 on POSIX; on Windows the file inherits the user's profile folder permissions).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

PRIVATE = 0o600


def write_bytes(path: Path, data: bytes) -> None:
    with replacing(path) as tmp:
        tmp.write_bytes(data)


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary path in the same folder; on success it replaces ``path`` in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(fd)
    tmp = Path(name)
    make_private(tmp)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_with(path: Path, writer: Callable[[Path], None]) -> None:
    with replacing(path) as tmp:
        writer(tmp)


def make_private(path: Path) -> None:
    """Readable and writable by the user only (a no-op where POSIX modes do not apply)."""
    if os.name == "posix":  # pragma: no branch - on Windows the profile folder sets who may read
        os.chmod(path, PRIVATE)


def private_open(path: Path, mode: str = "w", **kwargs: Any) -> IO[Any]:
    """``open(path, mode)`` for writing, the file created (or truncated) readable by the user only."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, PRIVATE)
    try:
        if os.name == "posix":  # pragma: no branch - on Windows the profile folder sets who may read
            os.fchmod(fd, PRIVATE)
        return open(fd, mode, **kwargs)
    except BaseException:
        os.close(fd)
        raise


def create_private(path: Path) -> None:
    """Make sure ``path`` exists (empty if new) and is readable by the user only, keeping its content."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0), PRIVATE)
    try:
        if os.name == "posix":  # pragma: no branch - on Windows the profile folder sets who may read
            os.fchmod(fd, PRIVATE)
    finally:
        os.close(fd)
