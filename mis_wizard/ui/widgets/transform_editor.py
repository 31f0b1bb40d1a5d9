"""The Transformation editor: an ordered chain of steps from the fixed transform registry, each
step's parameters as pickers (a text box only for a genuinely free value), checked with the same
``step_problems`` the rule loader uses, and the result on the sample records shown as it changes.

The dialog edits plain step dicts (``{"name": …, "params": {…}}``) and never evaluates anything
itself: the page hands it a ``preview`` function that maps the sample records with a chain.
"""

from __future__ import annotations

import calendar
import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mis_wizard.ui.preview_model import ERROR_BACKGROUND, mask
from mis_wizard.ui.theme import restyle
from mis_wizard.vendors.privacy import PrivacyClass
from mis_wizard.wizard import words
from mis_wizard.wizard.mapping.transforms import REGISTRY, Param, Transform, step_problems

Step = dict[str, Any]
PreviewRow = tuple[str, str, str | None, str]
Privacy = Callable[[list[dict[str, Any]]], tuple[PrivacyClass | None, PrivacyClass | None, PrivacyClass | None]]
"""The steps → the privacy classes of the record id, the source value and the value sent."""
"""One sample record mapped: (record id, source value, mapped value or None, error)."""
Preview = Callable[[list[Step]], list[PreviewRow]]
"""Maps the sample records with a chain."""

CHOICE_LABELS: dict[tuple[str, str], dict[str, str]] = {
    ("date", "order"): {"DMY": "Day first (DD/MM/YYYY)", "MDY": "Month first, US (MM/DD/YYYY)"},
    ("case", "to"): {"upper": "UPPER CASE", "lower": "lower case", "title": "Title Case"},
    ("split_name", "person"): {"first": "The first person", "second": "The second person"},
    ("split_name", "part"): {"whole": "Whole name", "given": "Given name", "family": "Family name"},
    ("school_year", "format"): {"start": "Year it starts (2026)", "end": "Year it ends (2027)",
                                "span": "Both years (2026-2027)"},
}
"""How each choice reads to an admin; the rule keeps the registry's value."""
MONTH_PARAMS = {("school_year", "start_month")}
SCHOOL_SETTING = "The school's setting"
"""An optional parameter left out: the school's date order or first month applies."""


def choice_label(step: str, param: str, value: Any) -> str:
    if (step, param) in MONTH_PARAMS and isinstance(value, int) and 1 <= value <= 12:
        return calendar.month_name[value]
    return CHOICE_LABELS.get((step, param), {}).get(value, str(value))


def describe(step: Mapping[str, Any]) -> str:
    """One line for a step, as the steps list and the How picker show it."""
    transform = REGISTRY.get(step.get("name", ""))
    if transform is None:
        return str(step.get("name"))
    params = step.get("params") or {}
    parts = []
    for p in transform.params:
        if p.name not in params:
            continue
        value = params[p.name]
        if p.kind == "sources":
            parts.append(" + ".join(words.source_label(v) for v in value) if value else "no fields yet")
        elif p.kind == "text":
            parts.append(f"{p.label.lower()} “{value}”")
        else:
            parts.append(choice_label(transform.name, p.name, value))
    return transform.label + (": " + ", ".join(parts) if parts else "")


def describe_chain(steps: Sequence[Mapping[str, Any]]) -> str:
    return " → ".join(describe(s) for s in steps)


def new_step(name: str) -> Step:
    """A step as added from the picker: choices at their defaults, required values still to fill."""
    transform = REGISTRY[name]
    params: dict[str, Any] = {}
    for p in transform.params:
        if p.default is not None:
            params[p.name] = p.default
        elif p.kind == "sources":
            params[p.name] = []
        elif p.kind == "text" and p.required:
            params[p.name] = ""
    return {"name": name, "params": params} if params else {"name": name}


