"""The end of a setup: what was checked and when, what was sent and to whom, where the files are,
what runs every night and how its last runs went, and what to tell the integrator; then Open
folder or Start another setup.

Everything here is read from the open session (its checks, its handoff, its sync settings) and
from that session's own run history, each time the page is shown: nothing of another setup.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from mis_wizard.ui.context import WizardContext
from mis_wizard.ui.opener import open_folder
from mis_wizard.ui.pages.base import Page, PageStatus, card, clear_layout, muted, push_button, saved_file
from mis_wizard.ui.theme import restyle
from mis_wizard.ui.widgets.button_label import ButtonLabel
from mis_wizard.vendors.base import CONNECTION
from mis_wizard.wizard import checks, paths, words
from mis_wizard.wizard.sync import history

log = logging.getLogger(__name__)
LAST_RUNS = 5
RESULT_WORDS = {"ok": "passed", "warning": "passed, with something to look at", "failed": "failed",
                "skipped": "not checked"}
_ORDER = ("failed", "warning", "skipped", "ok")
TARGET_WORDS = {"sqlite": "this computer's store", "csv": "a folder of CSV files", "xlsx": "an Excel workbook",
                "oneroster": "a OneRoster package", "liss": "a LISS server"}


def local_time(iso: str) -> str:
    """A stored UTC time as the admin reads clocks: "3 Dec 2026, 14:02"."""
    try:
        stamp = dt.datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return ""
    return f"{stamp.day} {stamp:%b %Y, %H:%M}"


def plural(count: int, one: str, many: str = "") -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def target_of(uri: str) -> tuple[str, str]:
    """A saved sync target as (what it is in words, the file or folder or address)."""
    kind, _, rest = uri.partition(":")
    where = rest.split("?", 1)[0] if kind == "liss" else rest
    return TARGET_WORDS.get(kind, "the chosen target"), where


def short_key(recipient: str) -> str:
    return recipient if len(recipient) <= 20 else f"{recipient[:10]}…{recipient[-6:]}"


class DonePage(Page):
    page_id = "done"
    title = "All done"
    intro = ("What was done in this setup: what was checked, what was sent and where the files are. "
             "You can come back to this page from the Welcome page at any time.")
    help_text = ("A summary of this setup only. Open folder shows the files in your file manager; Start another "
                 "setup begins a new one for another school or system, and this one stays saved.")

    def __init__(self, ctx: WizardContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.opener: Callable[[Path], Any] = open_folder
        """How a folder is shown in the file manager; one function, so a test can ask it where."""
        self.state_note = muted("")
        """Whether the setup is finished, and if not, what is still to do."""
        self.body.addWidget(self.state_note)
        row = QHBoxLayout()  # first, so the way out is in view without scrolling
        self.open_button = push_button("&Open folder", self.open_folder, primary=True, auto_default=False)
        self.another_button = push_button("Start &another setup", self.start_another, auto_default=False)
        self.another_button.setToolTip("This setup stays saved; the new one starts with choosing the system.")
        self.folder_note = muted("", "Hint")
        row.addWidget(self.open_button)
        row.addWidget(self.another_button)
        row.addSpacing(8)
        row.addWidget(self.folder_note, 1)
        self.body.addLayout(row)
        self.sections: dict[str, tuple[QLabel, QGridLayout]] = {}
        for key, title in (("checked", "What was checked"), ("sent", "What was sent"),
                           ("leaves", "What leaves your school"),
                           ("nightly", "The daily sync on this computer"), ("tell", "What to tell the integrator")):
            box, layout = card(title)
            lead = QLabel()
            lead.setWordWrap(True)
            lead.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(lead)
            grid = QGridLayout()
            grid.setHorizontalSpacing(14)
            grid.setVerticalSpacing(6)
            grid.setColumnStretch(1, 1)
            layout.addLayout(grid)
            self.sections[key] = (lead, grid)
            self.body.addWidget(box)
        self.body.addStretch(1)
        self.folder: Path | None = None
        """What Open folder opens: where the bundle (or workbook, or synced records) is."""

    # filling --------------------------------------------------------------------------------

    def enter(self) -> None:
        self.fill()
        self.open_button.setFocus()  # Next, which had the focus, is not on this page

    def session_opened(self) -> None:
        self.fill()

    def fill(self) -> None:
        for lead, grid in self.sections.values():
            lead.clear()
            clear_layout(grid)
        session, spec = self.ctx.session, self.ctx.spec
        self.folder = None
        if session is None or spec is None:
            self.state_note.clear()
            self._update_open()
            return
        self._fill_checked(session, spec)
        self._fill_sent(session)
        self._fill_leaves(session, spec)
        self._fill_nightly(session)
        self._fill_tell(session, spec)
        finished = self.status() is PageStatus.DONE
        restyle(self.state_note, "" if finished else "FieldError")
        self.state_note.setText("This setup is finished." if finished else
                                "This setup is not finished yet: no bundle was made and no sync has run. Go back to "
                                "Send it to the integrator, or Sync on this computer, to finish it.")
        self._update_open()

    def _say(self, key: str, text: str, *, error: bool = False) -> None:
        lead, _grid = self.sections[key]
        restyle(lead, "FieldError" if error else "")
        lead.setText(text)

    def _row(self, key: str, caption: str, value: str, *, path: bool = False, error: bool = False) -> QWidget:
        _lead, grid = self.sections[key]
        row = grid.rowCount()
        name = muted(caption)
        shown: QWidget
        if path:  # a path does not wrap: a read-only line scrolls, and can be selected and copied
            line = QLineEdit(value)
            line.setReadOnly(True)
            line.setObjectName("Detail")
            line.setAccessibleName(caption)
            line.setCursorPosition(0)
            shown = line
        else:
            label = QLabel(value)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if error:
                restyle(label, "FieldError")
            name.setBuddy(label)
            shown = label
        grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(shown, row, 1)
        return shown

    def _fill_checked(self, session: Any, spec: Any) -> None:
        results = session.checks.get("results") or []
        state, said = checks.check_state(session.checks, session.credentials, self.ctx.secrets)
        if not results:
            self._say("checked", "The keys were not checked in this setup.", error=True)
            return
        counts = {s: sum(1 for r in results if r.get("status") == s) for s in RESULT_WORDS}
        parts = [f"{counts['ok']} passed"]
        if counts["failed"]:
            parts.append(f"{counts['failed']} failed")
        if counts["warning"]:
            parts.append(f"{counts['warning']} to look at")
        when = local_time(str(session.checks.get("checked_at", "")))
        lead = f"Checked live against {spec.name}" + (f" on {when}" if when else "") + f": {', '.join(parts)}."
        if state in (checks.CHECK_KEYS_GONE, checks.CHECK_CHANGED):
            lead += f" {said}"
        self._say("checked", lead, error=state in (checks.CHECK_KEYS_GONE, checks.CHECK_CHANGED))
        labels = {CONNECTION: "Connection"} | {ks.id: ks.label for ks in spec.key_sets(self.ctx.requirements())}
        worst: dict[str, str] = {}
        for r in results:
            key, status = str(r.get("key", "")), str(r.get("status", ""))
            if status in _ORDER and (key not in worst or _ORDER.index(status) < _ORDER.index(worst[key])):
                worst[key] = status
        for key in [k for k in labels if k in worst] + [k for k in worst if k not in labels]:
            self._row("checked", labels.get(key, "Other"), RESULT_WORDS[worst[key]], error=worst[key] == "failed")

    def _fill_sent(self, session: Any) -> None:
        profile = self.ctx.profile
        bundle = saved_file(session, "bundle")
        workbook = saved_file(session, "workbook")
        if bundle is None and workbook is None:
            self._say("sent", "Nothing was sent from this setup: no encrypted bundle or workbook was saved. If the "
                              "integrator needs the keys, go back to Send it to the integrator.")
        else:
            self._say("sent", f"Send these to {profile.integrator.name} at {profile.integrator.support_email}.")
        if bundle is not None:
            saved = session.handoff.get("bundle", {})
            self._row("sent", "Encrypted bundle", str(bundle), path=True)
            self._row("sent", "Made", local_time(str(saved.get("at", ""))) or "—")
            if saved.get("passphrase"):
                locked = "A passphrase you chose (the integrator's profile names no key)"
            elif profile.recipients:
                keys = ", ".join(short_key(r) for r in profile.recipients)
                locked = (f"{profile.integrator.name}'s key{'' if len(profile.recipients) == 1 else 's'} "
                          f"from their profile: {keys}. Only they can open it.")
            else:
                locked = "The integrator's key"
            self._row("sent", "Locked to", locked)
        if workbook is not None:
            saved = session.handoff.get("workbook", {})
            self._row("sent", "Credentials workbook", str(workbook), path=True)
            self._row("sent", "Secrets in it", "Yes, in plain text: send it securely and delete spare copies"
                      if saved.get("secrets") else "No: safe to print or file", error=bool(saved.get("secrets")))
        sent = bundle or workbook
        self.folder = sent.parent if sent is not None else None

    def _fill_leaves(self, session: Any, spec: Any) -> None:
        """The receipt (handoff/receipt.py): per kind of record, one line that opens to every field sent
        with its class and the integrator's reason, and what the school's system has that is not sent.
        Field names only, never a value, so it is safe on a shared screen."""
        from mis_wizard.wizard.handoff import receipt  # the mapping package, when the last page is shown
        from mis_wizard.wizard.mapping.rules import RuleError

        integrator = self.ctx.profile.integrator.name
        try:
            made = receipt.build(spec, self.ctx.profile, session.mapping)
        except (RuleError, ValueError):
            self._say("leaves", "The list of fields could not be made from this setup's mapping. Go back to "
                                "Check the mapping and save it again.", error=True)
            return
        count = receipt.sent_count(made)
        if saved_file(session, "bundle") is not None:
            lead = (f"{count} fields go to {integrator}, each with the reason they gave. The same list is in the "
                    "bundle as receipt.txt.")
        else:
            lead = (f"Nothing has been sent yet. When it is, {count} fields go to {integrator}, "
                    "each with the reason they gave.")
        self._say("leaves", lead + " Only field names are listed here, never a value: open a kind of record to see "
                                   "its fields, how private each is, and what is not sent.")
        _lead, grid = self.sections["leaves"]
        for item in made["entities"]:
            sent = [row for t in item["targets"] for row in t["sent"]]
            held = len(item["not_sent"]) + len(item.get("read_not_sent", ()))
            summary = (f"{item['label']}: not in {spec.name}, nothing sent" if not item["in_system"] else
                       f"{item['label']}: {len(sent)} sent" + (f", {held} not sent" if held else ""))
            line = QWidget()
            across = QHBoxLayout(line)
            across.setContentsMargins(0, 0, 0, 0)
            across.setSpacing(4)
            toggle = QToolButton()
            toggle.setAccessibleName(summary)
            toggle.setToolTip("Show or hide the fields")
            toggle.setCheckable(True)
            toggle.setArrowType(Qt.ArrowType.RightArrow)
            toggle.setAutoRaise(True)
            said = ButtonLabel(summary, toggle)  # wraps at a narrow window, where a button's text would not
            across.addWidget(toggle, 0, Qt.AlignmentFlag.AlignTop)
            across.addWidget(said, 1)
            detail = QLabel(self._leaves_text(item, spec.name))
            detail.setTextFormat(Qt.TextFormat.PlainText)  # purposes are the integrator's text: never markup
            detail.setWordWrap(True)
            detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            detail.setContentsMargins(26, 0, 0, 6)
            detail.setVisible(False)

            def opened(on: bool, button: QToolButton = toggle, label: QLabel = detail) -> None:
                button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
                label.setVisible(on)

            toggle.toggled.connect(opened)
            row = grid.rowCount()
            grid.addWidget(line, row, 0, 1, 2)
            grid.addWidget(detail, row + 1, 0, 1, 2)
        if made["not_asked"]:
            self._row("leaves", "Not asked for", ", ".join(n["label"] for n in made["not_asked"]))

    @staticmethod
    def _leaves_text(item: dict[str, Any], system: str) -> str:
        """One kind of record's fields in words, as the mapping page names them (``first_name`` as
        "First name"); receipt.txt in the bundle keeps the exact names."""
        def said(name: str) -> str:
            return " › ".join(words.field_label(part) for part in name.split(".") if part) or name

        lines = []
        for t in item["targets"]:
            if len(item["targets"]) > 1:
                label = t["label"] if t["label"] != t["target"] else ""
                lines.append(f"Sent as {words.field_label(t['target'], label)}:")
            for row in t["sent"]:
                note = f" ({row['note']})" if row.get("note") else ""
                lines.append(f"• {said(row['field'])} — {row['class']} — {row['purpose']}{note}")
            if t["not_mapped"]:
                lines.append(f"Not sent, as you chose Do not map: {', '.join(said(n) for n in t['not_mapped'])}")
        if item.get("read_not_sent"):
            lines.append("Read to tell records apart or for the integrator's filters, not sent: "
                         + ", ".join(said(n["field"]) for n in item["read_not_sent"]))
        if item["not_sent"]:
            lines.append(f"In {system} but not asked for: " + ", ".join(said(n["field"]) for n in item["not_sent"]))
        if not item["in_system"]:
            lines = [f"{system} has none of these, so none is sent."]
        return "\n".join(lines)

    def _fill_nightly(self, session: Any) -> None:
        at = str(session.sync.get("daily_at", ""))
        to = str(session.sync.get("to", ""))
        what, where = target_of(to) if to else ("", "")
        if at and session.sync.get("daily_by") == "cron":
            self._say("nightly", f"The sync is set for every day at {at} through the crontab line you were "
                                 "given (this computer has no Task Scheduler). Each run's result shows on the "
                                 "Welcome page beside this setup and here.")
        elif at:
            self._say("nightly", f"This computer runs the sync every day at {at}. Each run's result shows on the "
                                 "Welcome page beside this setup and here; a run that failed is shown at the top "
                                 "when the wizard opens.")
        else:
            self._say("nightly", "No daily sync is scheduled. If the school runs the sync itself, schedule it on "
                                 "Send it to the integrator.")
        if where:
            self._row("nightly", f"Records go to {what}", where, path=True)
            if self.folder is None and to.partition(":")[0] != "liss":
                target = Path(where).expanduser()
                self.folder = target if to.startswith("csv:") else target.parent
        try:
            runs = history.runs(session.id, LAST_RUNS)
        except (OSError, ValueError):
            runs = []
        if not runs:
            self._row("nightly", "Last runs", "No sync has run for this setup yet.")
        for i, record in enumerate(runs):
            self._row("nightly", "Last runs" if i == 0 else "", history.in_words(record),
                      error=record.get("result") == "failed")

    def _fill_tell(self, session: Any, spec: Any) -> None:
        integrator = self.ctx.profile.integrator
        school = session.school.get("name") or "your school"
        bundle = saved_file(session, "bundle")
        workbook = saved_file(session, "workbook")
        lines = []
        if bundle is not None:
            lines.append(f"E-mail {bundle.name} to {integrator.support_email}, saying it is for {school} "
                         f"({spec.name}).")
            if session.handoff.get("bundle", {}).get("passphrase"):
                lines.append("Tell them the passphrase by phone or text message, never in the same e-mail.")
        if workbook is not None:
            lines.append(f"Attach {workbook.name} if they asked for the credentials workbook.")
        results = session.checks.get("results") or []
        to_look = sum(1 for r in results if r.get("status") in ("warning", "failed"))
        if to_look and bundle is not None:
            lines.append(f"Mention that {plural(to_look, 'check')} still "
                         f"{'needs' if to_look == 1 else 'need'} a look; the bundle carries the check results.")
        at = str(session.sync.get("daily_at", ""))
        if at:
            what, _where = target_of(str(session.sync.get("to", "")))
            lines.append(f"Tell them this computer syncs {school}'s records every day at {at} into {what}.")
        elif (session.sync.get("last_run") or {}).get("status") == "ok" and bundle is None:
            lines.append("Tell them the school runs the sync on this computer, and where the records are.")
        lines.append(f"Questions: {integrator.name} support, {integrator.contact_line}.")
        self._say("tell", "\n".join(f"• {line}" for line in lines))

    # buttons --------------------------------------------------------------------------------

    def _update_open(self) -> None:
        folder = self.folder
        if folder is None:
            folder = paths.data_dir()
            words = "the wizard's own folder on this computer"
        else:
            words = "the folder with the files above"
        self.open_button.setAccessibleName(f"Open {words}")
        self.open_button.setToolTip(str(folder))
        self.folder_note.setText(f"Opens {folder}")

    def open_folder(self) -> None:
        folder = self.folder or paths.data_dir()
        log.info("open folder asked")
        if self.opener(folder) is False:
            self.folder_note.setText(f"The folder could not be opened here. It is {folder}")

    def start_another(self) -> None:
        """A fresh setup; this one stays saved, and none of it is shown for the new one."""
        log.info("another setup started from the end page")
        self.ctx.new_session()
        self.open_page.emit("system")

    def status(self) -> PageStatus:
        """Done once the setup has ended one of its two ways: a bundle made, or a sync that worked."""
        session = self.ctx.session
        if session is None:
            return PageStatus.TODO
        synced = (session.sync.get("last_run") or {}).get("status") == "ok"
        return PageStatus.DONE if synced or saved_file(session, "bundle") is not None else PageStatus.TODO

    def summary_text(self) -> str:
        """Everything the page says, as plain text (what a screen reader reads, card by card)."""
        parts = [self.state_note.text()]
        for lead, grid in self.sections.values():
            parts.append(lead.text())
            for i in range(grid.count()):
                item = grid.itemAt(i)
                widget = item.widget() if item is not None else None
                if isinstance(widget, QLabel | QLineEdit):
                    parts.append(widget.text())
                elif widget is not None:  # a kind of record's line on the receipt
                    parts.extend(opens.text() for opens in widget.findChildren(ButtonLabel))
        return "\n".join(p for p in parts if p)
