"""Logging to a rotating file in the log dir, every line through the redaction filter."""

from __future__ import annotations

import logging
from pathlib import Path

from mis_wizard.wizard import paths
from mis_wizard.wizard.redact import RedactingFilter

LOG_NAME = "mis-wizard.log"
_configured: Path | None = None


def setup(level: int = logging.INFO) -> Path:
    """Idempotent per log dir; returns the log file path."""
    global _configured
    import logging.handlers  # only when logging is set up: it is a noticeable part of start-up

    path = paths.log_dir() / LOG_NAME
    if _configured == path:
        return path
    root = logging.getLogger("mis_wizard")
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
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
