"""Logging to a rotating file in the log dir, every line through the redaction filter."""

from __future__ import annotations

import logging
from pathlib import Path

from mis_wizard.wizard import paths
from mis_wizard.wizard.redact import RedactingFilter

LOG_NAME = "mis-wizard.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
_configured: Path | None = None


class RotatingFile(logging.FileHandler):
    """``mis-wizard.log`` up to MAX_BYTES, then ``.1`` … ``.5`` behind it, oldest dropped.

    The standard library's RotatingFileHandler lives in logging.handlers, whose imports (sockets,
    pickle, queues for its network handlers) cost the GUI's start more than this whole class.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(path, encoding="utf-8")

    def emit(self, record: logging.LogRecord) -> None:
        stream = self.stream
        try:
            if stream is not None and stream.tell() >= MAX_BYTES:
                stream.close()
                self.stream = None  # type: ignore[assignment]  # FileHandler.emit opens it again
                self._rotate()
        except OSError:
            self.handleError(record)
        super().emit(record)

    def _rotate(self) -> None:
        base = Path(self.baseFilename)
        for n in range(BACKUPS - 1, 0, -1):
            older = base.with_name(f"{base.name}.{n}")
            if older.exists():
                older.replace(base.with_name(f"{base.name}.{n + 1}"))
        base.replace(base.with_name(f"{base.name}.1"))


def setup(level: int = logging.INFO) -> Path:
    """Idempotent per log dir; returns the log file path."""
    global _configured
    path = paths.log_dir() / LOG_NAME
    if _configured == path:
        return path
    root = logging.getLogger("mis_wizard")
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    handler = RotatingFile(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).addFilter(RedactingFilter())
    _configured = path
    return path


def tail(lines: int = 200) -> list[str]:
    """The last lines of the log, already redacted when written."""
    path = paths.log_dir() / LOG_NAME
    if not path.exists():
        return []
    return path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
