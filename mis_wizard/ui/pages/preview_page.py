"""The preview page: mapped records as the integrator will receive them, errors in their cells.

The admin chooses up to five of their own record ids, or the first N; the page asks for them
with ``preview_requested`` (the window runs the preview off the GUI thread) and shows what comes
back through ``show_result``, which puts many rows in a batch per event-loop turn.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from mis_wizard.ui.pages.base import muted, records_choice
from mis_wizard.ui.preview_model import BatchFeeder, PreviewTableModel, mask
from mis_wizard.ui.theme import restyle
from mis_wizard.ui.widgets.preview_table import PreviewTableView
from mis_wizard.ui.widgets.secret_edit import ShapedLineEdit
from mis_wizard.vendors.privacy import PrivacyClass
from mis_wizard.wizard import words
from mis_wizard.wizard.mapping.mapper import MappedRecord
from mis_wizard.wizard.mapping.preview import MAX_SAMPLES, PreviewResult
from mis_wizard.wizard.privacy import id_class


class PreviewPage(QWidget):
    preview_requested = Signal(str, list, int)
    """(target, sample ids — empty for the first N —, N)."""
    loaded = Signal()
    """Every row of the last result is in the table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.target_combo = records_choice(top, "Records to preview")
        top.addSpacing(16)
        top.addWidget(QLabel(f"Your own sample IDs (up to {MAX_SAMPLES}):"))
        self.sample_edits = []
        for i in range(MAX_SAMPLES):
            edit = ShapedLineEdit()  # a student's id is personal: its shape only, in screen-share safe mode
            edit.setPlaceholderText(f"ID {i + 1}")
            edit.setAccessibleName(f"Sample ID {i + 1}")
            edit.setMaximumWidth(110)
            edit.returnPressed.connect(self._request)
            self.sample_edits.append(edit)
            top.addWidget(edit)
        top.addStretch(1)
        layout.addLayout(top)
        second = QHBoxLayout()
        second.addWidget(QLabel("With no sample IDs, show the first"))
        self.limit = QSpinBox()
        self.limit.setAccessibleName("How many records to show")
        self.limit.setRange(1, 50_000)
        self.limit.setGroupSeparatorShown(True)
        self.limit.setValue(20)
        second.addWidget(self.limit)
        second.addWidget(QLabel("records"))
        second.addSpacing(8)
        self.go = QPushButton("Show the preview")
        self.go.setObjectName("Primary")
        self.go.setAutoDefault(True)
        self.go.clicked.connect(self._request)
        second.addWidget(self.go)
        second.addSpacing(12)
        self.status = muted("")
        second.addWidget(self.status, 1)
        layout.addLayout(second)
        self.model = PreviewTableModel(parent=self)
        self.view = PreviewTableView(self.model, self)
        self.view.setAccessibleName("Records as the integrator will receive them")
        layout.addWidget(self.view, 1)
        self._errors = 0
        self._missing: list[str] = []
        self._expected = 0
        self._id_privacy: PrivacyClass | None = None
        self._feeder: BatchFeeder | None = None

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
        self.model.set_screen_share_safe(safe)
        for edit in self.sample_edits:
            edit.set_screen_safe(safe)
        self._say()

    def _request(self) -> None:
        self.preview_requested.emit(self.target_combo.currentData() or "", self.sample_ids(), self.limit.value())

    def begin(self, fields: Sequence[str], expected: int = 0, privacy: Sequence[PrivacyClass | None] = (),
              id_privacy: PrivacyClass | None = None) -> None:
        if self._feeder is not None:
            self._feeder.stop()
            self._feeder.deleteLater()
            self._feeder = None
        self._errors = 0
        self._missing = []
        self._expected = expected
        self._id_privacy = id_privacy
        self.model.reset(fields, privacy, id_privacy)
        restyle(self.status, "Muted")
        self.status.setText("Reading records…")

    def append(self, records: Sequence[MappedRecord]) -> None:
        self.model.append_rows(records)
        self._errors += sum(len(r.errors) for r in records)
        self._say()

    def show_result(self, result: PreviewResult, batch: int = 25_000) -> None:
        """The result's rows, a batch per event-loop turn when there are many, so the window keeps
        answering while 50,000 rows go in; ``loaded`` says when the last is in."""
        self.begin(result.fields, len(result.records), result.privacy, id_class(result.entity))
        self._missing = list(result.missing_samples)
        if len(result.records) <= batch:
            self.append(result.records)
            self._done()
            return
        self._feeder = BatchFeeder(self.model, result.records, batch, parent=self)
        self._feeder.appended.connect(self._counted)
        self._feeder.finished.connect(self._done)
        self._feeder.start()

    def show_problem(self, text: str) -> None:
        """Why the preview could not be shown, in place of the counts."""
        self.begin([])
        restyle(self.status, "FieldError")
        self.status.setText(text)

    def _counted(self, records: Sequence[MappedRecord]) -> None:
        self._errors += sum(len(r.errors) for r in records)
        self._say()

    def _done(self) -> None:
        if self._feeder is not None:
            self._feeder.deleteLater()
            self._feeder = None
        self._expected = 0
        self._say()
        self.loaded.emit()

    @property
    def loading(self) -> bool:
        return self._feeder is not None

    @property
    def error_count(self) -> int:
        return self._errors

    @property
    def missing(self) -> list[str]:
        return list(self._missing)

    def _say(self) -> None:
        n = self.model.rowCount()
        errors = words.plural(self._errors, "field error")
        text = f"{words.plural(n, 'record')} · {errors}"
        if self._expected > n:
            text = f"Loading {n:,} of {words.plural(self._expected, 'record')} · {errors} so far"
        if self._missing:
            shown = [mask(m, self._id_privacy) if self.model.screen_share_safe else m for m in self._missing]
            text += " · not found: " + ", ".join(shown)
        if self.model.screen_share_safe:
            text += " · personal data shown only by its shape (screen-share safe)"
        self.status.setText(text)
