"""The credentials form, generated from the vendor's field spec (as Airbyte and Meltano build
forms from a connector spec): connection fields, then one panel per key set the profile asks
for. Each value is checked for format as it is typed; a wrong value says what a right one
looks like. Secrets are masked, revealable, copyable unrevealed, and stored only in the
credential store through the session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mis_wizard.ui.mnemonics import Mnemonics
from mis_wizard.ui.pages.base import Page, PageStatus, card, clear_layout, muted
from mis_wizard.ui.widgets.secret_edit import SecretLineEdit, SecretTextEdit
from mis_wizard.vendors.base import Field, FieldKind, KeySet, form_results
from mis_wizard.vendors.privacy import PrivacyClass
from mis_wizard.wizard.privacy import field_class

log = logging.getLogger(__name__)
SAVE_DELAY_MS = 300
"""Typing is saved after this pause (and at once when the field is left), not per keystroke,
so the credential store is not rewritten for every character of a secret."""

FieldKey = tuple[str | None, str]


def describe_details(details: Mapping[str, Any]) -> list[str]:
    """KeySet.details as lines for the admin, e.g. ``Batch methods: Students, Contacts``."""
    lines = []
    for name, value in details.items():
        shown = ", ".join(str(v) for v in value) if isinstance(value, list | tuple | set | frozenset) else str(value)
        lines.append(f"{name.replace('_', ' ').capitalize()}: {shown}")
    return lines


class FieldInput:
    """One generated input: the widget, how to read and write it, and its error line."""

    def __init__(self, key_set: str | None, spec_field: Field, widget: QWidget, error: QLabel,
                 read: Callable[[], str], write: Callable[[str], None]) -> None:
        self.key_set = key_set
        self.field = spec_field
        self.widget = widget
        self.error = error
        self.read = read
        self.write = write
        self.timer = QTimer(widget)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SAVE_DELAY_MS)

    def show_problem(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))
        target = self.widget.focusProxy() or self.widget
        target.setProperty("invalid", bool(message))
        target.style().polish(target)


class CredentialsPage(Page):
    page_id = "credentials"
    title = "Enter the keys"
    help_text = ("Copy each value from your system's admin screens into the matching box. Secret values are "
                 "hidden; the eye button shows one (not while screen-share safe mode is on) and the copy button "
                 "copies it without showing it. Values are saved as you type; secrets go to this computer's "
                 "credential store, never into a file.")

    def __init__(self, ctx, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx, parent)
        self.demo_row = QWidget()
        demo_layout = QHBoxLayout(self.demo_row)
        demo_layout.setContentsMargins(0, 0, 0, 0)
        self.demo_button = QPushButton("Fill &demo credentials")
        self.demo_button.setAccessibleName("Fill demo credentials")
        self.demo_button.setAutoDefault(True)
        self.demo_button.clicked.connect(self.fill_demo)
        demo_layout.addWidget(self.demo_button)
        demo_layout.addWidget(muted("Demo mode: fills in working keys for the built-in practice server."), 1)
        self.body.addWidget(self.demo_row)
        self.form_holder = QWidget()
        self.form_layout = QVBoxLayout(self.form_holder)
        self.form_layout.setContentsMargins(0, 0, 0, 0)
        self.form_layout.setSpacing(14)
        self.body.addWidget(self.form_holder)
        self.body.addStretch(1)
        self.inputs: dict[FieldKey, FieldInput] = {}
        self._built_for: tuple[str, tuple[str, ...]] | None = None

    # building -------------------------------------------------------------------------------

    def key_sets(self) -> tuple[KeySet, ...]:
        spec = self.ctx.spec
        return spec.key_sets(self.ctx.requirements()) if spec is not None else ()

    def enter(self) -> None:
        spec = self.ctx.spec
        if spec is None:
            return
        key_sets = self.key_sets()
        signature = (spec.id, tuple(ks.id for ks in key_sets))
        if self._built_for != signature:
            self._build(spec.fields, key_sets)
            self._built_for = signature
        self._load_values()
        self.demo_row.setVisible(self.ctx.demo_credentials() is not None)
        self.set_screen_safe(self.ctx.screen_safe)
        first = next(iter(self.inputs.values()), None)
        if first is not None:
            first.widget.setFocus()

    def _build(self, connection: tuple[Field, ...], key_sets: tuple[KeySet, ...]) -> None:
        for item in list(self.inputs.values()):
            item.timer.stop()
        clear_layout(self.form_layout)
        self.inputs.clear()
        mnemonics = Mnemonics(frozenset("bnhsd"))
        if connection:
            frame, layout = card("Connection")
            layout.addLayout(self._form(None, connection, mnemonics))
            self.form_layout.addWidget(frame)
        for ks in key_sets:
            title = ks.label if ks.required else f"{ks.label}  (optional)"
            frame, layout = card(title)
            for text in (ks.purpose, ks.help, *describe_details(ks.details)):
                if text:
                    layout.addWidget(muted(text))
            layout.addLayout(self._form(ks.id, ks.fields, mnemonics))
            self.form_layout.addWidget(frame)

    def _form(self, key_set: str | None, fields: tuple[Field, ...], mnemonics: Mnemonics) -> QFormLayout:
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(6)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for f in fields:
            item = self._input(key_set, f)
            label = QLabel(mnemonics.label(f.label) + ("" if f.required else "  (optional)"))
            label.setBuddy(item.widget.focusProxy() or item.widget)
            label.setMinimumWidth(150)
            label.setWordWrap(True)
            column = QWidget()
            col = QVBoxLayout(column)
            col.setContentsMargins(0, 0, 0, 4)
            col.setSpacing(2)
            col.addWidget(item.widget)
            col.addWidget(item.error)
            if f.help:
                col.addWidget(muted(f.help, "Hint"))
            form.addRow(label, column)
            self.inputs[(key_set, f.id)] = item
        return form

    def _input(self, key_set: str | None, f: Field) -> FieldInput:
        name = f.label
        error = muted("", "FieldError")
        error.hide()
        if f.kind is FieldKind.SECRET or (  # a field the integrator's profile says to keep secret on screen
                not f.secret and field_class(f, self.ctx.requirements(), key_set) is PrivacyClass.SECRET):
            secret = SecretLineEdit(name)
            item = FieldInput(key_set, f, secret, error, secret.value, secret.set_value)
            secret.changed.connect(lambda _t, item=item: self._edited(item))
            secret.committed.connect(lambda item=item: self._save(item))
        elif f.kind is FieldKind.MULTILINE_SECRET:
            block = SecretTextEdit(name)
            item = FieldInput(key_set, f, block, error, block.value, block.set_value)
            block.changed.connect(lambda _t, item=item: self._edited(item))
            block.committed.connect(lambda item=item: self._save(item))
        elif f.kind is FieldKind.CHOICE:
            combo = QComboBox()
            combo.addItems(list(f.choices))
            combo.setAccessibleName(name)

            def write(value: str, combo: QComboBox = combo) -> None:
                combo.blockSignals(True)
                combo.setCurrentIndex(max(0, combo.findText(value)))
                combo.blockSignals(False)

            item = FieldInput(key_set, f, combo, error, combo.currentText, write)
            combo.currentTextChanged.connect(lambda _t, item=item: self._save(item))
        else:
            edit = QLineEdit()
            edit.setAccessibleName(name)
            if f.example:
                edit.setPlaceholderText(f"e.g. {f.example}")

            def write_text(value: str, edit: QLineEdit = edit) -> None:
                edit.blockSignals(True)
                edit.setText(value)
                edit.setCursorPosition(0)
                edit.blockSignals(False)

            item = FieldInput(key_set, f, edit, error, edit.text, write_text)
            edit.textChanged.connect(lambda _t, item=item: self._edited(item))
            edit.editingFinished.connect(lambda item=item: self._save(item))
        item.widget.setToolTip(f.format_hint or f.help)
        item.timer.timeout.connect(lambda item=item: self._save(item))
        return item

    # values ---------------------------------------------------------------------------------

    def _load_values(self) -> None:
        session = self.ctx.session
        if session is None:
            return
        for (key_set, field_id), item in self.inputs.items():
            value = session.get_value(key_set, field_id, self.ctx.secrets)
            if not value and item.field.default:
                value = item.field.default
                session.set_value(key_set, field_id, value, secret=item.field.secret, secrets=self.ctx.secrets)
            item.write(value)
            item.show_problem(item.field.validate(value) if value.strip() else "")
        self.ctx.save()

    def _edited(self, item: FieldInput) -> None:
        """Say at once whether the format is right; save after a short pause."""
        value = item.read()
        item.show_problem(item.field.validate(value) if value.strip() else "")
        item.timer.start()

    def _save(self, item: FieldInput) -> None:
        item.timer.stop()
        session = self.ctx.session
        if session is None:
            return
        value = item.read()
        if item.field.secret:
            value = value.strip()
        if session.get_value(item.key_set, item.field.id, self.ctx.secrets) == value:
            return
        session.set_value(item.key_set, item.field.id, value, secret=item.field.secret, secrets=self.ctx.secrets)
        log.info("credential field %s.%s changed", item.key_set or "connection", item.field.id)
        item.show_problem(item.field.validate(value) if value.strip() else "")
        self.ctx.save()
        self.state_changed.emit()

    def flush(self) -> None:
        for item in self.inputs.values():
            if item.timer.isActive():
                self._save(item)

    def leave(self) -> None:
        self.flush()

    def fill_demo(self) -> None:
        """Take the demo sandbox's working credentials for this system, secrets via the store."""
        credentials = self.ctx.demo_credentials()
        spec = self.ctx.spec
        session = self.ctx.session
        if credentials is None or spec is None or session is None:
            return
        for key_set, f in spec.all_fields(self.ctx.requirements()):
            source = credentials if key_set is None else credentials.get(key_set, {})
            if isinstance(source, dict) and f.id in source:
                session.set_value(key_set, f.id, str(source[f.id] or ""), secret=f.secret, secrets=self.ctx.secrets)
        log.info("demo credentials filled for %s", spec.id)
        self.ctx.save()
        self._load_values()
        self.state_changed.emit()

    # state ----------------------------------------------------------------------------------

    def problems(self) -> list[str]:
        spec = self.ctx.spec
        session = self.ctx.session
        if spec is None or session is None:
            return []
        return [r.message for r in form_results(spec, session.resolved_credentials(self.ctx.secrets),
                                                self.ctx.requirements())]

    def status(self) -> PageStatus:
        session = self.ctx.session
        if session is None or self.ctx.spec is None:
            return PageStatus.TODO
        if not self.problems():
            return PageStatus.DONE
        entered = any(session.get_value(ks, f.id, self.ctx.secrets) and not f.default
                      for ks, f in self.ctx.spec.all_fields(self.ctx.requirements()))
        return PageStatus.ATTENTION if entered else PageStatus.TODO

    def set_screen_safe(self, on: bool) -> None:
        for item in self.inputs.values():
            if isinstance(item.widget, SecretLineEdit | SecretTextEdit):
                item.widget.set_screen_safe(on)

