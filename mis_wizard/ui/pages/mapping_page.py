"""The mapping page: each target field with its rule, picked from lists, and the mapped value
of the sample records beside it, so the admin sees the effect of every change at once.

Rules are chosen with combo boxes only (kind, source, transformation, match-code table), never
typed as expressions; any chain of the registry's transforms is built in the Transformation editor
opened from the How picker. The page holds no session: it takes targets, the saved mapping and sample
records through ``set_data`` and emits ``mapping_changed`` with the whole mapping to save.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mis_wizard.ui.pages.base import records_choice
from mis_wizard.ui.preview_model import ERROR_BACKGROUND, mask, source_said
from mis_wizard.ui.theme import restyle
from mis_wizard.ui.widgets.transform_editor import PreviewRow, TransformEditor, describe_chain
from mis_wizard.vendors.privacy import PrivacyClass
from mis_wizard.wizard import words
from mis_wizard.wizard.mapping.canonical import Record, concepts_of, text
from mis_wizard.wizard.mapping.mapper import Mapper, effective_rules
from mis_wizard.wizard.mapping.rules import Rule, RuleKind
from mis_wizard.wizard.mapping.schema import Target
from mis_wizard.wizard.privacy import concept_class, id_class, rule_class, shown, target_classes

PRESETS: tuple[tuple[str, list[dict[str, Any]]], ...] = (
    ("Date to YYYY-MM-DD (from DD/MM/YYYY)", [{"name": "date", "params": {"order": "DMY"}}]),
    ("Date to YYYY-MM-DD (from US MM/DD/YYYY)", [{"name": "date", "params": {"order": "MDY"}}]),
    ("Trim spaces", [{"name": "trim"}]),
    ("UPPER CASE", [{"name": "case", "params": {"to": "upper"}}]),
    ("lower case", [{"name": "case", "params": {"to": "lower"}}]),
    ("Title Case", [{"name": "case", "params": {"to": "title"}}]),
    ("First person of a combined name", [{"name": "split_name", "params": {"person": "first"}}]),
    ("Second person of a combined name", [{"name": "split_name", "params": {"person": "second"}}]),
    ("Given name from a full name", [{"name": "split_name", "params": {"part": "given"}}]),
    ("Family name from a full name", [{"name": "split_name", "params": {"part": "family"}}]),
    ("Today", [{"name": "today"}]),
    ("School year (2026)", [{"name": "school_year"}]),
    ("School year span, August start (2026-2027)", [{"name": "school_year", "params": {"format": "span",
                                                                                        "start_month": 8}}]),
)
"""Transformations offered in the picker; any other chain shows as its steps, and "Edit the steps…" opens
the Transformation editor."""
EDIT = "edit"
"""The How picker's entry that opens the Transformation editor."""

KINDS = (RuleKind.DIRECT, RuleKind.TRANSFORM, RuleKind.MATCH, RuleKind.SKIP)
COL_FIELD, COL_KIND, COL_SOURCE, COL_HOW, COL_OVERWRITE, COL_SAMPLES = range(6)
MAX_WIDTH = {COL_FIELD: 200, COL_KIND: 140, COL_SOURCE: 200, COL_HOW: 210, COL_OVERWRITE: 80}
MAX_SAMPLE_WIDTH = 180
"""Long field names, sources and values are cut short (whole in the tooltip), so the rules stay in view."""


