"""A button's words as a label beside it, for words too long for the button itself."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QAbstractButton, QLabel


class ButtonLabel(QLabel):
    """A button's words, wrapping beside it where a button's own text would not (a checklist item
    beside its box, a kind of record beside its arrow): a click on the words works the button, as
    a checkbox's own text would. The words are plain text unless ``rich``; ``take_focus`` moves the
    keyboard focus to the button too."""

    def __init__(self, text: str, button: QAbstractButton, rich: bool = False, take_focus: bool = False) -> None:
        super().__init__(text)
        self.button = button
        self._take_focus = take_focus
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton:
            self.button.toggle()
            if self._take_focus:
                self.button.setFocus()
            event.accept()
