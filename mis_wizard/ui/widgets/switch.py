"""A checkbox drawn as an on/off switch, for the always-visible "Screen-share safe" setting."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QCheckBox, QWidget

TRACK_W, TRACK_H = 36, 20


class Switch(QCheckBox):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        text_w = self.fontMetrics().horizontalAdvance(self.text().replace("&", ""))
        return QSize(TRACK_W + 10 + text_w + 4, max(TRACK_H + 4, self.fontMetrics().height() + 6))

    def hitButton(self, pos: object) -> bool:  # noqa: N802 - Qt override
        return self.rect().contains(pos)  # type: ignore[arg-type]

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        top = (self.height() - TRACK_H) / 2
        track = QRectF(1, top, TRACK_W, TRACK_H)
        on = self.isChecked()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#2f855a") if on else QColor("#b8c1cf"))
        p.drawRoundedRect(track, TRACK_H / 2, TRACK_H / 2)
        knob = TRACK_H - 6
        x = track.right() - knob - 3 if on else track.left() + 3
        p.setBrush(QColor("#ffffff"))
        p.drawEllipse(QRectF(x, top + 3, knob, knob))
        if self.hasFocus():
            p.setPen(QColor("#2b6cb0"))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(track.adjusted(-1, -1, 1, 1), TRACK_H / 2 + 1, TRACK_H / 2 + 1)
        p.setPen(self.palette().color(self.foregroundRole()))
        text_rect = self.rect().adjusted(TRACK_W + 10, 0, 0, 0)
        flags = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextShowMnemonic
        p.drawText(text_rect, int(flags), self.text())
