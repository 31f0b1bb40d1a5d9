"""The system's own admin steps as a checklist: tick as you go, copy values with one click.

Ticks are saved in ``session.steps_done`` under a key made from the step and item text, so
a profile that changes the wording starts that item unticked rather than ticking the wrong one.
"""

from __future__ import annotations

import hashlib
import html
import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QCheckBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from mis_wizard.ui import theme
from mis_wizard.ui.pages.base import Page, PageStatus, card, clear_layout, holder, muted
from mis_wizard.ui.widgets.button_label import ButtonLabel
from mis_wizard.ui.widgets.copied import flash_copied
from mis_wizard.wizard import steps as wizard_steps

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")


def item_key(step_title: str, item: str) -> str:
    return hashlib.sha1(f"{step_title}\n{item}".encode()).hexdigest()[:12]


def rich(text: str) -> str:
    """The two inline marks steps.md keeps: **bold** and `code`."""
    out = html.escape(text)
    out = _BOLD.sub(r"<b>\1</b>", out)
    return _CODE.sub(f"<code style='background:{theme.CODE_BACKGROUND};'>&nbsp;\\1&nbsp;</code>", out)


def plain(text: str) -> str:
    return _CODE.sub(r"\1", _BOLD.sub(r"\1", text))


class StepsPage(Page):
    page_id = "steps"
    title = "Steps in your system"
    help_text = ("Do these steps in your system's own admin screens, ticking each one as you finish it. "
                 "Values shown in boxes have a Copy button so you can paste them exactly. Your ticks are "
                 "saved, so you can stop and come back later.")

    def __init__(self, ctx, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx, parent)
        self.progress = muted("")
        self.body.addWidget(self.progress)
        self.holder, self.holder_layout = holder(QGridLayout())
        self.holder_layout.setVerticalSpacing(12)
        self.body.addWidget(self.holder)
        self.body.addStretch(1)
        self.boxes: dict[str, QCheckBox] = {}
        self.copy_buttons: list[tuple[str, str, QPushButton]] = []
        """(label, value, its Copy button), in page order."""
        self._built_for: tuple[str, tuple[tuple[str, str], ...]] | None = None

    def _ensure_built(self) -> None:
        spec = self.ctx.spec
        if spec is None:
            return
        values = tuple(sorted((k, str(v)) for k, v in spec.step_values(self.ctx.requirements()).items()))
        if self._built_for != (spec.id, values):
            self._build(spec.id, dict(values), spec.name)
            self._built_for = (spec.id, values)

    def enter(self) -> None:
        self._ensure_built()
        done = self.ctx.session.steps_done if self.ctx.session else {}
        for key, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(bool(done.get(key)))
            box.blockSignals(False)
        self._update_progress()

    def _clear(self) -> None:
        clear_layout(self.holder_layout)
        self.boxes.clear()
        self.copy_buttons.clear()

    def _build(self, system_id: str, values: dict[str, str], system_name: str) -> None:
        self._clear()
        try:
            steps = wizard_steps.load(system_id, values)
        except (FileNotFoundError, wizard_steps.StepsError) as exc:
            frame, layout = card("Steps not available")
            layout.addWidget(muted(f"The step-by-step guide for {system_name} is not available in this version "
                                   f"of the wizard ({exc}). Ask the integrator's support team for the setup "
                                   "guide, then go on to enter the keys."))
            self.holder_layout.addWidget(frame, 0, 0)
            return
        for number, step in enumerate(steps, start=1):
            self.holder_layout.addWidget(self._step_card(number, step), number - 1, 0)

    def _step_card(self, number: int, step: wizard_steps.Step) -> QWidget:
        frame, layout = card(f"{number}. {plain(step.title)}")
        for line in step.prose:
            text = QLabel(rich(line))
            text.setWordWrap(True)
            text.setTextFormat(Qt.TextFormat.RichText)
            text.setObjectName("Muted")
            layout.addWidget(text)
        for label, value in step.copies:
            layout.addWidget(self._copy_row(label, value))
        for item in step.items:
            key = item_key(step.title, item)
            box = QCheckBox()
            box.setAccessibleName(plain(item))
            box.toggled.connect(lambda on, key=key: self._ticked(key, on))
            row = QHBoxLayout()
            row.setSpacing(10)
            row.addWidget(box, 0, Qt.AlignmentFlag.AlignTop)
            row.addWidget(ButtonLabel(rich(item), box, rich=True, take_focus=True), 1)
            layout.addLayout(row)
            self.boxes[key] = box
        return frame

    def _copy_row(self, label: str, value: str) -> QWidget:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 2, 0, 2)
        name = QLabel(plain(label))
        name.setMinimumWidth(170)
        name.setWordWrap(True)
        shown = QLineEdit(value)
        shown.setReadOnly(True)
        shown.setAccessibleName(plain(label))
        shown.setCursorPosition(0)
        button = QPushButton(theme.icon("copy"), "Copy")
        button.setAccessibleName(f"Copy {plain(label)}")
        button.setAutoDefault(True)
        button.clicked.connect(lambda: self._copy(button, plain(label), value))
        name.setBuddy(shown)
        line.addWidget(name)
        line.addWidget(shown, 1)
        line.addWidget(button)
        self.copy_buttons.append((plain(label), value, button))
        return row

    def _copy(self, button: QPushButton, label: str, value: str) -> None:
        QGuiApplication.clipboard().setText(value)
        flash_copied(button, label)

    def _ticked(self, key: str, on: bool) -> None:
        if self.ctx.session is None:
            return
        if on:
            self.ctx.session.steps_done[key] = True
        else:
            self.ctx.session.steps_done.pop(key, None)
        self.ctx.save()
        self._update_progress()
        self.state_changed.emit()

    def _update_progress(self) -> None:
        ticked = sum(box.isChecked() for box in self.boxes.values())
        total = len(self.boxes)
        self.progress.setText(f"{ticked} of {total} items ticked." if total else "")

    def status(self) -> PageStatus:
        self._ensure_built()
        if not self.boxes or self.ctx.session is None:
            return PageStatus.TODO
        done = sum(bool(self.ctx.session.steps_done.get(k)) for k in self.boxes)
        if done == len(self.boxes):
            return PageStatus.DONE
        return PageStatus.ATTENTION if done else PageStatus.TODO
