"""A sync run report on screen: one row per table (written, added, changed, removed, excluded,
errors), then why records were excluded and which records had errors.

Record ids, error texts and the values a reason quotes can carry personal data and carry no
privacy class here, so while screen-share safe mode is on they show only their shape, by the one
rule (wizard/privacy.shown); the counts stay, since they are what a support engineer needs to see.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mis_wizard.wizard import words
from mis_wizard.wizard.privacy import shown, shown_quoted
from mis_wizard.wizard.sync.report import RunReport

COLUMNS = ("Table", "Written", "Added", "Changed", "Removed", "Excluded", "Errors")
STATUS_WORDS = {"ok": "Finished", "held": "Held: removals need your confirmation", "failed": "Failed",
                "cancelled": "Cancelled", "running": "Running"}


def when(iso: str) -> str:
    """A stored UTC time in the computer's local time, as the admin reads clocks."""
    try:
        return f"{dt.datetime.fromisoformat(iso).astimezone():%d %b %Y %H:%M}"
    except ValueError:
        return iso


def plain_table(table: QTableWidget, stretch: int) -> None:
    """A read-only table that grows with its rows, text headers on the left, numbers on the right."""
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    header = table.horizontalHeader()
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    for col in range(table.columnCount()):
        mode = QHeaderView.ResizeMode.Stretch if col == stretch else QHeaderView.ResizeMode.ResizeToContents
        header.setSectionResizeMode(col, mode)


def fit_table(table: QTableWidget) -> None:
    """No inner scrolling: the page scrolls, so the table is as tall as its rows."""
    height = table.horizontalHeader().height() + 2 * table.frameWidth()
    height += sum(table.rowHeight(r) for r in range(table.rowCount()))
    table.setFixedHeight(height + 2)


class RunReportView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Run report per table")
        plain_table(self.table, stretch=0)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        layout.addWidget(self.table)
        self.details = QTreeWidget()
        self.details.setHeaderLabels(["Why records were left out, and records with errors", "Records"])
        self.details.setAccessibleName("Exclusions and errors")
        self.details.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.details.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.details.setMinimumHeight(120)
        layout.addWidget(self.details)
        self.report: RunReport | None = None
        self._safe = True
        self.clear()

    def clear(self) -> None:
        self.report = None
        self.summary.setText("No run yet.")
        self.table.setRowCount(0)
        fit_table(self.table)
        self.details.clear()
        self.details.hide()

    def set_screen_safe(self, on: bool) -> None:
        self._safe = on
        if self.report is not None:
            self.show_report(self.report)

    def show_report(self, report: RunReport) -> None:
        self.report = report
        totals = report.totals()
        status = STATUS_WORDS.get(report.status, report.status)
        took = f"{report.elapsed_ms} ms" if report.elapsed_ms < 1000 else f"{report.elapsed_ms / 1000:.1f} s"
        text = (f"<b>{status}</b> — {when(report.finished or report.started)}, took {took}. "
                f"Added {totals['added']:,}, changed {totals['changed']:,}, "
                f"removed {totals['removed']:,}, {words.plural(totals['error_count'], 'record error')}.")
        if report.message:
            text += f"<br>{report.message}"
        self.summary.setText(text)
        self.table.setRowCount(len(report.tables))
        for row, (name, t) in enumerate(report.tables.items()):
            cells: list[str | int] = [name.replace("_", " ").capitalize(), t.written, t.added, t.changed, t.removed,
                     sum(t.excluded.values()), t.error_count]
            for col, value in enumerate(cells):
                item = QTableWidgetItem(f"{value:,}" if isinstance(value, int) else value)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        fit_table(self.table)
        self._details(report)

    def _details(self, report: RunReport) -> None:
        self.details.clear()
        for name, t in report.tables.items():
            if not (t.excluded or t.errors):
                continue
            parent = QTreeWidgetItem(self.details, [name.replace("_", " ").capitalize(), ""])
            for reason, n in sorted(t.excluded.items(), key=lambda kv: -kv[1]):
                QTreeWidgetItem(parent, [f"Left out: {shown_quoted(reason, None, self._safe)}", f"{n:,}"])
            if t.errors:
                errors = QTreeWidgetItem(parent, [f"Records with a field the integrator would refuse "
                                                  f"(first {len(t.errors)})", f"{t.error_count:,}"])
                for e in t.errors:
                    field = words.field_label(str(e["field"]))
                    # an unclassified id and error text: masked as personal (wizard/privacy.shown)
                    said = (f"{shown(str(e['id']), None, self._safe)} · {field}: "
                            f"{shown_quoted(str(e['error']), None, self._safe)}")
                    QTreeWidgetItem(errors, [said, ""])
        self.details.setVisible(self.details.topLevelItemCount() > 0)
        self.details.expandToDepth(0)

    def lines(self) -> list[str]:
        """Everything shown, as text (for tests and screen readers)."""
        out = [self.summary.text()]
        for row in range(self.table.rowCount()):
            cells = (self.table.item(row, c) for c in range(self.table.columnCount()))
            out.append(" | ".join(cell.text() if cell is not None else "" for cell in cells))
        tops = (self.details.topLevelItem(i) for i in range(self.details.topLevelItemCount()))
        stack = [item for item in tops if item is not None]
        while stack:
            item = stack.pop(0)
            out.append(item.text(0))
            children = (item.child(i) for i in range(item.childCount()))
            stack.extend(child for child in children if child is not None)
        return out
