"""The validation report page: what the integrator's filters drop and why, and which fields
would arrive broken, with counts and a few example records for each reason."""

from __future__ import annotations

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from mis_wizard.ui.preview_model import mask
from mis_wizard.wizard.mapping.preview import ValidationReport

WARN = QBrush(QColor("#8a5a00"))
FAIL = QBrush(QColor("#b3261e"))


class ReportPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        title = QLabel("Validation report")
        title.setObjectName("PageTitle")
        layout.addWidget(title)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(["Check", "Records", "Left out", "Flagged"])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):
            self.tree.header().setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.tree, 1)
        self._report: ValidationReport | None = None
        self._safe = False

    def set_screen_share_safe(self, safe: bool) -> None:
        self._safe = safe
        if self._report is not None:
            self.set_report(self._report)

    def set_report(self, report: ValidationReport) -> None:
        self._report = report
        self.tree.clear()
        read = ", ".join(f"{n:,} {entity.replace('_', ' ')}" for entity, n in report.read.items())
        dropped = sum(f.dropped for f in report.filters)
        broken = sum(t.with_errors for t in report.targets)
        self.summary.setText(f"Read {read}. The integrator's rules leave out {dropped:,} records; "
                             f"{broken:,} records have a field that would be refused.")
        filters = QTreeWidgetItem(self.tree, ["What the integrator's rules leave out"])
        for f in report.filters:
            if f.unavailable:
                item = QTreeWidgetItem(filters, [f"{f.label} ({f.entity}) — not run: {f.unavailable}", "", "", ""])
                continue
            item = QTreeWidgetItem(filters, [f"{f.label} ({f.entity.replace('_', ' ')})", f"{f.before:,}",
                                             f"{f.dropped:,}", f"{f.flagged:,}" if f.flagged else ""])
            if f.dropped:
                item.setForeground(2, WARN)
            self._reasons(item, dict(f.reasons), f.examples, column=2 if f.dropped else 3)
            if f.suggestion:
                tip = QTreeWidgetItem(item, [f"Suggestion: {f.suggestion}"])
                tip.setToolTip(0, f.suggestion)
        fields = QTreeWidgetItem(self.tree, ["Fields that would be refused"])
        for t in report.targets:
            item = QTreeWidgetItem(fields, [t.name, f"{t.kept:,}", "", f"{t.with_errors:,}" if t.with_errors else ""])
            if t.with_errors:
                item.setForeground(3, FAIL)
            self._reasons(item, dict(t.errors), t.examples, column=3)
            for name, values in t.unmatched.items():
                QTreeWidgetItem(item, [f"No match code in {name} for: {', '.join(sorted(values))}"])
        for name, why in report.not_read.items():
            QTreeWidgetItem(self.tree, [f"Not read: {name.replace('_', ' ')} — {why}"])
        self.tree.expandToDepth(1)

    def _reasons(self, parent: QTreeWidgetItem, reasons: dict[str, int], examples: list[tuple[str, str]],
                 column: int) -> None:
        """One line per reason with its count in the column it belongs to (left out, or flagged)."""
        for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]):
            row = [reason, "", "", ""]
            row[column] = f"{n:,}"
            child = QTreeWidgetItem(parent, row)
            for rid, why in examples:
                if why == reason:
                    QTreeWidgetItem(child, [f"e.g. {mask(rid) if self._safe else rid}"])
