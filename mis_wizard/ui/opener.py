"""Showing a folder in the computer's file manager (Explorer, Finder, the desktop's own): the one
place the app asks the desktop to open something. Pages hold it as a plain function of a path, so
a test can put its own in and see which folder was asked for."""

from __future__ import annotations

from pathlib import Path


def open_folder(folder: Path) -> bool:
    """True when the desktop took the request."""
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))))