def chain_problems(steps: Sequence[Mapping[str, Any]]) -> list[tuple[int, str]]:
    """Each problem with its step's index, worded for the admin: "Value must not be blank; …"."""
    if not steps:
        return [(-1, "Add at least one step.")]
    problems = []
    for i, step in enumerate(steps):
        transform = REGISTRY[step["name"]]
        for path, problem in step_problems(step, "step"):
            param = transform.param(path.rsplit(".", 1)[-1])
            if param is not None and param.kind == "sources":
                problem = "needs at least one field to join; pick one and press Add field"
            problems.append((i, f"{param.label if param else transform.label} {problem}"))
    return problems


class TransformEditor(QDialog):
    """The steps of one field's Transformation rule; ``steps()`` is the chain once accepted."""

    def __init__(self, field: str, source: str | None, steps: Sequence[Mapping[str, Any]], sources: Sequence[str],
                 preview: Preview, safe: bool = False, parent: QWidget | None = None,
                 privacy: Privacy | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Transformation for {field}")
        self._steps: list[Step] = [copy.deepcopy(dict(s)) for s in steps]
        self._sources = list(sources)
        self._preview = preview
        self._safe = safe
        self._privacy = privacy
        """The classes of the preview's columns for these steps; without it every column is masked."""
        self._param_widgets: dict[str, QWidget] = {}
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        heading = QLabel(f"How {field} is made")
        heading.setObjectName("CardTitle")
        layout.addWidget(heading)
        start = (f"the value of “{words.source_label(source)}”" if source
                 else "an empty value (no “From” field is picked)")
        intro = QLabel(f"The steps run in order, starting from {start}. Each step works on the result of the "
                       "one before it.")
        intro.setObjectName("Muted")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        middle = QHBoxLayout()
        middle.setSpacing(12)
        middle.addLayout(self._build_steps_column(), 1)
        self.settings = QGroupBox("Settings of the selected step")
        self._settings_layout = QVBoxLayout(self.settings)
        self._form_host = QWidget()
        self._settings_layout.addWidget(self._form_host)
        self._settings_layout.addStretch(1)
        middle.addWidget(self.settings, 1)
        layout.addLayout(middle, 1)

        results = QLabel("Result on the sample records")
        results.setObjectName("CardTitle")
        layout.addWidget(results)
        self.preview_table = QTableWidget(0, 3, self)
        self.preview_table.setAccessibleName("Result on the sample records")
        self.preview_table.setHorizontalHeaderLabels(["Record", "Value in your system", "Value sent"])
        self.preview_table.verticalHeader().hide()
        header = self.preview_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.preview_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview_table.setMinimumHeight(150)
        layout.addWidget(self.preview_table)
        self.problem = QLabel("")
        self.problem.setObjectName("FieldError")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setAccessibleName("Use these steps")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(820, 600)
        self._refresh_list(0 if self._steps else -1)
        self._refresh()

    def _build_steps_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        label = QLabel("&Steps, in order:")
        column.addWidget(label)
        self.step_list = QListWidget()
        self.step_list.setAccessibleName("Steps, in order")
        self.step_list.setWordWrap(True)
        self.step_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.step_list.currentRowChanged.connect(self._show_settings)
        label.setBuddy(self.step_list)
        column.addWidget(self.step_list, 1)
        moves = QHBoxLayout()
        self.up_button = QPushButton("Move &up")
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button = QPushButton("Move do&wn")
        self.down_button.clicked.connect(lambda: self._move(1))
        self.remove_button = QPushButton("&Remove step")
        self.remove_button.clicked.connect(self._remove)
        for button in (self.up_button, self.down_button, self.remove_button):
            moves.addWidget(button)
        column.addLayout(moves)
        adding = QHBoxLayout()
        add_label = QLabel("A&dd:")
        adding.addWidget(add_label)
        self.add_combo = QComboBox()
        self.add_combo.setAccessibleName("Step to add")
        for t in REGISTRY.values():
            self.add_combo.addItem(t.label, t.name)
        add_label.setBuddy(self.add_combo)
        adding.addWidget(self.add_combo, 1)
        self.add_button = QPushButton("&Add step")
        self.add_button.clicked.connect(lambda: self.add_step(self.add_combo.currentData()))
        adding.addWidget(self.add_button)
        column.addLayout(adding)
        return column

    def steps(self) -> list[Step]:
        """The chain as rule JSON steps (no empty ``params``)."""
        return [{k: v for k, v in copy.deepcopy(s).items() if k != "params" or v} for s in self._steps]

    # steps -----------------------------------------------------------------------------------
    def add_step(self, name: str) -> None:
        row = self.step_list.currentRow() + 1 if self._steps else 0
        self._steps.insert(row, new_step(name))
        self._refresh_list(row)
        self._refresh()

    def _remove(self) -> None:
        row = self.step_list.currentRow()
        if 0 <= row < len(self._steps):
            del self._steps[row]
            self._refresh_list(min(row, len(self._steps) - 1))
            self._refresh()

    def _move(self, by: int) -> None:
        row = self.step_list.currentRow()
        to = row + by
        if 0 <= row < len(self._steps) and 0 <= to < len(self._steps):
            self._steps[row], self._steps[to] = self._steps[to], self._steps[row]
            self._refresh_list(to)
            self._refresh()
            self.step_list.setFocus()

    def _refresh_list(self, select: int) -> None:
        self.step_list.blockSignals(True)
        self.step_list.clear()
        for i, step in enumerate(self._steps):
            self.step_list.addItem(f"{i + 1}. {describe(step)}")
        self.step_list.setCurrentRow(select)
        self.step_list.blockSignals(False)
        self._show_settings(select)

    def _update_item(self, row: int) -> None:
        item = self.step_list.item(row)
        if item is not None:
            item.setText(f"{row + 1}. {describe(self._steps[row])}")
            item.setToolTip(item.text())

    # the selected step's parameters -----------------------------------------------------------
    def _show_settings(self, row: int) -> None:
        count = len(self._steps)
        self.up_button.setEnabled(0 < row < count)
        self.down_button.setEnabled(0 <= row < count - 1)
        self.remove_button.setEnabled(0 <= row < count)
        self._param_widgets = {}
        host = QWidget()
        form = QFormLayout(host)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        if 0 <= row < count:
            self._fill_form(form, row)
        else:
            form.addRow(self._note("Add a step from the list on the left."))
        old, self._form_host = self._form_host, host
        self._settings_layout.replaceWidget(old, host)
        old.hide()
        old.deleteLater()
        host.show()

    def _fill_form(self, form: QFormLayout, row: int) -> None:
        step = self._steps[row]
        transform = REGISTRY[step["name"]]
        if not transform.params:
            form.addRow(self._note(f"{transform.label} has nothing to set."))
        for p in transform.params:
            widget = self._param_widget(row, transform, p)
            self._param_widgets[p.name] = widget
            label = QLabel(f"{p.label}:")
            combo = widget.findChild(QComboBox) if p.kind == "sources" else None
            label.setBuddy(combo if combo is not None else widget)
            form.addRow(label, widget)
        self.step_problem = self._note("")
        restyle(self.step_problem, "FieldError")
        form.addRow(self.step_problem)
        self._show_step_problem()

    @staticmethod
    def _note(text: str) -> QLabel:
        note = QLabel(text)
        note.setObjectName("Muted")
        note.setWordWrap(True)
        return note

    def _param_widget(self, row: int, transform: Transform, p: Param) -> QWidget:
        params = self._steps[row].setdefault("params", {})
        if p.kind == "sources":
            return self._sources_widget(row, p)
        if p.kind == "text":
            edit = QLineEdit(str(params.get(p.name, "")))
            edit.setAccessibleName(f"{transform.label}: {p.label}")
            if p.example:
                edit.setPlaceholderText(f"e.g. {p.example}")
            edit.textChanged.connect(lambda value, r=row, n=p.name: self._set(r, n, value))
            return edit
        combo = QComboBox()
        combo.setAccessibleName(f"{transform.label}: {p.label}")
        if p.default is None and not p.required:
            combo.addItem(SCHOOL_SETTING, None)
        values: Sequence[Any] = range(p.low, p.high + 1) if p.kind == "int" else p.choices
        for value in values:
            combo.addItem(choice_label(transform.name, p.name, value), value)
        combo.setCurrentIndex(max(0, combo.findData(params.get(p.name, p.default))))
        combo.currentIndexChanged.connect(lambda _i, c=combo, r=row, n=p.name: self._set(r, n, c.currentData()))
        return combo

    def _sources_widget(self, row: int, p: Param) -> QWidget:
        """The fields concatenate joins, in order: a list, a picker and Add / Remove."""
        host = QWidget()
        box = QVBoxLayout(host)
        box.setContentsMargins(0, 0, 0, 0)
        chosen = QListWidget()
        chosen.setAccessibleName("Fields joined, in order")
        chosen.setMaximumHeight(72)
        for source in self._steps[row]["params"].get(p.name, []):
            item = QListWidgetItem(words.source_label(source))
            item.setData(Qt.ItemDataRole.UserRole, source)
            chosen.addItem(item)
        box.addWidget(chosen)
        line = QHBoxLayout()
        picker = QComboBox()
        picker.setAccessibleName("Field to join")
        for source in self._sources:
            picker.addItem(words.source_label(source), source)
        line.addWidget(picker, 1)
        add = QPushButton("Add field")
        remove = QPushButton("Remove field")
        line.addWidget(add)
        line.addWidget(remove)
        box.addLayout(line)

        def changed() -> None:
            self._set(row, p.name, [chosen.item(i).data(Qt.ItemDataRole.UserRole) for i in range(chosen.count())])

        def add_field() -> None:
            item = QListWidgetItem(picker.currentText())
            item.setData(Qt.ItemDataRole.UserRole, picker.currentData())
            chosen.addItem(item)
            changed()

        def remove_field() -> None:
            if chosen.currentRow() >= 0:
                chosen.takeItem(chosen.currentRow())
                changed()

        add.clicked.connect(add_field)
        remove.clicked.connect(remove_field)
        self.source_picker, self.source_list, self.add_source_button = picker, chosen, add
        return host

    def _set(self, row: int, name: str, value: Any) -> None:
        params = self._steps[row].setdefault("params", {})
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
        self._update_item(row)
        self._refresh()

    # problems and preview --------------------------------------------------------------------
    def problems(self) -> list[tuple[int, str]]:
        return chain_problems(self._steps)

    def _show_step_problem(self) -> None:
        row = self.step_list.currentRow()
        text = "\n".join(message for i, message in self.problems() if i == row)
        self.step_problem.setText(text)
        self.step_problem.setVisible(bool(text))

    def _refresh(self) -> None:
        problems = self.problems()
        self.ok_button.setEnabled(not problems)
        elsewhere = [f"Step {i + 1}: {m}" if i >= 0 else m for i, m in problems if i != self.step_list.currentRow()]
        self.problem.setText("\n".join(elsewhere))
        self.problem.setVisible(bool(elsewhere))
        if self.step_list.currentRow() >= 0:
            self._show_step_problem()
        self._show_preview([] if problems else self._preview(self.steps()), bool(problems))

    def _show_preview(self, rows: list[PreviewRow], stale: bool) -> None:
        self.preview_table.setRowCount(len(rows) if rows else 1)
        if not rows:
            note = "Fix the step settings to see the result." if stale else "No sample records have been read yet."
            self.preview_table.setSpan(0, 0, 1, 3)
            item = QTableWidgetItem(note)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.preview_table.setItem(0, 0, item)
            return
        self.preview_table.clearSpans()
        classes = self._privacy(self.steps()) if self._privacy else (None, None, None)
        for r, (record, source_value, value, error) in enumerate(rows):
            shown = [record, source_value, value]
            for c, cell in enumerate(shown):
                text = ("(blank)" if c == 1 else "—") if not cell else (mask(cell, classes[c]) if self._safe else cell)
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                if c == 2 and error:
                    item.setBackground(ERROR_BACKGROUND)
                    item.setToolTip(error)
                self.preview_table.setItem(r, c, item)

    def preview_values(self) -> list[str]:
        """The "Value sent" column as shown (for tests and the screen reader's summary)."""
        rows = self.preview_table.rowCount()
        return [cell.text() for r in range(rows) if (cell := self.preview_table.item(r, 2)) is not None]
