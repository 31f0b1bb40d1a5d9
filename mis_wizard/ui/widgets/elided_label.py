"""A one-line label that shortens long text with "…" instead of widening the window.

School and integrator names can be very long; the full text stays in the tooltip and the
accessible name, so nothing is lost for screen readers.

The label paints itself (QLabel, in C++) and only the text it shows is shortened, whenever the
text or the width changes (the style sheet's font is in place before the window first lays it
out). The shortening measures the text rather than calling
QFontMetrics.elidedText, whose mode is one of Qt's namespace enums: building any of them builds
them all (about 25 ms), and these labels are in the window's first paint.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

ELLIPSIS = "…"


def elide_right(metrics: QFontMetrics, text: str, width: int) -> str:
    """The longest start of ``text`` that fits ``width`` pixels with "…" after it (all of it if it fits)."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    fits, misses = 0, len(text)
    while misses - fits > 1:
        middle = (fits + misses) // 2
        if metrics.horizontalAdvance(text[:middle] + ELLIPSIS) <= width:
            fits = middle
        else:
            misses = middle
    return text[:fits].rstrip() + ELLIPSIS


class ElidedLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        self._full = text
        self.setToolTip(text)
        self.setAccessibleName(text)
        self._fit()

    def full_text(self) -> str:
        return self._full

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(40, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        super().setText(elide_right(self.fontMetrics(), self._full, self.contentsRect().width()))
