"""One redaction mechanism for every place text leaves the process: logs, reports, details.

Every secret the process learns is registered here; masking replaces the longest first so a
secret that contains another is not half-revealed (the substring bug Airbyte notes). Token-
shaped strings (long base64 runs of letters and digits, hex runs, bearer tokens, GUID keys) are
masked even when unknown; a long word such as a method name is not token-shaped.
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "••••••"
_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None
_TOKEN_SHAPES = re.compile(
    r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"
    r"|\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?"
    r"|(?<![A-Za-z0-9+/])(?=[A-Za-z+/]*\d)(?=[0-9+/]*[A-Za-z])[A-Za-z0-9+/]{20,}={0,2}(?![A-Za-z0-9+/=])"
    r"|(?<![0-9a-fA-F])[0-9a-fA-F]{32,}(?![0-9a-fA-F])"
)


def register(secret: str | None) -> None:
    """Remember a secret value so it is masked wherever it later appears."""
    global _pattern
    if not secret or len(secret.strip()) < 4:
        return
    with _lock:
        values = {secret, secret.strip()}
        if values <= _secrets:
            return
        _secrets.update(values)
        ordered = sorted(_secrets, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(s) for s in ordered))


def forget_all() -> None:
    """For tests: start with no known secrets."""
    global _pattern
    with _lock:
        _secrets.clear()
        _pattern = None


def redact(text: str) -> str:
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    return _TOKEN_SHAPES.sub(lambda m: (m.group(1) or "") + MASK, text)


class RedactingFilter(logging.Filter):
    """Masks the fully formatted message, arguments included, before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = redact(message)
        record.args = None
        if record.exc_info:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.msg = f"{record.msg}\n{redact(formatted)}"
            record.exc_info = None
            record.exc_text = None
        return True
