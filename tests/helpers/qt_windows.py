"""The event loop's work between frames, and letting test windows go, for the GUI test folders."""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QWidget


def settle() -> None:
    """Let layouts, deferred deletes and queued signals finish, as the event loop does between frames."""
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        QCoreApplication.processEvents()


def let_go(windows: list[QWidget]) -> None:
    """Close the windows a test opened and delete them here, on the GUI thread: left to the garbage
    collector, they could be collected by whichever thread runs it next, such as the background
    loop's, where deleting a Qt object crashes."""
    for window in windows:
        window.close()
        window.deleteLater()
    settle()
    windows.clear()
    gc.collect()
