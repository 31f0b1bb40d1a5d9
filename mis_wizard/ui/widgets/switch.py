"""A checkbox shown as an on/off switch, for the always-visible "Screen-share safe" setting.

app.qss draws it (``QCheckBox[switch="true"]``: a track and a knob, with a focus ring), so Qt
paints it in C++ with the label's shortcut underlined as on any check box. A switch painted in
Python would need Qt's pen, brush and text-flag enums, and building any of Qt's namespace enums
builds them all (about 25 ms before the window is first on screen). The pointing-hand cursor is
set when the pointer first comes over it, for the same reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtWidgets import QCheckBox, QWidget

if TYPE_CHECKING:  # its Python type is built when the pointer first comes over the switch
    from PySide6.QtGui import QEnterEvent


class Switch(QCheckBox):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setProperty("switch", True)
        self._pointer_set = False

    def enterEvent(self, event: QEnterEvent) -> None:  # noqa: N802 - Qt override
        if not self._pointer_set:
            self.setCursor(QtCore.Qt.CursorShape.PointingHandCursor)
            self._pointer_set = True
        super().enterEvent(event)
