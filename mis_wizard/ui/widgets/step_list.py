"""The steps down the side of the window: one row per page, a status icon, greyed out while the
page cannot be opened yet. A step that needs an earlier one first shows what it needs below its
title, smaller and muted ("Needs: check the keys first"), set by the window with ``set_needs``.

A list view over a QStandardItemModel rather than a QListWidget: a QStandardItem is enabled,
made selectable and given its screen-reader text with plain calls, where a QListWidgetItem needs
Qt's item flags and roles, and building any of Qt's namespace enums in Python builds them all
(about 25 ms of start-up, before the window is on screen). The "Needs" line is drawn with them,
but only once some step needs another: never for the first window (no setup open yet). The
delegate that draws it is set then too, so the first window's rows are painted in C++ alone
(a row painted through Python hands it Qt's style option and painter types, and QStyle's Python
type alone is about 9 ms of enums).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QListView, QStyledItemDelegate, QWidget

if TYPE_CHECKING:
    from PySide6.QtGui import QFont, QPainter
    from PySide6.QtWidgets import QStyleOptionViewItem

NEEDS_ROLE = 0x0100 + 7
"""Qt.ItemDataRole.UserRole + 7, as a number: the step's "Needs: …" line."""
NEEDS_POINT_SIZE = 8.5
NEEDS_COLOUR = "#5b6578"
"""The muted text colour of app.qss (4.5:1 and more on the side list's background)."""
TOP = 8
"""Space above the title of a row that has a "Needs" line."""

AnyIndex = QModelIndex | QPersistentModelIndex


def _needs_font(base: QFont) -> QFont:
    from PySide6.QtGui import QFont

    font = QFont(base)
    font.setPointSizeF(NEEDS_POINT_SIZE)
    return font


class _StepDelegate(QStyledItemDelegate):
    """Draws a step as the style does; with a "Needs" line, the title and icon go to the top and
    the line is drawn below the title, wrapped to the list's width."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        needs = index.data(NEEDS_ROLE)
        if not needs:
            super().paint(painter, option, index)
            return
        from PySide6.QtCore import QRect, Qt  # only once a step needs another, never for the first window
        from PySide6.QtGui import QColor
        from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        top = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        opt.displayAlignment = top
        opt.decorationAlignment = top
        widget: QWidget | None = opt.widget  # None when painted off any view; the stubs say QWidget
        style = widget.style() if widget is not None else None
        if style is None:
            super().paint(painter, option, index)
            return
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        text = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, opt.widget)
        title_height = opt.fontMetrics.height()
        area = QRect(text.left() + 3, text.top() + title_height + 1, text.width() - 3, opt.rect.bottom() - text.top())
        painter.save()
        painter.setFont(_needs_font(opt.font))
        painter.setPen(QColor(NEEDS_COLOUR))
        painter.drawText(area, int(Qt.TextFlag.TextWordWrap.value | Qt.AlignmentFlag.AlignLeft.value), str(needs))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:  # noqa: N802 - Qt override
        size = super().sizeHint(option, index)
        needs = index.data(NEEDS_ROLE)
        if not needs:
            return size
        from PySide6.QtCore import QRect, Qt
        from PySide6.QtGui import QFontMetrics

        metrics = QFontMetrics(_needs_font(option.font))
        room = max(60, size.width() - 56)  # the row's padding, the icon and its gap
        lines = metrics.boundingRect(QRect(0, 0, room, 1000), int(Qt.TextFlag.TextWordWrap.value), str(needs))
        return QSize(size.width(), TOP + option.fontMetrics.height() + lines.height() + 6)


class StepList(QListView):
    currentRowChanged = Signal(int)  # noqa: N815 - named as QListWidget's, which this replaces

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = QStandardItemModel(self)
        self.setModel(self._model)
        self._delegate: _StepDelegate | None = None
        """Set once a step first needs another (``set_needs``); until then the style paints the rows."""
        self.selectionModel().currentRowChanged.connect(self._moved)

    def add_step(self, title: str, size: QSize) -> QStandardItem:
        item = QStandardItem(title)
        item.setSizeHint(size)
        item.setEditable(False)
        self._model.appendRow(item)
        return item

    def item(self, row: int) -> QStandardItem:
        return self._model.item(row)

    def needs(self, row: int) -> str:
        return str(self.item(row).data(NEEDS_ROLE) or "")

    def set_needs(self, row: int, needs: str) -> None:
        """Show (or, with "", take away) what a step needs first; only a change repaints the row."""
        item = self.item(row)
        if self.needs(row) == needs:
            return
        if needs and self._delegate is None:
            self._delegate = _StepDelegate(self)
            self.setItemDelegate(self._delegate)
        item.setData(needs or None, NEEDS_ROLE)
        if needs:  # the delegate's own height; without it the row keeps the size it was given
            item.setData(None, 13)  # Qt.ItemDataRole.SizeHintRole
        else:
            item.setSizeHint(self._plain_size)

    @property
    def _plain_size(self) -> QSize:
        return self.item(0).sizeHint() if self.count() else QSize(0, 40)

    def count(self) -> int:
        return self._model.rowCount()

    def currentRow(self) -> int:  # noqa: N802 - as QListWidget
        return self.currentIndex().row()

    def setCurrentRow(self, row: int) -> None:  # noqa: N802 - as QListWidget
        self.setCurrentIndex(self._model.index(row, 0))

    def _moved(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.currentRowChanged.emit(current.row())
