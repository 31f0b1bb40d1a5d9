"""The steps down the side of the window: one row per page, a status icon, greyed out while the
page cannot be opened yet. A step that needs an earlier one first says so on a second line
("Needs: check the keys first"), set by the window.

A list view over a QStandardItemModel rather than a QListWidget: a QStandardItem is enabled,
made selectable and given its screen-reader text with plain calls, where a QListWidgetItem needs
Qt's item flags and roles, and building any of Qt's namespace enums in Python builds them all
(about 25 ms of start-up, before the window is on screen).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSize, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QListView, QWidget


class StepList(QListView):
    currentRowChanged = Signal(int)  # noqa: N815 - named as QListWidget's, which this replaces

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = QStandardItemModel(self)
        self.setModel(self._model)
        self.setWordWrap(True)  # a long "Needs: …" line wraps inside the fixed-width side list
        self.selectionModel().currentRowChanged.connect(self._moved)

    def add_step(self, title: str, size: QSize) -> QStandardItem:
        item = QStandardItem(title)
        item.setSizeHint(size)
        item.setEditable(False)
        self._model.appendRow(item)
        return item

    def item(self, row: int) -> QStandardItem:
        return self._model.item(row)

    def count(self) -> int:
        return self._model.rowCount()

    def currentRow(self) -> int:  # noqa: N802 - as QListWidget
        return self.currentIndex().row()

    def setCurrentRow(self, row: int) -> None:  # noqa: N802 - as QListWidget
        self.setCurrentIndex(self._model.index(row, 0))

    def _moved(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.currentRowChanged.emit(current.row())
