"""Feedback that a copy worked, on the button itself (a tooltip would cover what was copied
from, and cannot be read by a screen reader)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QAbstractButton, QToolButton

FLASH_MS = 1500


def flash_copied(button: QAbstractButton, what: str) -> None:
    original = button.text()
    if isinstance(button, QToolButton):
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setText("Copied")
    button.setAccessibleDescription(f"{what} copied to the clipboard")

    def restore() -> None:
        button.setText(original)
        if isinstance(button, QToolButton):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)

    QTimer.singleShot(FLASH_MS, button, restore)
