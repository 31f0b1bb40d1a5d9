"""A dismissable notice across the top of a page, for things said once (storage, set-aside files).

Qt's namespace (``QtCore.Qt``) is reached when a banner is built, not when this module is
imported with the window: the first paint does not wait for its enums."""

from __future__ import annotations

from PySide6 import QtCore
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget


class Banner(QFrame):
    dismissed = Signal()

    def __init__(self, text: str, *, info: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("InfoBanner" if info else "Banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        close = QPushButton("Dismiss")
        close.setAccessibleName(f"Dismiss notice: {text[:60]}")
        close.setAutoDefault(True)
        close.clicked.connect(self._dismiss)
        layout.addWidget(close, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        self.setAccessibleName(text)

    def _dismiss(self) -> None:
        self.hide()
        self.dismissed.emit()
