"""The finish page: what will be sent (the approval receipt), then the handoff itself — the
encrypted bundle, the credentials workbook, the support summary and the daily sync.

Everything that writes a file, encrypts or reads the log runs on the background loop (QueryOp);
this page only asks where, shows the result and says in plain words what went wrong.
"""

from __future__ import annotations

import asyncio
import html
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from mis_wizard.ui.async_runner import QueryOp
from mis_wizard.ui.pages.base import Page, PageStatus, card, muted, saved_file, subject_of
from mis_wizard.ui.theme import restyle
from mis_wizard.ui.widgets.copied import flash_copied
from mis_wizard.wizard import checks
from mis_wizard.wizard.handoff import bundle, support, workbook
from mis_wizard.wizard.session import now_iso
from mis_wizard.wizard.sync.schedule import Schedule, ScheduleError, install

log = logging.getLogger(__name__)
MIN_PASSPHRASE = 10
SECRETS_WARNING = ("A workbook with secrets holds the keys to your school's data in plain text. Anyone who "
                   "gets the file — from an e-mail, a shared folder or a printout — can read your records.\n\n"
                   "Only include them if the integrator asked for it and you will send the file securely. "
                   "The encrypted bundle already carries the secrets safely.\n\nInclude the secrets?")


def passphrase_hint(text: str) -> str:
    """A rough strength word, so the admin picks something that survives a guessing attack."""
    if not text:
        return f"At least {MIN_PASSPHRASE} characters; a few unrelated words work well."
    if len(text) < MIN_PASSPHRASE:
        return f"Too short: {MIN_PASSPHRASE - len(text)} more characters needed."
    kinds = sum(any(test(c) for c in text) for test in (str.islower, str.isupper, str.isdigit,
                                                          lambda c: not c.isalnum()))
    words = len(text.split())
    if len(text) >= 20 and (words >= 4 or kinds >= 3):
        return "Strong."
    if len(text) >= 14 or kinds >= 3:
        return "Fair: longer, or a few more words, would be stronger."
    return "Weak: add more words or characters."


