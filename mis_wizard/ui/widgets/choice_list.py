"""A list of choices drawn as cards: a bold title and a muted line under it (systems, saved
setups). Painted by a delegate so long text wraps inside the card instead of being cut off.

QStyle is imported where a card is painted: its Python type carries a dozen large enums (about
9 ms to build), which a first start, with no saved setups to list, never needs before the
window is on screen."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListWidget,
    QListWidgetItem,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from mis_wizard.ui import theme

SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 1
VALUE_ROLE = Qt.ItemDataRole.UserRole
PAD_X, PAD_Y, GAP, MARGIN = 14, 10, 3, 4
AnyIndex = QModelIndex | QPersistentModelIndex


class _CardDelegate(QStyledItemDelegate):
    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont]:
        title = QFont(option.font)
        title.setBold(True)
        return title, QFont(option.font)

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:  # noqa: N802 - Qt override
        title_font, sub_font = self._fonts(option)
        width = max(200, option.rect.width() or 600) - 2 * PAD_X - 2 * MARGIN
        flags = int(Qt.TextFlag.TextWordWrap)
        title_h = QFontMetrics(title_font).boundingRect(QRect(0, 0, width, 10_000), flags,
                                                        str(index.data(Qt.ItemDataRole.DisplayRole))).height()
        subtitle = str(index.data(SUBTITLE_ROLE) or "")
        sub_h = QFontMetrics(sub_font).boundingRect(QRect(0, 0, width, 10_000), flags, subtitle).height() \
            if subtitle else 0
        return QSize(width, title_h + (GAP + sub_h if subtitle else 0) + 2 * PAD_Y + 2 * MARGIN)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        from PySide6.QtWidgets import QStyle

        rect = option.rect.adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        enabled = bool(option.state & QStyle.StateFlag.State_Enabled)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        painter.setBrush(QColor(theme.SELECTED) if selected
                         else QColor(theme.SURFACE) if enabled else QColor(theme.CANVAS))
        painter.setPen(QPen(QColor("#2b6cb0") if selected or focused else QColor("#dde2ea"),
                            2 if selected or focused else 1))
        painter.drawRoundedRect(rect, 8, 8)
        title_font, sub_font = self._fonts(option)
        inner = rect.adjusted(PAD_X, PAD_Y, -PAD_X, -PAD_Y)
        flags = int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        painter.setFont(title_font)
        painter.setPen(QColor(theme.TEXT if enabled else theme.MUTED))  # a choice that cannot be had still reads
        title = str(index.data(Qt.ItemDataRole.DisplayRole))
        used = painter.boundingRect(inner, flags, title)
        painter.drawText(inner, flags, title)
        subtitle = str(index.data(SUBTITLE_ROLE) or "")
        if subtitle:
            painter.setFont(sub_font)
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(inner.adjusted(0, used.height() + GAP, 0, 0), flags, subtitle)
        painter.restore()


class ChoiceList(QListWidget):
    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Choices")
        self.setAccessibleName(accessible_name)
        self.setItemDelegate(_CardDelegate(self))
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setUniformItemSizes(False)
        self.setSpacing(0)

    def add_choice(self, title: str, subtitle: str, value: Any, *, enabled: bool = True) -> QListWidgetItem:
        item = QListWidgetItem(title)
        item.setData(SUBTITLE_ROLE, subtitle)
        item.setData(VALUE_ROLE, value)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{title}. {subtitle}")
        item.setToolTip(subtitle)
        if not enabled:
            item.setFlags(Qt.ItemFlag.NoItemFlags)
        self.addItem(item)
        return item

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        """Enter activates the current choice and stops there, so the window does not also go on."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem() is not None:
            self.itemActivated.emit(self.currentItem())
            event.accept()
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        """Tabbing in chooses nothing: Qt's list would make its first row current on focus, and the
        current row is the choice (the system page would pick TASS for the admin). With no row
        current the list shows its focus ring; an arrow key then moves to a row and chooses it."""
        if self.currentItem() is None:
            QWidget.focusInEvent(self, event)
            self.viewport().update()
            return
        super().focusInEvent(event)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        """Wrapped text changes height with width, so item sizes are recomputed."""
        super().resizeEvent(event)
        self.scheduleDelayedItemsLayout()

    def content_height(self) -> int:
        return sum(self.sizeHintForRow(r) for r in range(self.count())) + 2 * self.frameWidth()
