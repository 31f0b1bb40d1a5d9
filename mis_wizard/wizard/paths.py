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


def data_dir() -> Path:
    home = _home()
    path = home / "data" if home else Path(_platformdirs().user_data_dir(APP_DIR_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def sessions_dir() -> Path:
    path = data_dir() / "sessions"
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    home = _home()
    path = home / "logs" if home else Path(_platformdirs().user_log_dir(APP_DIR_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path