class MatchCodesDialog(QDialog):
    """A value table: each source value seen, with the target code picked for it. The values are
    shown as the rule's privacy class lets the screen show them (wizard/privacy.shown): in
    screen-share safe mode a personal value (a name matched to a code) shows only its shape."""

    def __init__(self, field: str, rule: Rule, seen: Sequence[str], codes: Sequence[str],
                 parent: QWidget | None = None, *, privacy: PrivacyClass | None = None, safe: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Match codes for {field}")
        layout = QVBoxLayout(self)
        values = sorted(set(rule.table) | {s for s in seen if s})
        choices = sorted(set(codes) | set(rule.table.values()) | ({rule.default} if rule.default else set()))
        self.table = QTableWidget(len(values), 2, self)
        self.table.setHorizontalHeaderLabels(["Value in your system", "Value sent"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self._combos: list[tuple[str, QComboBox]] = []
        for row, value in enumerate(values):
            self.table.setItem(row, 0, QTableWidgetItem(shown(value, privacy, safe)))
            combo = self._combo(choices, rule.table.get(value, ""))
            self.table.setCellWidget(row, 1, combo)
            self._combos.append((value, combo))
        layout.addWidget(self.table)
        line = QHBoxLayout()
        line.addWidget(QLabel("Any other value:"))
        self.default = self._combo(choices, rule.default or "", none_label="(report it as an error)")
        line.addWidget(self.default, 1)
        layout.addLayout(line)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(520, 420)

    @staticmethod
    def _combo(choices: Sequence[str], current: str, none_label: str = "(not matched)") -> QComboBox:
        combo = QComboBox()
        combo.addItem(none_label, None)
        for c in choices:
            combo.addItem(c, c)
        combo.setCurrentIndex(max(0, combo.findData(current)) if current else 0)
        return combo

    def rule(self, source: str | None, overwrite: bool) -> Rule:
        table = {v: c.currentData() for v, c in self._combos if c.currentData() is not None}
        return Rule(RuleKind.MATCH, source, table=table, default=self.default.currentData(), overwrite=overwrite)


class MappingPage(QWidget):
    mapping_changed = Signal(dict)
    """The whole mapping ``{target: {field: rule JSON}}``, after every edit, for Session.mapping."""
    export_requested = Signal(str)
    """The admin asked for the field codes of this entity."""
    reload_requested = Signal()
    """The admin asked to read the sample records again."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._targets: dict[str, Target] = {}
        self._mapping: dict[str, dict[str, Any]] = {}
        self._samples: dict[str, list[Record]] = {}
        self._sources: dict[str, list[str]] = {}
        self.system_name = ""
        """The school's system, naming its own fields in the "From" lists."""
        self._notes: dict[str, tuple[str, bool]] = {}
        self._safe = False
        self._filling = False
        self.transform_dialog: TransformEditor | None = None
        """The Transformation editor while it is open."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.target_combo = records_choice(top, "Records to map")
        self.target_combo.currentIndexChanged.connect(lambda _i: self._fill())
        top.addStretch(1)
        self.reload_button = QPushButton("Read the samples again")
        self.reload_button.clicked.connect(self.reload_requested)
        top.addWidget(self.reload_button)
        self.export_button = QPushButton("Export field codes…")
        self.export_button.setToolTip("Save every field of these records with its distinct values as a CSV file, "
                                      "to help fill in match codes.")
        self.export_button.clicked.connect(
            lambda: self.export_requested.emit(self.target.entity if self.target else ""))
        top.addWidget(self.export_button)
        self.reset_button = QPushButton("Reset to the integrator's defaults")
        self.reset_button.clicked.connect(self._reset_target)
        top.addWidget(self.reset_button)
        layout.addLayout(top)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note.hide()
        layout.addWidget(self.note)
        self.table = QTableWidget(0, COL_SAMPLES, self)
        self.table.setAccessibleName("Target fields with their rules and sample values")
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)

    # data in ---------------------------------------------------------------------------------
    def set_data(self, targets: Mapping[str, Target], mapping: Mapping[str, Any] | None,
                 samples: Mapping[str, Sequence[Record]] | None = None,
                 sources: Mapping[str, Sequence[str]] | None = None) -> None:
        """``samples``: canonical sample records per entity; ``sources``: extra raw fields per entity."""
        self._targets = dict(targets)
        self._mapping = copy.deepcopy(dict(mapping or {}))
        self._samples = {k: list(v)[:5] for k, v in (samples or {}).items()}
        self._sources = {k: list(v) for k, v in (sources or {}).items()}
        self.target_combo.blockSignals(True)
        self.target_combo.clear()
        for name, t in self._targets.items():
            self.target_combo.addItem(t.label or name, name)
        self.target_combo.blockSignals(False)
        self._fill()

    def set_samples(self, entity: str, records: Sequence[Record]) -> None:
        """Sample records of one entity, as they arrive from the system."""
        self._samples[entity] = list(records)[:5]
        if self.target is not None and self.target.entity == entity:
            self._fill()

    def set_note(self, entity: str, text: str, error: bool = False) -> None:
        """Said above the grid while that entity's records are shown ("" clears it)."""
        self._notes[entity] = (text, error)
        self._show_note()

    def set_screen_share_safe(self, safe: bool) -> None:
        self._safe = safe
        self._fill()

    def mapping(self) -> dict[str, Any]:
        return copy.deepcopy(self._mapping)

    @property
    def target(self) -> Target | None:
        return self._targets.get(self.target_combo.currentData())

    # building the grid -----------------------------------------------------------------------
    def _fill(self) -> None:
        target = self.target
        self._show_note()
        self._filling = True
        self.table.clearContents()
        if target is None:
            self.table.setRowCount(0)
            self._filling = False
            return
        samples = self._samples.get(target.entity, [])
        headers = ["Field", "Mapping", "From", "How", "Overwrite"] + [
            f"Sample {i + 1}" for i in range(len(samples))]
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(target.fields))
        rules = effective_rules(target, self._mapping)
        mapper = Mapper(target, rules)
        mapped = [mapper.map(r) for r in samples]
        classes = target_classes(target, rules)
        options = concepts_of(target.entity) + self._sources.get(target.entity, [])
        for row, f in enumerate(target.fields):
            rule = rules[f.name]
            label = words.field_label(f.name, f.label) + (" *" if f.required else "")
            item = QTableWidgetItem(label)
            item.setToolTip(f.name + (f" ({f.label})" if f.label else "") + f": {f.format}"
                            + (", required" if f.required else ""))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.table.setItem(row, COL_FIELD, item)
            self.table.setCellWidget(row, COL_KIND, self._kind_combo(f.name, rule))
            self.table.setCellWidget(row, COL_SOURCE, self._source_combo(f.name, rule, options))
            self.table.setCellWidget(row, COL_HOW, self._how_widget(f.name, rule, samples, mapper, f.values))
            box = QCheckBox()
            box.setAccessibleName(f"Overwrite {f.name} when blank")
            box.setChecked(rule.overwrite)
            box.setToolTip("Checked: a blank value clears the integrator's copy. Unchecked: it keeps what it has.")
            box.toggled.connect(lambda on, name=f.name: self._edit(name, overwrite=on))
            self.table.setCellWidget(row, COL_OVERWRITE, box)
            for i, record in enumerate(mapped):
                cell = record.cells[row]
                said = "—" if cell.value is None else (mask(cell.value, classes[f.name]) if self._safe else cell.value)
                value = QTableWidgetItem(said)
                value.setFlags(Qt.ItemFlag.ItemIsEnabled)
                if cell.error:
                    value.setBackground(ERROR_BACKGROUND)
                    value.setToolTip(f"{words.field_label(f.name, f.label)} {cell.error}")
                elif cell.source:
                    value.setToolTip(f"From {words.source_label(cell.source, self.system_name)}"
                                     + source_said(cell.source, cell.source_value, self._safe))
                self.table.setItem(row, COL_SAMPLES + i, value)
        header = self.table.horizontalHeader()
        for col in range(self.table.columnCount()):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            self.table.resizeColumnToContents(col)
            widest = MAX_WIDTH.get(col, MAX_SAMPLE_WIDTH)
            if self.table.columnWidth(col) > widest:
                self.table.setColumnWidth(col, widest)
        self._filling = False

    def _show_note(self) -> None:
        text, error = self._notes.get(self.target.entity, ("", False)) if self.target else ("", False)
        self.note.setText(text)
        restyle(self.note, "FieldError" if error else "Muted")
        self.note.setVisible(bool(text))

    def _kind_combo(self, name: str, rule: Rule) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(f"Mapping of {name}")
        for kind in KINDS:
            combo.addItem(kind.label, kind.value)
        combo.setCurrentIndex(combo.findData(rule.kind.value))
        combo.currentIndexChanged.connect(lambda _i, c=combo, n=name: self._edit(n, kind=c.currentData()))
        return combo

    def _source_combo(self, name: str, rule: Rule, options: list[str]) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(f"{name} comes from")
        combo.addItem("(none)", None)
        for o in options:
            combo.addItem(words.source_label(o, self.system_name), o)
        if rule.source and combo.findData(rule.source) < 0:
            combo.addItem(words.source_label(rule.source, self.system_name), rule.source)
        combo.setCurrentIndex(max(0, combo.findData(rule.source)) if rule.source else 0)
        combo.setEnabled(rule.kind is not RuleKind.SKIP)
        combo.currentIndexChanged.connect(lambda _i, c=combo, n=name: self._edit(n, source=c.currentData()))
        return combo

    def _how_widget(self, name: str, rule: Rule, samples: list[Record], mapper: Mapper,
                    codes: Sequence[str]) -> QWidget:
        if rule.kind is RuleKind.MATCH:
            unmatched = len(mapper.unmatched.get(name, {}))
            button = QPushButton(words.plural(len(rule.table), "code")
                                 + (f", {unmatched:,} unmatched" if unmatched else "") + "…")
            seen = [text(r.get(rule.source or "")) for r in samples] + list(mapper.unmatched.get(name, {}))
            button.clicked.connect(lambda _c=False, n=name, s=seen, v=codes: self._edit_codes(n, s, v))
            return button
        combo = QComboBox()
        combo.setAccessibleName(f"How {name} is made")
        if rule.kind is not RuleKind.TRANSFORM:
            combo.addItem("as it is", None)
            combo.setEnabled(False)
            return combo
        steps = [dict(s) for s in rule.steps]
        labels = [label for label, preset in PRESETS if preset == steps]
        if not labels:
            combo.addItem(describe_chain(steps), steps)
        for label, preset in PRESETS:
            combo.addItem(label, preset)
        combo.insertSeparator(combo.count())
        combo.addItem("Edit the steps…", EDIT)
        combo.setCurrentIndex(combo.findText(labels[0]) if labels else 0)
        combo.setToolTip(describe_chain(steps) + "\nPick “Edit the steps…” to change any step.")
        combo.currentIndexChanged.connect(lambda _i, c=combo, n=name: self._how_picked(n, c.currentData()))
        return combo

    def _how_picked(self, name: str, choice: Any) -> None:
        if choice == EDIT:
            self.edit_transform(name)
        else:
            self._edit(name, steps=choice)

    def edit_transform(self, name: str) -> None:
        """Open the Transformation editor on ``name``'s chain; OK saves it like any other edit."""
        target = self.target
        if self._filling or target is None:
            return
        rule = effective_rules(target, self._mapping)[name]
        row = [f.name for f in target.fields].index(name)
        samples = self._samples.get(target.entity, [])

        def preview(steps: list[dict[str, Any]]) -> list[PreviewRow]:
            rules = effective_rules(target, self._mapping)
            rules[name] = Rule(RuleKind.TRANSFORM, rule.source, tuple(steps), overwrite=rule.overwrite)
            mapper = Mapper(target, rules)
            mapped = [mapper.map(r) for r in samples]
            return [(m.id, m.cells[row].source_value, m.cells[row].value, m.cells[row].error) for m in mapped]

        options = concepts_of(target.entity) + self._sources.get(target.entity, [])
        def privacy(steps: list[dict[str, Any]]) -> tuple[PrivacyClass | None, PrivacyClass | None,
                                                          PrivacyClass | None]:
            edited = Rule(RuleKind.TRANSFORM, rule.source, tuple(steps))
            return id_class(target.entity), concept_class(rule.source), rule_class(edited)

        dialog = TransformEditor(words.field_label(name, target.field(name).label), rule.source, rule.steps, options,
                                 preview, self._safe, self, privacy=privacy)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._edit(name, steps=dialog.steps()))
        dialog.finished.connect(lambda _r: self._editor_closed())
        self.transform_dialog = dialog
        dialog.open()

    def _editor_closed(self) -> None:
        """Cancel leaves the rule as it was; the picker shows it again instead of "Edit the steps…"."""
        self.transform_dialog = None
        self._fill()

    # edits -----------------------------------------------------------------------------------
    def _edit(self, name: str, **change: Any) -> None:
        if self._filling or self.target is None:
            return
        target = self.target
        rule = effective_rules(target, self._mapping)[name]
        data = rule.to_json()
        data.update({k: v for k, v in change.items() if k != "steps"})
        if data.get("source") is None:
            data.pop("source", None)
        if "steps" in change:
            data["steps"] = change["steps"]
        if change.get("kind") == RuleKind.TRANSFORM and "steps" not in data:
            data["steps"] = PRESETS[2][1]
        if change.get("kind") == RuleKind.MATCH:
            data.setdefault("table", {})
        if data.get("kind") in (RuleKind.DIRECT, RuleKind.MATCH) and not data.get("source"):
            data["source"] = target.field(name).concept or concepts_of(target.entity)[0]
        keep = {"kind", "source", "overwrite"} | {RuleKind.TRANSFORM: {"steps"},
                                                  RuleKind.MATCH: {"table", "default"}}.get(data["kind"], set())
        data = Rule.from_json({k: v for k, v in data.items() if k in keep}).to_json()
        self._mapping.setdefault(target.name, {})[name] = data
        self.mapping_changed.emit(self.mapping())
        self._fill()

    def _edit_codes(self, name: str, seen: Sequence[str], codes: Sequence[str]) -> None:
        target = self.target
        if target is None:
            return
        rule = effective_rules(target, self._mapping)[name]
        dialog = MatchCodesDialog(name, rule, seen, codes, self, privacy=rule_class(rule), safe=self._safe)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._mapping.setdefault(target.name, {})[name] = dialog.rule(rule.source, rule.overwrite).to_json()
            self.mapping_changed.emit(self.mapping())
            self._fill()

    def _reset_target(self) -> None:
        target = self.target
        if target is not None and self._mapping.pop(target.name, None) is not None:
            self.mapping_changed.emit(self.mapping())
            self._fill()
