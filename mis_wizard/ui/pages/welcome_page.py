"""Start a new setup or resume a saved one; files that could not be read are reported once.

The list of saved setups is built when there is one to show: on a first start (none yet) the
window is on screen without the card list's widget and painting classes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QHBoxLayout, QPushButton

from mis_wizard.ui.pages.base import ChoicePage, card, muted, push_button
from mis_wizard.ui.widgets.banner import Banner
from mis_wizard.vendors import registry
from mis_wizard.wizard.session import Session, SessionProblem

if TYPE_CHECKING:
    from mis_wizard.ui.widgets.choice_list import ChoiceList

MAX_LIST_HEIGHT = 320
"""Beyond this the saved setups scroll, so Start a new setup stays in view."""


def _system_name(session: Session) -> str:
    try:
        return registry.get(session.system).name if session.system else "system not chosen yet"
    except (KeyError, ImportError):
        return session.system


def _when(iso: str) -> str:
    import datetime as dt  # only when there are saved setups to list

    try:
        stamp = dt.datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return iso
    return stamp.strftime("%d %b %Y, %H:%M")


class WelcomePage(ChoicePage):
    page_id = "welcome"
    title = "Welcome"
    needs_session = False
    needs_system = False
    blocked = "Start a new setup or resume a saved one."
    help_text = ("Start a new setup for your school, or pick a saved one to carry on where you left off. "
                 "Everything you enter is saved as you go, so you can close the wizard at any time.")

    def __init__(self, ctx, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx, parent)
        self.intro_label = muted(
            f"This wizard connects your school's management system to {ctx.profile.integrator.product}. "
            "It shows you each setting to change in your system, checks every key live, and packages "
            "the result securely for the team that receives it.", "PageIntro")
        self.body.addWidget(self.intro_label)
        self.problem_banner: Banner | None = None
        self.failed_banner: Banner | None = None
        """Said when a saved setup's most recent run was unattended (scheduled) and failed."""
        self.failed_open_button: QPushButton | None = None
        self.last_runs: dict[str, dict[str, Any]] = {}
        """Each saved setup's most recent run from its history, by session id."""

        new_card, new_layout = card("Start a new setup")
        new_layout.addWidget(muted("Choose this the first time, or to set up another school or system."))
        self.new_button = push_button("&Start a new setup", self._start_new, primary=True)
        row = QHBoxLayout()
        row.addWidget(self.new_button)
        row.addStretch(1)
        new_layout.addLayout(row)
        self.body.addWidget(new_card)

        resume_card, resume_layout = card("Continue a saved setup")
        self.empty_label = muted("No saved setups yet on this computer.")
        resume_layout.addWidget(self.empty_label)
        self._resume_layout = resume_layout
        self.sessions: ChoiceList | None = None
        """Built by ``refresh`` once there is a saved setup to list."""
        self.resume_button = push_button("&Resume selected setup", self._resume)
        row = QHBoxLayout()
        row.addWidget(self.resume_button)
        row.addStretch(1)
        resume_layout.addLayout(row)
        self.body.addWidget(resume_card)
        self.body.addStretch(1)

    def enter(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        saved = self.ctx.store.list()
        if saved and self.sessions is None:
            self.sessions = self._saved_list()
        if self.sessions is not None:
            self._fill(self.sessions, saved)
        has = bool(saved)
        self.resume_button.setVisible(has)
        self.empty_label.setVisible(not has)
        self._show_problems()
        self._show_failed_run(saved)
        self._update_buttons()

    def _saved_list(self) -> ChoiceList:
        from mis_wizard.ui.widgets.choice_list import ChoiceList

        sessions = ChoiceList("Saved setups")
        sessions.itemActivated.connect(lambda _item: self._resume())
        sessions.currentItemChanged.connect(lambda *_: self._update_buttons())
        self._resume_layout.insertWidget(self._resume_layout.indexOf(self.empty_label) + 1, sessions)
        return sessions

    def _fill(self, sessions: ChoiceList, saved: list[Session]) -> None:
        from mis_wizard.wizard.sync import history

        sessions.clear()
        self.last_runs = {}
        for session in saved:
            subtitle = f"{_system_name(session)}  ·  last changed {_when(session.updated)}"
            try:
                newest = history.runs(session.id, 1)
            except (OSError, ValueError):
                newest = []
            if newest:
                self.last_runs[session.id] = newest[0]
                subtitle += f"\nLast sync: {history.in_words(newest[0])}"
            else:
                subtitle += "\nNot synced yet."
            item = sessions.add_choice(session.school.get("name") or "Unnamed school", subtitle, session.id)
            if self.ctx.session is not None and session.id == self.ctx.session.id:
                sessions.setCurrentItem(item)
        sessions.setFixedHeight(min(MAX_LIST_HEIGHT, max(80, sessions.content_height() + 4)))
        sessions.setVisible(bool(saved))

    def _show_problems(self) -> None:
        """Each unreadable file is said once, then forgotten by the store."""
        if not self.ctx.store.problems:
            return
        text = " ".join(self.ctx.store.problems)
        self.ctx.store.problems.clear()
        if self.problem_banner is not None:
            self.problem_banner.deleteLater()
        self.problem_banner = Banner(text)
        self.body.insertWidget(2, self.problem_banner)

    def _show_failed_run(self, saved: list[Session]) -> None:
        """A scheduled run that failed is said at the top, with the way into that setup."""
        if self.failed_banner is not None:
            self.failed_banner.deleteLater()
            self.failed_banner = None
        if not saved:  # a first start: the window is painted without the sync's history modules
            return
        from mis_wizard.wizard.sync import history

        failed = [s for s in saved if history.failed_unattended(self.last_runs.get(s.id))]
        if not failed:
            return
        lines = []
        for session in failed:
            record = self.last_runs[session.id]
            school = session.school.get("name") or "Unnamed school"
            lines.append(f"The scheduled sync for {school} ({_system_name(session)}) failed on "
                         f"{history.when_words(record)}: {record.get('reason') or 'see the log.'}")
        text = "\n".join(lines) + "\nOpen the setup to fix it, then run a sync to check."
        self.failed_banner = Banner(text)
        open_button = QPushButton(f"&Open {failed[0].school.get('name') or 'this setup'}")
        open_button.setObjectName("Primary")
        open_button.setAccessibleName(f"Open the setup for {failed[0].school.get('name') or 'this school'}")
        open_button.clicked.connect(lambda: self._open_id(failed[0].id))
        row = self.failed_banner.layout()
        if isinstance(row, QHBoxLayout):  # before Dismiss
            row.insertWidget(1, open_button)
        self.failed_open_button = open_button
        self.body.insertWidget(1, self.failed_banner)

    def _update_buttons(self) -> None:
        self.resume_button.setEnabled(self.sessions is not None and self.sessions.currentItem() is not None)

    def _start_new(self) -> None:
        self.ctx.new_session()
        self.advance.emit()

    def _resume(self) -> None:
        from mis_wizard.ui.widgets.choice_list import VALUE_ROLE

        item = self.sessions.currentItem() if self.sessions is not None else None
        if item is None:
            return
        self._open_id(item.data(VALUE_ROLE))

    def _open_id(self, session_id: str) -> None:
        try:
            session = self.ctx.store.load(session_id)
        except SessionProblem:
            self.refresh()
            return
        self.ctx.open(session)
        self.advance.emit()

    def chosen(self) -> bool:
        return self.ctx.session is not None
