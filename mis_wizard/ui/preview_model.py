"""The preview table's model: mapped records as rows, target fields as columns.

Built for 50,000 rows: rows are kept as the mapper's records and cells are looked up only when
the view paints them, rows arrive in batches (``append_rows``) so loading never blocks the
event loop, and screen-share-safe mode masks each cell by its column's privacy class
(wizard/privacy.shown: personal values keep their shape, structural ones show) without
touching the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor

from mis_wizard.ui import theme
from mis_wizard.vendors.privacy import PrivacyClass
from mis_wizard.wizard import words
from mis_wizard.wizard.mapping.canonical import entity_of
from mis_wizard.wizard.mapping.mapper import MappedRecord
from mis_wizard.wizard.privacy import concept_class, is_open, shown

ERROR_BACKGROUND = QBrush(QColor(theme.ERROR_BACKGROUND))
NOT_SENT = QBrush(QColor(theme.NOT_SENT))
Index = QModelIndex | QPersistentModelIndex

# The view asks ``data`` for about ten roles of every visible cell on every paint; these four are
# the ones answered. Plain ints: comparing a role with an enum member goes through the enum's
# own comparison, several times slower, and a full preview repaints thousands of cells.
DISPLAY = int(Qt.ItemDataRole.DisplayRole)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
ANSWERED = frozenset((DISPLAY, TOOLTIP, BACKGROUND, FOREGROUND))
SAMPLED = 100
"""Rows at each end of a batch whose ids size the row header, as Qt's own header samples."""


def mask(value: str, cls: PrivacyClass | None = PrivacyClass.PERSONAL) -> str:
    """A value as screen-share safe mode shows it: its shape, by its privacy class."""
    return shown(value, cls, True)


class PreviewTableModel(QAbstractTableModel):
    def __init__(self, fields: Sequence[str] = (), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fields = list(fields)
        self._labels = [words.field_label(f) for f in self._fields]
        """What the column headers say (the field names stay in their tooltips)."""
        self._rows: list[MappedRecord] = []
        self._longest = -1
        """The row whose record id is longest (-1: no rows), for the row header's width."""
        self._safe = False
        self._classes: list[PrivacyClass | None] = []
        self._id_class: PrivacyClass | None = None

    @property
    def screen_share_safe(self) -> bool:
        return self._safe

    def set_screen_share_safe(self, safe: bool) -> None:
        if safe != self._safe:
            self._safe = safe
            if self._rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(self._fields) - 1))
            self.headerDataChanged.emit(Qt.Orientation.Vertical, 0, max(0, len(self._rows) - 1))

    def reset(self, fields: Sequence[str], privacy: Sequence[PrivacyClass | None] = (),
              id_privacy: PrivacyClass | None = None) -> None:
        """New columns, with each one's privacy class (a column without one is masked) and the
        class of the record ids in the row headers."""
        self.beginResetModel()
        self._fields = list(fields)
        self._labels = [words.field_label(f) for f in self._fields]
        self._classes = list(privacy) + [None] * (len(self._fields) - len(privacy))
        self._id_class = id_privacy
        self._rows = []
        self._longest = -1
        self.endResetModel()

    def privacy(self, column: int) -> PrivacyClass | None:
        return self._classes[column] if column < len(self._classes) else None

    def append_rows(self, rows: Sequence[MappedRecord]) -> None:
        if not rows:
            return
        first = len(self._rows)
        n = len(rows)
        ends = range(n) if n <= 2 * SAMPLED else [*range(SAMPLED), *range(n - SAMPLED, n)]
        widest = max(ends, key=lambda i: len(rows[i].id))
        if self._longest < 0 or len(rows[widest].id) > len(self._rows[self._longest].id):
            self._longest = first + widest
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def longest_id_row(self) -> int:
        return self._longest

    def record(self, row: int) -> MappedRecord:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._fields)

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if role not in ANSWERED or not index.isValid():
            return None
        cell = self._rows[index.row()].cells[index.column()]
        if role == DISPLAY:
            if cell.value is None:
                return "—"
            return shown(cell.value, self._classes[index.column()], self._safe) if self._safe else cell.value
        if role == TOOLTIP:
            source = "" if not cell.source else f"From {words.source_label(cell.source)}" + source_said(
                cell.source, cell.source_value, self._safe)
            label = self._labels[index.column()]
            lines = [f"{label}: {cell.error}" if cell.error else "", f"Rule: {cell.rule}", source]
            return "\n".join(line for line in lines if line)
        if role == BACKGROUND:
            return ERROR_BACKGROUND if cell.error else None
        return NOT_SENT if cell.value is None else None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if orientation == Qt.Orientation.Horizontal:
            if section >= len(self._fields):
                return None
            name = self._fields[section]
            return self._labels[section] if role == Qt.ItemDataRole.DisplayRole else name
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if section >= len(self._rows):
            return None
        rid = self._rows[section].id
        return shown(rid, self._id_class, True) if self._safe else rid


def source_said(source: str, value: str, safe: bool) -> str:
    """": 'value'" after a cell's source, as its class lets the screen show it (a raw field's class
    is not known here, so it is masked)."""
    cls = concept_class(source) if entity_of(source) else None
    if safe and not is_open(cls, safe):
        return f": {shown(value, cls, safe)!r}" if value else ""
    return f": {value!r}"


PACE_MS = 16
"""How long the next batch waits after one went in: a frame, so a timer due sooner fires first."""


class BatchFeeder(QObject):
    """Feeds rows to the model a batch per event-loop turn, so the window stays responsive.

    Putting rows in costs little (a list extend: about 1 ms per 10,000); what costs is the paint
    after it, where the view draws every visible cell (8–10 ms here, however few rows came in).
    So batches are big, 25,000 rows: 50,000 load in two paints. Each next batch, and then
    ``finished``, waits a frame (``PACE_MS``), so the clicks and timers that waited while the view
    painted come first: the event loop is never held for more than one batch and its paint
    (benchmarks/preview.py: its longest wait).
    """

    appended = Signal(object)
    """The batch just put in the model."""
    finished = Signal()

    def __init__(self, model: PreviewTableModel, rows: Sequence[MappedRecord], batch: int = 25_000,
                 parent: QObject | None = None) -> None:
        super().__init__(parent or model)
        self._model = model
        self._rows = rows
        self._batch = batch
        self._at = 0
        self._stopped = False

    def start(self) -> None:
        QTimer.singleShot(0, self._next)

    def stop(self) -> None:
        """No more batches (a new preview replaces this one); ``finished`` is not emitted."""
        self._stopped = True

    def _next(self) -> None:
        if self._stopped:
            return
        chunk = self._rows[self._at:self._at + self._batch]
        self._at += len(chunk)
        self._model.append_rows(chunk)
        self.appended.emit(list(chunk))
        QTimer.singleShot(PACE_MS, self._next if self._at < len(self._rows) else self._finish)

    def _finish(self) -> None:
        if not self._stopped:
            self.finished.emit()
