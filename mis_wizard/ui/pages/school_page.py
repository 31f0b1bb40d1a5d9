"""The school and the person running the setup: shown to the integrator with the handoff."""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from mis_wizard.ui.pages.base import Page, PageStatus, card, muted, show_field_problem
from mis_wizard.ui.widgets.secret_edit import ShapedLineEdit
from mis_wizard.vendors.privacy import PrivacyClass

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class SchoolField:
    id: str
    label: str
    """With a mnemonic (&)."""
    required: bool
    personal: bool
    placeholder: str = ""

    @property
    def privacy(self) -> PrivacyClass:
        """The admin's own name and e-mail are personal; the school's name and codes configuration."""
        return PrivacyClass.PERSONAL if self.personal else PrivacyClass.CONFIGURATION


FIELDS = (
    SchoolField("name", "&School name", True, False, "e.g. Riverside Secondary College"),
    SchoolField("code", "School &code", False, False, "The code your education department uses (optional)"),
    SchoolField("campus", "C&ampus", False, False, "Only if your school has several campuses"),
    SchoolField("contact_name", "&Your name", True, True, "Who the integrator contacts about this setup"),
    SchoolField("contact_email", "Your &e-mail", True, True, "name@school.example"),
)


def problem(field: SchoolField, value: str) -> str:
    plain = field.label.replace("&", "")
    if not value.strip():
        return f"{plain} is needed." if field.required else ""
    if field.id == "contact_email" and not _EMAIL.match(value.strip()):
        return "That does not look like an e-mail address; it should look like name@school.example."
    return ""


class SchoolPage(Page):
    page_id = "school"
    title = "School details"
    intro = "Tell the integrator which school this is and who to contact about the setup."
    help_text = ("The school name and your contact details travel with the keys, so the integrator knows "
                 "which school the keys belong to and whom to ask. Personal details are hidden on screen "
                 "while screen-share safe mode is on.")

    def __init__(self, ctx, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx, parent)
        frame, layout = card()
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(6)
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        for f in FIELDS:
            edit = ShapedLineEdit(f.privacy) if f.personal else QLineEdit()
            edit.setAccessibleName(f.label.replace("&", ""))
            edit.setPlaceholderText(f.placeholder)
            edit.setAccessibleDescription(("Needed. " if f.required else "Optional. ") + f.placeholder)
            edit.setMaxLength(200)
            changed = edit.value_changed if isinstance(edit, ShapedLineEdit) else edit.textChanged
            changed.connect(lambda text, f=f: self._changed(f, text))
            label = QLabel(f.label + ("" if f.required else "  (optional)"))
            label.setBuddy(edit)
            error = muted("", "FieldError")
            error.hide()
            holder = QWidget()
            column = QVBoxLayout(holder)
            column.setContentsMargins(0, 0, 0, 4)
            column.setSpacing(2)
            column.addWidget(edit)
            column.addWidget(error)
            form.addRow(label, holder)
            self.edits[f.id] = edit
            self.errors[f.id] = error
        layout.addLayout(form)
        self.body.addWidget(frame)
        self.body.addStretch(1)

    def enter(self) -> None:
        school = self.ctx.session.school if self.ctx.session else {}
        for f in FIELDS:
            edit = self.edits[f.id]
            edit.blockSignals(True)
            edit.setText(school.get(f.id, ""))
            edit.blockSignals(False)
            self._show_problem(f, edit.text(), quiet_if_empty=True)
        self.set_screen_safe(self.ctx.screen_safe)
        self.edits["name"].setFocus()

    def _changed(self, f: SchoolField, text: str) -> None:
        if self.ctx.session is None:
            return
        self.ctx.session.school[f.id] = text.strip()
        self.ctx.save()
        self._show_problem(f, text, quiet_if_empty=False)
        self.state_changed.emit()

    def _show_problem(self, f: SchoolField, text: str, *, quiet_if_empty: bool) -> None:
        message = "" if quiet_if_empty and not text.strip() else problem(f, text)
        show_field_problem(self.edits[f.id], self.errors[f.id], message)

    def _problems(self) -> list[tuple[SchoolField, str]]:
        school = self.ctx.session.school if self.ctx.session else {}
        found = [(f, problem(f, school.get(f.id, ""))) for f in FIELDS]
        return [(f, said) for f, said in found if said]

    def unmet(self) -> str:
        return "fill in the school details first" if self._problems() else ""

    def hold_next(self) -> bool:
        """Each field still needed says so below itself, and the first one gets the focus."""
        problems = self._problems()
        for f, _said in problems:
            self._show_problem(f, self.edits[f.id].text(), quiet_if_empty=False)
        if problems:
            self.edits[problems[0][0].id].setFocus()
        return bool(problems)

    def set_screen_safe(self, on: bool) -> None:
        """Personal details show only their shape when someone may be watching, also while typed."""
        for edit in self.edits.values():
            if isinstance(edit, ShapedLineEdit):
                edit.set_screen_safe(on)

    def status(self) -> PageStatus:
        school = self.ctx.session.school if self.ctx.session else {}
        problems = [problem(f, school.get(f.id, "")) for f in FIELDS]
        if not any(problems):
            return PageStatus.DONE
        return PageStatus.ATTENTION if any(school.get(f.id) for f in FIELDS) else PageStatus.TODO
