"""Logging to a file of this process's own in the log dir, every line through the redaction filter.

Each process writes ``mis-wizard-<date>-<pid>.log``, and a file is never renamed while open: on
Windows a rename fails while another process holds the file, and the GUI and the scheduled sync
often run at once. A process that writes more than MAX_BYTES goes on in a new part
(``…-<pid>-2.log``). Old files are deleted by age and count when a process starts.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from mis_wizard.wizard import paths
from mis_wizard.wizard.redact import RedactingFilter

PREFIX = "mis-wizard"
MAX_BYTES = 1_000_000
KEEP_DAYS = 14
KEEP_FILES = 30
if TYPE_CHECKING:
    import datetime as dt  # the GUI's start has no other use for it

_configured: tuple[Path, logging.Handler] | None = None


def file_name(pid: int | None = None, part: int = 1, day: dt.date | None = None) -> str:
    stem = f"{PREFIX}-{day.isoformat() if day else time.strftime('%Y-%m-%d')}-{pid or os.getpid()}"
    return f"{stem}.log" if part == 1 else f"{stem}-{part}.log"


def log_files(folder: Path | None = None) -> list[Path]:
    """Every log file in the folder (the older single ``mis-wizard.log*`` too), oldest first."""
    folder = folder or paths.log_dir()
    found = []
    for p in folder.glob(f"{PREFIX}*.log*"):
        try:
            found.append((p.stat().st_mtime, p.name, p))
        except OSError:  # deleted by another process's pruning meanwhile
            continue
    return [p for _, _, p in sorted(found)]


class ProcessFile(logging.FileHandler):
    """This process's file; a new part when it reaches MAX_BYTES, nothing renamed.

    The standard library's RotatingFileHandler renames (and lives in logging.handlers, whose
    imports cost the GUI's start more than this whole class).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.part = 1
        super().__init__(folder / file_name(), encoding="utf-8", delay=True)

    def emit(self, record: logging.LogRecord) -> None:
        stream = self.stream
        try:
            if stream is not None and stream.tell() >= MAX_BYTES:
                stream.close()
                self.stream = None  # type: ignore[assignment]  # FileHandler.emit opens the new part
                self.part += 1
                self.baseFilename = os.path.abspath(self.folder / file_name(part=self.part))
        except OSError:
            self.handleError(record)
        super().emit(record)

    @property
    def path(self) -> Path:
        return Path(self.baseFilename)


def prune(folder: Path, keep: Path | None = None, now: float | None = None) -> list[Path]:
    """Delete files older than KEEP_DAYS, then the oldest beyond KEEP_FILES; returns what went.

    A file another process still has open cannot be deleted on Windows; it is left for next time.
    """
    cutoff = (now or time.time()) - KEEP_DAYS * 86_400
    files = [p for p in log_files(folder) if p != keep]
    doomed = []
    for i, p in enumerate(files):
        try:
            old = p.stat().st_mtime < cutoff
        except OSError:
            continue
        if old or i < len(files) - (KEEP_FILES - 1):
            doomed.append(p)
    gone = []
    for p in doomed:
        try:
            p.unlink()
            gone.append(p)
        except OSError:
            continue
    return gone


def setup(level: int = logging.INFO) -> Path:
    """Idempotent per log dir; returns this process's log file path."""
    global _configured
    folder = paths.log_dir()
    if _configured is not None and _configured[0] == folder:
        handler = _configured[1]
        return handler.path if isinstance(handler, ProcessFile) else folder
    root = logging.getLogger("mis_wizard")
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    handler = ProcessFile(folder)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).addFilter(RedactingFilter())
    _configured = (folder, handler)
    prune(folder, keep=handler.path)
    return handler.path


def tail(lines: int = 200) -> list[str]:
    """The last lines of the log files, newest file last, each file under a line naming it.

    Already redacted when written.
    """
    out: list[str] = []
    for path in reversed(log_files()):
        if len(out) >= lines:
            break
        try:
            text = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        out = [f"== {path.name} ==", *text, *out]
    return out[-lines:]
