"""The validation report page: what the integrator's filters drop and why, and which fields
would arrive broken, with counts and a few example records for each reason. The admin can turn
a rule off for this school and run the report again to see the effect."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mis_wizard.ui import theme
from mis_wizard.ui.pages.base import muted
from mis_wizard.ui.preview_model import mask
from mis_wizard.vendors.privacy import PrivacyClass
from mis_wizard.wizard import words
from mis_wizard.wizard.mapping.preview import ValidationReport
from mis_wizard.wizard.privacy import id_class, shown_quoted

WARN = QBrush(QColor(theme.WARN))
FAIL = QBrush(QColor(theme.FAIL))


class ReportPage(QWidget):
    filter_toggled = Signal(str, bool)
    """(filter key ``<entity>.<name>``, whether it applies to this school)."""
    rerun_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.rerun = QPushButton("Run the report again")
        self.rerun.setAutoDefault(True)
        self.rerun.clicked.connect(self.rerun_requested)
        top.addWidget(self.rerun)
        top.addSpacing(8)
        self.state = muted("")
        top.addWidget(self.state, 1)
        layout.addLayout(top)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.excluded = QLabel("")
        self.excluded.setObjectName("Banner")
        self.excluded.setContentsMargins(10, 6, 10, 6)
        self.excluded.setWordWrap(True)
        self.excluded.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.excluded)
        row = QHBoxLayout()
        self.tree = QTreeWidget(self)
        self.tree.setAccessibleName("Validation report")
        self.tree.setHeaderLabels(["Check", "Records", "Left out", "Flagged"])
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):
            self.tree.header().setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setWordWrap(True)
        row.addWidget(self.tree, 3)
        rules = QVBoxLayout()
        rules_label = QLabel("&Rules for this school — untick one to turn it off:")
        rules_label.setWordWrap(True)
        rules.addWidget(rules_label)
        self.filters = QListWidget(self)
        self.filters.setAccessibleName("Rules for this school")
        self.filters.setWordWrap(True)
        self.filters.itemChanged.connect(self._toggled)
        rules_label.setBuddy(self.filters)
        rules.addWidget(self.filters, 1)
        row.addLayout(rules, 1)
        layout.addLayout(row, 1)
        self._report: ValidationReport | None = None
        self._safe = False

    def set_filters(self, filters: Sequence[tuple[str, str, bool]]) -> None:
        """(key, label, applies) of each of the integrator's rules."""
        self.filters.blockSignals(True)
        self.filters.clear()
        for key, label, on in filters:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            item.setToolTip(f"{label} ({key.split('.', 1)[0].replace('_', ' ')})")
            self.filters.addItem(item)
        self.filters.blockSignals(False)

    def _toggled(self, item: QListWidgetItem) -> None:
        self.filter_toggled.emit(item.data(Qt.ItemDataRole.UserRole), item.checkState() == Qt.CheckState.Checked)

    def set_screen_share_safe(self, safe: bool) -> None:
        self._safe = safe
        if self._report is not None:
            self.set_report(self._report)

    def set_report(self, report: ValidationReport) -> None:
        self._report = report
        self.tree.clear()
        read = ", ".join(words.records(n, entity) for entity, n in report.read.items())
        dropped = sum(f.dropped for f in report.filters)
        broken = sum(t.with_errors for t in report.targets)
        self.summary.setText(f"Read {read}. The integrator's rules leave out {words.plural(dropped, 'record')}; "
                             f"{words.plural(broken, 'record')} {'has' if broken == 1 else 'have'} a field that "
                             "would be refused.")
        self.excluded.setText(excluded_text(report))
        theme.restyle(self.excluded, "Banner" if dropped or broken else "InfoBanner")
        filters = QTreeWidgetItem(self.tree, ["What the integrator's rules leave out"])
        for f in report.filters:
            if f.unavailable:
                item = QTreeWidgetItem(filters, [f"{f.label} ({f.entity.replace('_', ' ')}) — not run: {f.unavailable}",
                                                 "", "", ""])
                continue
            item = QTreeWidgetItem(filters, [f"{f.label} ({f.entity.replace('_', ' ')})", f"{f.before:,}",
                                             f"{f.dropped:,}", f"{f.flagged:,}" if f.flagged else ""])
            if f.dropped:
                item.setForeground(2, WARN)
            self._reasons(item, dict(f.reasons), f.examples, column=2 if f.dropped else 3, entity=f.entity,
                          quoted=f.privacy)
            if f.suggestion:
                suggestion = shown_quoted(f.suggestion, f.privacy, self._safe)
                tip = QTreeWidgetItem(item, [f"Suggestion: {suggestion}"])
                tip.setToolTip(0, suggestion)
        fields = QTreeWidgetItem(self.tree, ["Fields that would be refused"])
        for t in report.targets:
            item = QTreeWidgetItem(fields, [t.name.replace("_", " "), f"{t.kept:,}", "",
                                            f"{t.with_errors:,}" if t.with_errors else ""])
            if t.with_errors:
                item.setForeground(3, FAIL)
            self._reasons(item, dict(t.errors), t.examples, column=3, entity=t.entity)
            for name, values in t.unmatched.items():
                cls = t.unmatched_privacy.get(name)
                said = ", ".join(mask(v, cls) if self._safe else v for v in sorted(values))
                QTreeWidgetItem(item, [f"No match code in {name} for: {said}"])
        for name, why in report.not_read.items():
            QTreeWidgetItem(self.tree, [f"Not read: {name.replace('_', ' ')} — {why}"])
        self.tree.expandToDepth(1)

    def _reasons(self, parent: QTreeWidgetItem, reasons: dict[str, int], examples: list[tuple[str, str]],
                 column: int, entity: str = "", quoted: PrivacyClass | None = PrivacyClass.STRUCTURAL) -> None:
        """One line per reason with its count in the column it belongs to (left out, or flagged);
        the values a reason quotes are shown by their class (``quoted``)."""
        cls = id_class(entity) if entity else None
        for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]):
            said = shown_quoted(reason, quoted, self._safe)
            row = [said, "", "", ""]
            row[column] = f"{n:,}"
            child = QTreeWidgetItem(parent, row)
            child.setToolTip(0, said)
            for rid, why in examples:
                if why == reason:
                    QTreeWidgetItem(child, [f"e.g. {mask(rid, cls) if self._safe else rid}"])


def excluded_text(report: ValidationReport) -> str:
    """What going on means, in one plain sentence: which records will not be sent, and which will
    arrive with a field the integrator may refuse."""
    left_out: dict[str, int] = {}
    for f in report.filters:
        if f.dropped:
            left_out[f.entity] = left_out.get(f.entity, 0) + f.dropped
    broken = {t.name: t.with_errors for t in report.targets if t.with_errors}
    parts = []
    if left_out:
        listed = ", ".join(words.records(n, entity) for entity, n in sorted(left_out.items()))
        parts.append(f"If you go on, these records will be left out and not sent: {listed}.")
    else:
        parts.append("If you go on, no record is left out by the integrator's rules.")
    if broken:
        listed = ", ".join(words.records(n, name) for name, n in sorted(broken.items()))
        parts.append(f"These are sent with a field the integrator may refuse: {listed} — "
                     "fix them in your system or change the mapping.")
    return " ".join(parts)
