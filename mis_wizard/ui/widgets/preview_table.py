"""The preview's table view: fixed-height rows, and a row header that sizes itself from one row.

Qt's header works out its width from the first and last hundred rows, asking the model about
seven roles of each (about 1,400 calls into Python), again after every batch of rows the
preview puts in. The row header here asks only about the row with the longest record id, which
is the widest one.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QHeaderView, QTableView, QWidget

from mis_wizard.ui.preview_model import PreviewTableModel

ROW_HEIGHT = 24
COLUMN_WIDTH = 150


class RowHeader(QHeaderView):
    def __init__(self, model: PreviewTableModel, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self._model = model
        self._hint: tuple[int, bool, QSize] | None = None

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """The widest row's size, worked out again only when rows or the masking change."""
        key = (self._model.rowCount(), self._model.screen_share_safe)
        if self._hint is None or self._hint[:2] != key:
            row = self._model.longest_id_row()
            size = QSize(0, 0) if row < 0 else self.sectionSizeFromContents(row)
            self._hint = (*key, size)
        return self._hint[2]


class PreviewTableView(QTableView):
    def __init__(self, model: PreviewTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        header = RowHeader(model, self)
        self.setVerticalHeader(header)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setDefaultSectionSize(ROW_HEIGHT)
        self.setWordWrap(False)
        # Shown from the start: a scroll bar that appears with the first rows narrows the view
        # a turn later, and the view paints every cell again.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setDefaultSectionSize(COLUMN_WIDTH)
        model.rowsInserted.connect(self._lay_out)

    def _lay_out(self) -> None:
        """Lay out new rows now, not on the next turn, so a shown view paints them once."""
        self.executeDelayedItemsLayout()
