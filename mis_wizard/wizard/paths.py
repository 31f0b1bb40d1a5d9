"""Where the app keeps its files: the platformdirs user dirs, or MIS_WIZARD_HOME for tests and portable use."""

from __future__ import annotations

import os
from pathlib import Path

APP_DIR_NAME = "MIS Onboarding Wizard"


def _home() -> Path | None:
    value = os.environ.get("MIS_WIZARD_HOME", "").strip()
    return Path(value) if value else None


def _platformdirs():  # type: ignore[no-untyped-def]
    """Imported when first needed: it costs start-up time and MIS_WIZARD_HOME makes it unnecessary."""
    import platformdirs

    return platformdirs


def _made(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _user_dir(part: str, which: str) -> Path:
    """``part`` below MIS_WIZARD_HOME when it is set, else platformdirs' ``which`` for this app."""
    home = _home()
    return _made(home / part if home else Path(getattr(_platformdirs(), which)(APP_DIR_NAME, appauthor=False)))


def data_dir() -> Path:
    return _user_dir("data", "user_data_dir")


def sessions_dir() -> Path:
    return _made(data_dir() / "sessions")


def log_dir() -> Path:
    return _user_dir("logs", "user_log_dir")
