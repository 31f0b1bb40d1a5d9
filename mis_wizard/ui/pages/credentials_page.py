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
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from mis_wizard.ui.mnemonics import Mnemonics
from mis_wizard.ui.pages.base import (
    Page,
    PageStatus,
    card,
    clear_layout,
    holder,
    muted,
    push_button,
    show_field_problem,
)
from mis_wizard.ui.widgets.secret_edit import SecretLineEdit, SecretTextEdit
from mis_wizard.vendors.base import Field, FieldKind, KeySet, form_problems, form_results
from mis_wizard.vendors.privacy import PrivacyClass
from mis_wizard.wizard import checks
from mis_wizard.wizard.privacy import field_class

log = logging.getLogger(__name__)
SAVE_DELAY_MS = 300
"""Typing is saved after this pause (and at once when the field is left), not per keystroke,
so the credential store is not rewritten for every character of a secret."""

FieldKey = tuple[str | None, str]


DETAIL_WORDS: dict[str, str | None] = {
    "method_labels": "Batch methods to tick",
    "permissions": "Security Role permissions it needs",
    "version": "API version",
    "grants": "Access to grant",
    "areas": "Areas",
    "optional fields": "Optional fields to switch on",
    "endpoints": "OneRoster data it reads",
    "objects": "Objects the Integration Access must read",
    "registers": "Registers",
    "write": "The integrator also sends changes back, so this needs write access as well as read.",
    "writes": "The integrator also sends changes back, so this needs write access as well as read.",
    "module": None,
    "methods": None,
    "resources": None,
}
"""How each KeySet.details fact is said; None for facts that are the system's own ids, already
said in words by another fact or the key set's purpose (TASS method names, PowerSchool resource ids)."""


def describe_details(details: Mapping[str, Any]) -> list[str]:
    """KeySet.details as lines for the admin, e.g. ``Batch methods to tick: Pupil Manager > Contacts``.

    No ids, field paths or True/False: a yes/no fact is said only when it is yes, as a sentence."""
    lines = []
    for name, value in details.items():
        label = DETAIL_WORDS.get(name, name.replace("_", " ").capitalize())
        if label is None or value in (None, "", [], ()):
            continue
        if isinstance(value, bool):
            if value:
                lines.append(label)
            continue
        shown = ", ".join(str(v) for v in value) if isinstance(value, list | tuple | set | frozenset) else str(value)
        lines.append(f"{label}: {shown}")
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

    def show_problem(self, message: str | None) -> None:
        """Say ``message`` under the field; None or "" says nothing is wrong (``Field.validate``'s None)."""
        show_field_problem(self.widget, self.error, message or "")


class CredentialsPage(Page):
    page_id = "credentials"
    title = "Enter the keys"
    help_text = ("Copy each value from your system's admin screens into the matching box. Secret values are "
                 "hidden; the eye button shows one (not while screen-share safe mode is on) and the copy button "
                 "copies it without showing it. Values are saved as you type; secrets go to this computer's "
                 "credential store, never into a file.")

    def __init__(self, ctx, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx, parent)
        self.gone_note = muted("", "FieldError")
        """Said when a resumed setup's keys are no longer held, so the admin knows why the boxes are empty."""
        self.gone_note.hide()
        self.body.addWidget(self.gone_note)
        self.demo_row, demo_layout = holder(QHBoxLayout())
        self.demo_button = push_button("Fill &demo credentials", self.fill_demo)
        demo_layout.addWidget(self.demo_button)
        demo_layout.addWidget(muted("Demo mode: fills in working keys for the built-in practice server."), 1)
        self.body.addWidget(self.demo_row)
        self.form_holder, self.form_layout = holder(QVBoxLayout())
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
        self._say_if_gone()
        self.demo_row.setVisible(self.ctx.demo_credentials() is not None)
        self.set_screen_safe(self.ctx.screen_safe)
        first = next(iter(self.inputs.values()), None)
        if first is not None:
            first.widget.setFocus()

    def _say_if_gone(self) -> None:
        session = self.ctx.session
        gone = session is not None and checks.check_state(session.checks, session.credentials,
                                                          self.ctx.secrets)[0] == checks.CHECK_KEYS_GONE
        self.gone_note.setText("The keys for this setup are no longer held on this computer. Enter them again "
                               "below, then run the check." if gone else "")
        self.gone_note.setVisible(gone)

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
        described = " ".join(t for t in (f.help, f"It should be {f.format_hint}." if f.format_hint else "") if t)
        for target in {item.widget, item.widget.focusProxy() or item.widget}:
            system = self.ctx.spec.name if self.ctx.spec else "your system"
            target.setAccessibleDescription(described or f"Copy it from {system}.")
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

    def hold_next(self) -> bool:
        """A required key empty or a value that cannot be right (the spec's own field rules): each
        says so under itself, and the first one gets the focus. Well-formed but wrong keys go on:
        the check finds those."""
        spec = self.ctx.spec
        session = self.ctx.session
        if spec is None or session is None:
            return False
        self.flush()
        bad = [(self.inputs[(key_set, f.id)], said)
               for key_set, f, said in form_problems(spec, session.resolved_credentials(self.ctx.secrets),
                                                     self.ctx.requirements())
               if (key_set, f.id) in self.inputs]
        for item, said in bad:
            item.show_problem(said)
        if not bad:
            return False
        first = bad[0][0]
        self.scroll_area.ensureWidgetVisible(first.widget, 0, 80)
        first.widget.setFocus()
        log.info("Next held on the keys page: %d field(s) to fix", len(bad))
        return True

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

