"""What a wizard page is to the main window: a title, a status for the side list, help text,
and hooks for being shown and left. Pages read and change ``ctx.session`` and call
``ctx.save()``; they never touch files or the network on the GUI thread.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QFrame,
    QLabel,
    QLayout,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from mis_wizard.ui.context import WizardContext

if TYPE_CHECKING:
    from mis_wizard.wizard.subject import Subject


class PageStatus(enum.StrEnum):
    TODO = "todo"
    DONE = "done"
    ATTENTION = "attention"


class Page(QWidget):
    page_id = ""
    title = ""
    """Shown in the side list and as the page heading."""
    intro = ""
    help_text = ""
    needs_session = True
    """Pages after the welcome page only make sense once a session is open."""
    needs_system = True

    state_changed = Signal()
    """Something that changes this page's status or whether Next is allowed."""
    advance = Signal()
    """The page asks to go on (e.g. the admin picked a session to resume)."""
    open_page = Signal(str)
    """The page asks the window to show another page, by its id (e.g. Start another setup)."""

    def __init__(self, ctx: WizardContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        ctx.session_opened.connect(self.session_opened)
        ctx.session_opened.connect(self._to_top)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(self)
        scroll.setObjectName("PageScroll")  # app.qss: no Tab stop; scrolls sideways only when the window is too narrow
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(scroll)
        self.scroll_area = scroll
        inner = QWidget()
        inner.setObjectName("Canvas")
        scroll.setWidget(inner)
        self.body = QVBoxLayout(inner)
        self.body.setContentsMargins(32, 24, 32, 24)
        self.body.setSpacing(14)
        heading = QLabel(self.title)
        heading.setObjectName("PageTitle")
        heading.setWordWrap(True)
        self.body.addWidget(heading)
        if self.intro:
            intro = QLabel(self.intro)
            intro.setObjectName("PageIntro")
            intro.setWordWrap(True)
            self.body.addWidget(intro)

    def enter(self) -> None:
        """Called each time the page is shown: refresh from the session."""

    def session_opened(self) -> None:
        """Another session was opened: forget every result, choice and run shown for the one
        before, and show this session's own (from the session and its own store)."""

    def _to_top(self) -> None:
        """Another setup opens at the top of every page, not where the one before was scrolled to."""
        self.scroll_area.verticalScrollBar().setValue(0)
        self.scroll_area.horizontalScrollBar().setValue(0)

    def leave(self) -> None:
        """Called before another page is shown: flush anything not yet saved."""

    def status(self) -> PageStatus:
        return PageStatus.TODO

    def status_reason(self) -> str:
        """Why the status is what it is, when that is not plain (said in the side list's tooltip)."""
        return ""

    def can_advance(self) -> bool:
        return True

    def blocked_reason(self) -> str:
        """Said beside Next when it is disabled."""
        return ""

    def unmet(self) -> str:
        """What is still missing on this page before the steps that need it can be opened, as the
        side list says it after "Needs:" (e.g. "check the keys first"); "" when nothing is."""
        return ""

    def hold_next(self) -> bool:
        """Next was pressed. When something required here is missing or failing, say so where it
        is (a message at the field, focus on it) and return True: the window stays on this page."""
        return False

    def set_screen_safe(self, on: bool) -> None:
        """Mask or unmask secrets and personal data shown on this page."""


class ChoicePage(Page):
    """A page that is done once one thing is chosen on it (the system, the setup to work on); Next
    waits for it, and ``blocked`` says beside Next what to choose."""

    blocked = ""

    def chosen(self) -> bool:
        raise NotImplementedError

    def status(self) -> PageStatus:
        return PageStatus.DONE if self.chosen() else PageStatus.TODO

    def can_advance(self) -> bool:
        return self.chosen()

    def blocked_reason(self) -> str:
        return self.blocked


def card(title: str = "", parent: QWidget | None = None) -> tuple[QFrame, QVBoxLayout]:
    """A white rounded panel with an optional heading: the unit every page is built from."""
    frame = QFrame(parent)
    frame.setObjectName("Card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(18, 14, 18, 16)
    layout.setSpacing(8)
    if title:
        heading = QLabel(title)
        heading.setObjectName("CardTitle")
        heading.setWordWrap(True)
        layout.addWidget(heading)
    return frame, layout


def show_field_problem(field: QWidget, error: QLabel, message: str) -> None:
    """Say what is wrong with a field where it is: the message under it (``error``), a red outline
    (the ``invalid`` property, styled by app.qss), and the field's accessible description, read
    out when the focus lands on it before the field's own description (what goes in it), which an
    empty message brings back alone."""
    error.setText(message)
    error.setVisible(bool(message))
    for widget in {field, field.focusProxy() or field}:
        widget.setProperty("invalid", bool(message))
        own = widget.property("ownDescription")
        if own is None:
            own = widget.accessibleDescription()
            widget.setProperty("ownDescription", own)
        widget.setAccessibleDescription(f"{message} {own}".strip() if message else str(own))
        widget.style().polish(widget)


L = TypeVar("L", bound=QLayout)


def holder(layout: L) -> tuple[QWidget, L]:
    """A plain widget holding ``layout`` with no margins of its own, for a part a page fills later."""
    widget = QWidget()
    layout.setContentsMargins(0, 0, 0, 0)
    widget.setLayout(layout)
    return widget, layout


def push_button(text: str, clicked: Callable[..., Any], *, primary: bool = False,
                auto_default: bool = True) -> QPushButton:
    """A button whose accessible name is its text without the mnemonic's ampersand; ``primary``
    styles it as the page's main action (app.qss)."""
    button = QPushButton(text)
    if primary:
        button.setObjectName("Primary")
    button.setAccessibleName(text.replace("&", ""))
    button.setAutoDefault(auto_default)
    button.clicked.connect(clicked)
    return button


def records_choice(row: QBoxLayout, accessible_name: str) -> QComboBox:
    """The "Records:" list (one kind of record the integrator receives) at the end of ``row``."""
    label = QLabel("&Records:")
    row.addWidget(label)
    combo = QComboBox()
    combo.setAccessibleName(accessible_name)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    label.setBuddy(combo)
    row.addWidget(combo)
    return combo


def muted(text: str, name: str = "Muted") -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    return label


def clear_layout(layout: QLayout) -> None:
    """Remove and delete every widget in ``layout``; hidden at once so none lingers on screen."""
    while (item := layout.takeAt(0)) is not None:
        widget = item.widget()
        if widget is not None:
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()


def subject_of(ctx: WizardContext) -> Subject:
    """The open session as the handoff and sync code want it, with the window's own profile."""
    from mis_wizard.wizard.subject import from_session  # the vendor contract with it: not at start-up

    session = ctx.session
    assert session is not None
    return from_session(session, ctx.secrets, ctx.profile)


def saved_file(session: Any, kind: str) -> Path | None:
    """The ``bundle`` or ``workbook`` this session saved, while the file is still there."""
    saved = session.handoff.get(kind, {}) if session is not None else {}
    path = Path(saved["path"]) if isinstance(saved, dict) and saved.get("path") else None
    return path if path is not None and path.is_file() else None
