"""The preview page: mapped records as the integrator will receive them, errors in their cells.

The admin chooses up to five of their own record ids, or the first N; the page asks for them
with ``preview_requested`` (the window runs the preview off the GUI thread) and shows what comes
back through ``show_result`` or, for long reads, ``begin`` / ``append`` batches.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mis_wizard.ui.preview_model import PreviewTableModel, mask
from mis_wizard.wizard.mapping.mapper import MappedRecord
from mis_wizard.wizard.mapping.preview import MAX_SAMPLES, PreviewResult


class PreviewPage(QWidget):
    preview_requested = Signal(str, list, int)
    """(target, sample ids — empty for the first N —, N)."""
    screen_share_safe_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        title = QLabel("Preview")
        title.setObjectName("PageTitle")
        layout.addWidget(title)
        intro = QLabel("These are the records exactly as the integrator will receive them. Hover a red cell "
                       "to see what is wrong with it; a dash means the field is not sent.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        top = QHBoxLayout()
        top.addWidget(QLabel("Records:"))
        self.target_combo = QComboBox()
        top.addWidget(self.target_combo)
        top.addSpacing(16)
        top.addWidget(QLabel("Your sample IDs:"))
        self.sample_edits = []
        for i in range(MAX_SAMPLES):
            edit = QLineEdit()
            edit.setPlaceholderText(f"ID {i + 1}")
            edit.setMaximumWidth(110)
            self.sample_edits.append(edit)
            top.addWidget(edit)
        top.addWidget(QLabel("or the first"))
        self.limit = QSpinBox()
        self.limit.setRange(1, 50_000)
        self.limit.setValue(20)
        top.addWidget(self.limit)
        self.go = QPushButton("Preview")
        self.go.setDefault(True)
        self.go.clicked.connect(self._request)
        top.addWidget(self.go)
        top.addStretch(1)
        layout.addLayout(top)
        options = QHBoxLayout()
        self.safe = QCheckBox("Screen-share safe (hide personal data)")
        self.safe.toggled.connect(self.set_screen_share_safe)
        options.addWidget(self.safe)
        options.addStretch(1)
        self.status = QLabel("")
        options.addWidget(self.status)
        layout.addLayout(options)
        self.model = PreviewTableModel(parent=self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setDefaultSectionSize(150)
        layout.addWidget(self.view, 1)
        self._errors = 0
        self._missing: list[str] = []

    def set_targets(self, targets: Sequence[tuple[str, str]]) -> None:
        """(name, label) of each target the profile has."""
        self.target_combo.clear()
        for name, label in targets:
            self.target_combo.addItem(label or name, name)

    def sample_ids(self) -> list[str]:
        return [e.text().strip() for e in self.sample_edits if e.text().strip()]

    def set_sample_ids(self, ids: Sequence[str]) -> None:
        for edit, value in zip(self.sample_edits, list(ids)[:MAX_SAMPLES] + [""] * MAX_SAMPLES, strict=False):
            edit.setText(value)

    def set_screen_share_safe(self, safe: bool) -> None:
        if self.safe.isChecked() != safe:
            self.safe.setChecked(safe)
        self.model.set_screen_share_safe(safe)
        mode = QLineEdit.EchoMode.Password if safe else QLineEdit.EchoMode.Normal
        for edit in self.sample_edits:
            edit.setEchoMode(mode)
        self._say()
        self.screen_share_safe_changed.emit(safe)

    def _request(self) -> None:
        self.preview_requested.emit(self.target_combo.currentData() or "", self.sample_ids(), self.limit.value())

    def begin(self, fields: Sequence[str]) -> None:
        self._errors = 0
        self._missing = []
        self.model.reset(fields)
        self.status.setText("Reading records…")

    def append(self, records: Sequence[MappedRecord]) -> None:
        self.model.append_rows(records)
        self._errors += sum(len(r.errors) for r in records)
        self._say()

    def show_result(self, result: PreviewResult) -> None:
        self.begin(result.fields)
        self.append(result.records)
        self._missing = list(result.missing_samples)
        self._say()

    def _say(self) -> None:
        n = self.model.rowCount()
        text = f"{n:,} records · {self._errors:,} field errors"
        if self._missing:
            shown = [mask(m) if self.model.screen_share_safe else m for m in self._missing]
            text += " · not found: " + ", ".join(shown)
        self.status.setText(text)