class PassphraseDialog(QDialog):
    """Asked when the profile names no integrator key: the passphrase twice, masked, with a hint."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose a passphrase for the bundle")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        layout.addWidget(muted("The integrator gave no encryption key, so the bundle is locked with a "
                               "passphrase you choose. Tell it to the integrator by phone or text message — "
                               "never in the same e-mail as the bundle."))
        form = QFormLayout()
        self.first = QLineEdit()
        self.first.setEchoMode(QLineEdit.EchoMode.Password)
        self.first.setAccessibleName("Passphrase")
        self.second = QLineEdit()
        self.second.setEchoMode(QLineEdit.EchoMode.Password)
        self.second.setAccessibleName("Passphrase again")
        form.addRow("&Passphrase", self.first)
        form.addRow("&Again", self.second)
        layout.addLayout(form)
        self.hint = muted(passphrase_hint(""), "Hint")
        layout.addWidget(self.hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.first.textChanged.connect(self._update)
        self.second.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        first, second = self.first.text(), self.second.text()
        hint = passphrase_hint(first)
        if len(first) >= MIN_PASSPHRASE and second and first != second:
            hint += " The two entries differ."
        self.hint.setText(hint)
        ok = len(first) >= MIN_PASSPHRASE and first == second
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    @property
    def passphrase(self) -> str:
        return self.first.text()


def _row(button: QPushButton, status: QLabel) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(button)
    row.addSpacing(8)
    row.addWidget(status, 1)
    return row


def _status_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setTextFormat(Qt.TextFormat.RichText)
    return label


def _said(label: QLabel, text: str, *, error: bool = False) -> None:
    restyle(label, "FieldError" if error else "Muted")
    label.setText(html.escape(text, quote=False).replace("\n", "<br>"))


def plain_error(exc: BaseException, path: Path | None = None) -> str:
    """What went wrong and what to do, for a school admin."""
    if isinstance(exc, bundle.BundleError | ScheduleError | workbook.WorkbookError):
        return str(exc)
    if isinstance(exc, PermissionError):
        return (f"The wizard may not write to {path or 'that place'}. Choose a folder you can write to, "
                "such as Documents, and try again.")
    if isinstance(exc, OSError):
        return (f"Could not write {path or 'the file'}: {exc.strerror or 'the system refused'}. Check the disk "
                "has space and the folder exists, then try again.")
    return ("Something unexpected stopped it. Try again; if it happens again, use "
            "\"Copy summary for support\" and send that to the integrator.")


class FinishPage(Page):
    page_id = "finish"
    title = "Send it to the integrator"
    intro = ("Check what will be sent, then create the encrypted bundle and e-mail it to the integrator. "
             "Only they can open it.")
    help_text = ("The encrypted bundle holds the keys, the check results and the mapping, locked so only the "
                 "integrator can read it: it is safe to e-mail. The workbook is the integrator's form, filled in; "
                 "it leaves the secrets out unless you confirm otherwise. If something does not work, copy the "
                 "summary for support and paste it into an e-mail.")

    def __init__(self, ctx, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx, parent)
        self._add_receipt_card()
        self._add_bundle_card()
        self._add_workbook_card()
        pair = QHBoxLayout()
        pair.setSpacing(14)
        pair.addWidget(self._support_card(), 1)
        pair.addWidget(self._schedule_card(), 1)
        self.body.addLayout(pair)
        self.body.addStretch(1)
        self.ops: set[QueryOp[Any]] = set()
        self.session_opened()

    def _add_receipt_card(self) -> None:
        """What will be sent: one row per fact, filled in when the page opens."""
        receipt, receipt_layout = card("What will be sent")
        self.receipt = QGridLayout()
        self.receipt.setHorizontalSpacing(18)
        self.receipt.setVerticalSpacing(6)
        self.receipt.setColumnStretch(1, 1)
        receipt_layout.addLayout(self.receipt)
        self.receipt_labels: dict[str, QLabel] = {}
        for row, (key, caption) in enumerate((("system", "System"), ("school", "School"),
                                               ("integrator", "Integrator"), ("areas", "Data areas"),
                                               ("keys", "Keys"), ("checked", "Last check"),
                                               ("locked", "Locked to"))):
            name = muted(caption)
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            name.setBuddy(value)
            self.receipt.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            self.receipt.addWidget(value, row, 1)
            self.receipt_labels[key] = value
        self.body.addWidget(receipt)

    def _add_bundle_card(self) -> None:
        """The encrypted bundle for the integrator, and how its making went."""
        box, layout = card("Encrypted bundle")
        layout.addWidget(muted("One file with everything the integrator needs, encrypted so only they can open "
                               "it. Attach it to an e-mail to the integrator's support address."))
        self.bundle_button = QPushButton("Create &encrypted bundle…")
        self.bundle_button.setObjectName("Primary")
        self.bundle_button.setAccessibleName("Create encrypted bundle")
        self.bundle_button.clicked.connect(self.create_bundle)
        self.bundle_status = _status_label()
        layout.addLayout(_row(self.bundle_button, self.bundle_status))
        self.body.addWidget(box)

    def _add_workbook_card(self) -> None:
        """The credentials workbook, with or without the secrets."""
        box, layout = card("Credentials workbook")
        layout.addWidget(muted("The integrator's spreadsheet, filled in: one row per key with where it came from "
                               "and how it checked. Without secrets it is safe to print or file."))
        self.workbook_button = QPushButton("Export credentials &workbook…")
        self.workbook_button.setAccessibleName("Export credentials workbook")
        self.workbook_button.clicked.connect(self.export_workbook)
        self.include_secrets = QCheckBox("&Include secrets (keys and passwords) in plain text")
        self.include_secrets.toggled.connect(self._secrets_toggled)
        self.workbook_status = _status_label()
        layout.addLayout(_row(self.workbook_button, self.workbook_status))
        layout.addWidget(self.include_secrets)
        self.body.addWidget(box)

    def _support_card(self) -> QWidget:
        """The summary for the integrator's support team."""
        box, layout = card("Help from the integrator")
        layout.addWidget(muted("A summary of this setup for the integrator's support team: versions, network "
                               "facts, check results and the recent log, without keys, passwords or pupils' "
                               "details."))
        self.support_button = QPushButton("&Copy summary for support")
        self.support_button.setAccessibleName("Copy summary for support")
        self.support_button.clicked.connect(self.copy_support)
        self.support_status = _status_label()
        layout.addWidget(self.support_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.support_status)
        layout.addStretch(1)
        return box

    def _schedule_card(self) -> QWidget:
        """The daily sync on this computer: its time, and the cron line where it cannot be installed."""
        box, layout = card("Daily sync on this computer")
        layout.addWidget(muted("If the school runs the sync itself, this computer can run it every day, with "
                               "the target chosen on the Sync page."))
        schedule_row = QHBoxLayout()
        self.schedule_time = QTimeEdit(QTime(2, 30))
        self.schedule_time.setDisplayFormat("HH:mm")
        self.schedule_time.setAccessibleName("Time of the daily sync")
        self.schedule_button = QPushButton()
        self.schedule_button.setAccessibleName("Run sync on this computer daily")
        self.schedule_button.clicked.connect(self.schedule_daily)
        self.schedule_time.timeChanged.connect(self._time_changed)
        self._time_changed()
        time_label = QLabel("&Time")
        time_label.setBuddy(self.schedule_time)
        schedule_row.addWidget(time_label)
        schedule_row.addWidget(self.schedule_time)
        schedule_row.addWidget(self.schedule_button)
        schedule_row.addStretch(1)
        layout.addLayout(schedule_row)
        self.schedule_status = _status_label()
        layout.addWidget(self.schedule_status)
        self.cron_row = QWidget()
        cron_layout = QHBoxLayout(self.cron_row)
        cron_layout.setContentsMargins(0, 0, 0, 0)
        self.cron_line = QLineEdit()
        self.cron_line.setReadOnly(True)
        self.cron_line.setObjectName("Detail")
        self.cron_line.setAccessibleName("Cron line for the daily sync")
        self.copy_cron = QPushButton("Copy line")
        self.copy_cron.setAccessibleName("Copy the cron line")
        self.copy_cron.clicked.connect(self._copy_cron)
        cron_layout.addWidget(self.cron_line, 1)
        cron_layout.addWidget(self.copy_cron)
        self.cron_row.hide()
        layout.addWidget(self.cron_row)
        layout.addStretch(1)
        return box

    # the receipt ----------------------------------------------------------------------------

    def enter(self) -> None:
        session, spec = self.ctx.session, self.ctx.spec
        if session is None or spec is None:
            return
        profile = self.ctx.profile
        school = session.school
        results = session.checks.get("results", [])
        failed = sum(1 for r in results if r.get("status") == "failed")
        warned = sum(1 for r in results if r.get("status") == "warning")
        if not results:
            checked = "Not checked yet — run the check first so the integrator knows the keys work."
        else:
            checked = f"{session.checks.get('checked_at', '')[:16].replace('T', ' ')} UTC: " + (
                f"{failed} to fix" if failed else "all passed") + (f", {warned} to look at" if warned else "")
        key_sets = spec.key_sets(self.ctx.requirements())
        values = {
            "system": spec.name,
            "school": " · ".join(v for v in (school.get("name", ""), school.get("code", "")) if v) or "(not given)",
            "integrator": f"{profile.integrator.name} — {profile.integrator.product}",
            "areas": ", ".join(a.replace("_", " ") for a in profile.data_areas(spec.id)),
            "keys": ", ".join(ks.label for ks in key_sets) or "Connection only",
            "checked": checked,
            "locked": self._locked_to(),
        }
        for key, text in values.items():
            self.receipt_labels[key].setText(text)
        state, said = checks.check_state(session.checks, session.credentials, self.ctx.secrets)
        if state in (checks.CHECK_KEYS_GONE, checks.CHECK_CHANGED):
            self.receipt_labels["checked"].setText(said)
        restyle(self.receipt_labels["checked"],
                "FieldError" if failed or not results or state != checks.CHECK_FRESH else "")
        sync_time = session.sync.get("daily_at", "")
        if sync_time:
            self.schedule_time.setTime(QTime.fromString(sync_time, "HH:mm"))

    @property
    def last_bundle(self) -> Path | None:
        """This session's bundle, while the file is still there."""
        return saved_file(self.ctx.session, "bundle")

    def session_opened(self) -> None:
        for label in (self.bundle_status, self.workbook_status, self.support_status, self.schedule_status):
            _said(label, "")
        self.cron_row.hide()
        out = self.last_bundle
        if out is not None:
            _said(self.bundle_status, f"Saved {out.name} in {out.parent}.")

    def _locked_to(self) -> str:
        keys = len(self.ctx.profile.recipients)
        if not keys:
            return "A passphrase you choose (the integrator's profile names no key)"
        return ("The integrator's key" if keys == 1 else f"{keys} keys of the integrator's") + ", from their profile"

    def status(self) -> PageStatus:
        return PageStatus.DONE if self.last_bundle is not None else PageStatus.TODO

    # work in the background -----------------------------------------------------------------

    def _run(self, work: Any, done: Any, failed: Any, *buttons: QPushButton) -> None:
        """Run blocking ``work`` on the background loop's thread pool; buttons wait until it reports."""
        for b in buttons:
            b.setEnabled(False)

        def finish(callback: Any) -> Any:
            def call(value: Any) -> None:
                self.ops.discard(op)
                for b in buttons:
                    b.setEnabled(True)
                callback(value)
            return call

        op: QueryOp[Any] = QueryOp(parent=self, op=lambda: asyncio.to_thread(work), success=finish(done))
        op.failure(finish(failed))
        self.ops.add(op)
        op.run_in_background()

    @property
    def busy(self) -> bool:
        return bool(self.ops)

    def _save_path(self, caption: str, name: str, filter_: str) -> Path | None:
        start = str(Path.home() / name)
        chosen, _ = QFileDialog.getSaveFileName(self, caption, start, filter_)
        return Path(chosen) if chosen else None

    def _file_stem(self) -> str:
        session = self.ctx.session
        school = (session.school.get("name", "") if session else "") or "school"
        spec = self.ctx.spec
        safe = "".join(c if c.isalnum() else "-" for c in school).strip("-").lower() or "school"
        return f"{safe}-{spec.id if spec else 'system'}"

    # bundle ---------------------------------------------------------------------------------

    def create_bundle(self) -> None:
        path = self._save_path("Save the encrypted bundle", f"{self._file_stem()}.age", "Encrypted bundle (*.age)")
        if path is None:
            return
        passphrase = None
        if not self.ctx.profile.recipients:
            dialog = PassphraseDialog(self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            passphrase = dialog.passphrase
        self.make_bundle(path, passphrase)

    def make_bundle(self, path: Path, passphrase: str | None = None) -> None:
        subject = subject_of(self.ctx)
        _said(self.bundle_status, "Encrypting…")
        log.info("bundle requested")

        session = self.ctx.session

        def done(out: Path) -> None:
            if session is not None:
                session.handoff = {**session.handoff, "bundle": {"path": str(out), "at": now_iso(),
                                                                 "passphrase": passphrase is not None}}
                self.ctx.store.save(session)
            if self.ctx.session is not session:  # another setup was opened meanwhile: not its bundle
                return
            how = "the integrator's key" if self.ctx.profile.recipients else "your passphrase"
            _said(self.bundle_status, f"Saved {out.name} in {out.parent}, locked to {how}. "
                                      f"Attach it to an e-mail to {self.ctx.profile.integrator.support_email}.")
            log.info("bundle written")
            self.state_changed.emit()

        def failed(exc: BaseException) -> None:
            _said(self.bundle_status, plain_error(exc, path), error=True)

        self._run(lambda: bundle.create(subject, path, passphrase=passphrase), done, failed, self.bundle_button)

    # workbook -------------------------------------------------------------------------------

    def _secrets_toggled(self, on: bool) -> None:
        if not on:
            return
        answer = QMessageBox.warning(self, "Put secrets in the workbook?", SECRETS_WARNING,
                                     QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                     QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            self.include_secrets.blockSignals(True)
            self.include_secrets.setChecked(False)
            self.include_secrets.blockSignals(False)
        else:
            log.info("admin confirmed secrets in the workbook")

    def export_workbook(self) -> None:
        path = self._save_path("Save the credentials workbook", f"{self._file_stem()}-credentials.xlsx",
                               "Excel workbook (*.xlsx)")
        if path is None:
            return
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        self.write_workbook(path)

    def write_workbook(self, path: Path) -> None:
        subject = subject_of(self.ctx)
        include = self.include_secrets.isChecked()
        _said(self.workbook_status, "Writing…")
        session = self.ctx.session

        def done(out: Path) -> None:
            if session is not None:  # kept with the setup it was written for, for the summary at the end
                session.handoff = {**session.handoff, "workbook": {"path": str(out), "at": now_iso(),
                                                                   "secrets": include}}
                self.ctx.store.save(session)
            if self.ctx.session is not session:
                return
            warning = " It contains secrets: send it securely and delete copies you do not need." if include else \
                " Secrets are not in it."
            _said(self.workbook_status, f"Saved {out.name} in {out.parent}.{warning}")
            log.info("workbook written (secrets %s)", "included" if include else "left out")

        def failed(exc: BaseException) -> None:
            _said(self.workbook_status, plain_error(exc, path), error=True)

        self._run(lambda: workbook.export(subject, path, include_secrets=include), done, failed,
                  self.workbook_button)

    # support --------------------------------------------------------------------------------

    def copy_support(self) -> None:
        session = self.ctx.session
        if session is None:
            return
        _said(self.support_status, "Gathering…")

        def done(text: str) -> None:
            QApplication.clipboard().setText(text)
            flash_copied(self.support_button, "Support summary")
            _said(self.support_status, f"Copied {len(text.splitlines())} lines, with no keys or passwords. Paste "
                                       f"them into an e-mail to {self.ctx.profile.integrator.support_email}.")

        def failed(exc: BaseException) -> None:
            _said(self.support_status, plain_error(exc), error=True)

        self._run(lambda: support.as_text(support.build(session)), done, failed, self.support_button)

    # schedule -------------------------------------------------------------------------------

    def schedule_daily(self) -> None:
        session = self.ctx.session
        if session is None:
            return
        at = self.schedule_time.time().toString("HH:mm")
        plan = Schedule(session.id, at, str(session.sync.get("to", "")))
        self.cron_row.hide()

        def done(said: str) -> None:
            session.sync = {**session.sync, "daily_at": at,
                            "daily_by": "cron" if said == plan.cron_line() else "task"}
            self.ctx.save()
            if said == plan.cron_line():
                _said(self.schedule_status, f"This computer has no Task Scheduler; to sync daily at {at}, add this "
                                            "line to the crontab of the account that runs the wizard "
                                            "(crontab -e):")
                self.cron_line.setText(said)
                self.cron_line.setCursorPosition(0)
                self.cron_row.show()
            else:
                _said(self.schedule_status, f"{said} {plan.explanation} Its results: the runs listed on the "
                                            f"Sync page, or `mis-wizard runs --session {session.id}`.")
            log.info("daily sync scheduled at %s", at)

        def failed(exc: BaseException) -> None:
            _said(self.schedule_status, plain_error(exc), error=True)

        self._run(lambda: install(plan), done, failed, self.schedule_button)

    def _time_changed(self) -> None:
        at = self.schedule_time.time().toString("HH:mm")
        self.schedule_button.setText(f"Run sync on this computer &daily at {at}")

    def _copy_cron(self) -> None:
        QApplication.clipboard().setText(self.cron_line.text())
        flash_copied(self.copy_cron, "Cron line")
