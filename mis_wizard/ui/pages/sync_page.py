"""The sync page: pull the school's records, map them and write them on this computer — into the
default store, a CSV folder, a workbook, a OneRoster package or a LISS server.

The run goes through the same engine as `mis-wizard sync` on the background loop; progress
comes back per entity through a Qt signal. Cancel cancels the run's task, and the engine keeps
the last good output. A run that would remove many records is held and asks first.
"""

from __future__ import annotations

import asyncio
import logging
import urllib.parse
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from mis_wizard.ui.async_runner import QueryOp
from mis_wizard.ui.pages.base import Page, PageStatus, card, muted, saved_file, subject_of
from mis_wizard.ui.theme import restyle
from mis_wizard.ui.widgets.run_report import STATUS_WORDS, RunReportView, fit_table, plain_table, when
from mis_wizard.vendors.base import Context
from mis_wizard.vendors.errors import FailureKind, VendorError, classify_exception
from mis_wizard.wizard.http import build_client
from mis_wizard.wizard.session import now_iso
from mis_wizard.wizard.subject import Subject
from mis_wizard.wizard.sync import engine
from mis_wizard.wizard.sync.report import RunReport
from mis_wizard.wizard.sync.sinks import SinkError, parse_uri
from mis_wizard.wizard.sync.sinks.liss_sink import PASSWORD_ENV, LissSink
from mis_wizard.wizard.sync.state import default_path, set_aside_shared, shared_path

log = logging.getLogger(__name__)
TARGETS = (
    ("sqlite", "This computer's store (SQLite, the default)"),
    ("csv", "A folder of CSV files"),
    ("xlsx", "An Excel workbook (.xlsx)"),
    ("oneroster", "OneRoster 1.2 package (.zip): Microsoft School Data Sync, apps on the current standard"),
    ("oneroster11", "OneRoster 1.1 package (.zip): apps that ask for OneRoster 1.1"),
    ("liss", "A LISS server (timetable publishing)"),
)
CANCELLED = "cancelled"


class _Progress(QObject):
    """Lives on the GUI thread; the engine's progress calls arrive here queued from the loop thread."""

    moved = Signal(str, int, int, bool)


def target_uri(kind: str, path: str, liss: dict[str, str]) -> str:
    """The sync URI the CLI and the scheduled task read, from what the admin chose."""
    if kind == "liss":
        query = urllib.parse.urlencode({"school": liss["school"], "user": liss["user"]})
        return f"liss:{liss['url'].strip()}?{query}"
    return f"{kind}:{path.strip()}"


def split_uri(uri: str) -> tuple[str, str, dict[str, str]]:
    """The inverse of target_uri, to show a saved target again."""
    kind, _, rest = uri.partition(":")
    if kind == "liss":
        parts = urllib.parse.urlsplit(rest)
        query = urllib.parse.parse_qs(parts.query)
        url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        return kind, "", {"url": url, "school": (query.get("school") or [""])[0],
                          "user": (query.get("user") or [""])[0]}
    return kind, rest, {}


class SyncPage(Page):
    page_id = "sync"
    title = "Sync on this computer"
    intro = ("Pull the school's records now, map them the way the integrator asked, and write them where you "
             "choose. Each run reports what was added, changed and removed.")
    help_text = ("Choose where to write and which records, then Run. You can cancel at any time: what was written "
                 "by the last good run stays as it was. If a run would remove many records, the wizard asks "
                 "before writing anything. Runs are kept, so you can compare them later.")

    def __init__(self, ctx, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx, parent)
        self._add_target_card()
        self._add_entities_card()
        self._add_run_card()
        self._add_report_cards()
        self.body.addStretch(1)

        self._bridge = _Progress(self)
        self._bridge.moved.connect(self._moved)
        self.op: QueryOp[Any] | None = None
        self._task: tuple[asyncio.AbstractEventLoop, asyncio.Task[Any]] | None = None
        self.runs: list[RunReport] = []
        self.held_tables: dict[str, tuple[int, int]] = {}
        self.progress_rows: dict[str, int] = {}
        self._running_for: Any = None
        """The session the current (or last) run belongs to."""
        self._kind_changed()

    def _add_target_card(self) -> None:
        """Where to write: the kind of target, its file or folder, or the LISS server's login."""
        box, layout = card("Where to write")
        self.kind = QComboBox()
        self.kind.setAccessibleName("Where to write")
        for kind, label in TARGETS:
            self.kind.addItem(label, kind)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        layout.addWidget(self.kind)
        self.path_row = QWidget()
        row = QHBoxLayout(self.path_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.path = QLineEdit()
        self.path.setAccessibleName("File or folder to write")
        self.browse = QPushButton("Bro&wse…")
        self.browse.setAccessibleName("Choose the file or folder")
        self.browse.clicked.connect(self._browse)
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        layout.addWidget(self.path_row)
        self.liss_row = QWidget()
        form = QFormLayout(self.liss_row)
        form.setContentsMargins(0, 0, 0, 0)
        self.liss: dict[str, QLineEdit] = {}
        for key, label, example in (("url", "Server address", "https://liss.school.example/liss"),
                                    ("school", "School code", "RIVERBEND"), ("user", "Username", "td-sync"),
                                    ("password", "Password", "")):
            edit = QLineEdit()
            edit.setPlaceholderText(example)
            edit.setAccessibleName(f"LISS {label.lower()}")
            if key == "password":
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            self.liss[key] = edit
            form.addRow(label, edit)
        form.addRow("", muted(f"The password is used for this run only and never saved. A scheduled sync reads it "
                              f"from the environment variable {PASSWORD_ENV}.", "Hint"))
        layout.addWidget(self.liss_row)
        self.target_error = muted("", "FieldError")
        self.target_error.hide()
        layout.addWidget(self.target_error)
        self.store_note = muted("", "Hint")
        """Said once when the store every setup used to share was kept aside."""
        self.store_note.hide()
        layout.addWidget(self.store_note)
        self.body.addWidget(box)

    def _add_entities_card(self) -> None:
        """Which records: one box per kind of record, filled in when the page opens."""
        box, layout = card("Which records")
        self.entity_grid = QGridLayout()
        self.entity_grid.setHorizontalSpacing(24)
        layout.addLayout(self.entity_grid)
        self.entity_boxes: dict[str, QCheckBox] = {}
        self.body.addWidget(box)

    def _add_run_card(self) -> None:
        """Run and Cancel, what the run is doing, and its progress per kind of record."""
        box, layout = card("Run")
        row = QHBoxLayout()
        self.run_button = QPushButton("&Run the sync")
        self.run_button.setObjectName("Primary")
        self.run_button.setAccessibleName("Run the sync")
        self.run_button.clicked.connect(lambda: self.run_sync())
        self.cancel_button = QPushButton("&Cancel")
        self.cancel_button.setAccessibleName("Cancel the sync")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(140)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.state_label = muted("Not run yet.")
        row.addWidget(self.run_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.busy)
        row.addWidget(self.state_label, 1)
        layout.addLayout(row)
        self.progress = QTableWidget(0, 4)
        self.progress.setHorizontalHeaderLabels(["Records", "Read so far", "Pages", "State"])
        self.progress.setAccessibleName("Progress per kind of record")
        plain_table(self.progress, stretch=0)
        self.progress.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.body.addWidget(box)

    def _add_report_cards(self) -> None:
        """The last run's report, and the previous runs to choose from."""
        box, layout = card("Report")
        self.report_view = RunReportView()
        layout.addWidget(self.report_view)
        self.body.addWidget(box)
        box, layout = card("Previous runs")
        self.runs_table = QTableWidget(0, 6)
        self.runs_table.setHorizontalHeaderLabels(["Finished", "Target", "Result", "Added", "Changed", "Removed"])
        self.runs_table.setAccessibleName("Previous runs; choose one to see its report")
        plain_table(self.runs_table, stretch=1)
        self.runs_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.runs_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.runs_table.itemSelectionChanged.connect(self._run_chosen)
        self.runs_note = muted("No runs yet.")
        layout.addWidget(self.runs_note)
        layout.addWidget(self.runs_table)
        self.body.addWidget(box)

    # the form -------------------------------------------------------------------------------

    def setup(self) -> str:
        """The open setup's name (school × system × profile): its own default store and runs."""
        spec, session = self.ctx.spec, self.ctx.session
        if spec is None or session is None:
            return ""
        return engine.setup_of(Subject(spec, self.ctx.profile, dict(session.credentials), school=dict(session.school)))

    def default_store(self) -> str:
        setup = self.setup()
        return str(default_path(setup)) if setup else ""

    def session_opened(self) -> None:
        """Nothing of the setup before stays: its target, choices, progress, report and runs."""
        self.path.clear()
        for edit in self.liss.values():
            edit.clear()
        self.progress.setRowCount(0)
        self.progress.hide()
        self.progress_rows = {}
        self.runs = []
        self.held_tables = {}
        self.runs_table.setRowCount(0)
        self.runs_table.hide()
        self.runs_note.setText("No runs yet.")
        self.report_view.clear()
        self._problem("")
        self._show_last_run()

    def _show_last_run(self) -> None:
        """The state line from this session's facts: its last run, and why it failed if it did."""
        session = self.ctx.session
        last = session.sync.get("last_run", {}) if session is not None else {}
        status, message = last.get("status", ""), str(last.get("message", ""))
        restyle(self.state_label, "FieldError" if status in ("failed", "held") else "Muted")
        if status == "failed":
            self.state_label.setText(f"The last run failed. {message}".strip())
        elif status == "held":
            self.state_label.setText("The last run was held: it would have removed many records. Nothing was written.")
        elif status == "ok":
            self.state_label.setText(f"Last run finished {when(str(last.get('finished', '')))}.")
        else:
            self.state_label.setText("Not run yet.")

    def enter(self) -> None:
        spec, session = self.ctx.spec, self.ctx.session
        if spec is None or session is None or self.running:
            return
        moved = set_aside_shared()
        if moved:
            log.info("shared store set aside when the sync page opened")
            self.store_note.setText(moved)
            self.store_note.show()
        saved = str(session.sync.get("to", ""))
        kind, path, liss = split_uri(saved or f"sqlite:{self.default_store()}")
        if kind == "sqlite" and path and Path(path).expanduser().resolve() == shared_path().resolve():
            path = self.default_store()  # saved when every setup shared one store: this setup's own now
        self._show_last_run()
        index = self.kind.findData(kind)
        self.kind.setCurrentIndex(max(index, 0))
        self.path.setText(path)
        for key, value in liss.items():
            self.liss[key].setText(value)
        while (item := self.entity_grid.takeAt(0)) is not None:
            widget = item.widget()
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        self.entity_boxes.clear()
        chosen = set(session.sync.get("entities") or
                     engine.entities_for(Subject(spec, self.ctx.profile, {}), []))
        for i, entity in enumerate(spec.entities):
            box = QCheckBox(entity.label)
            box.setChecked(entity.id in chosen)
            self.entity_boxes[entity.id] = box
            self.entity_grid.addWidget(box, i // 3, i % 3)
        self.refresh_runs()

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        self.path_row.setVisible(kind != "liss")
        self.liss_row.setVisible(kind == "liss")
        placeholder = {"sqlite": self.default_store(), "csv": "a folder, e.g. Documents/school-data",
                       "xlsx": "a file ending .xlsx", "oneroster": "a file ending .zip",
                       "oneroster11": "a file ending .zip"}.get(kind, "")
        self.path.setPlaceholderText(placeholder)
        if kind == "sqlite" and not self.path.text():
            self.path.setText(self.default_store())

    def _browse(self) -> None:
        kind = self.kind.currentData()
        start = self.path.text() or str(Path.home())
        if kind == "csv":
            chosen = QFileDialog.getExistingDirectory(self, "Folder for the CSV files", start)
        else:
            filters = {"sqlite": "SQLite store (*.sqlite)", "xlsx": "Excel workbook (*.xlsx)",
                       "oneroster": "OneRoster package (*.zip)", "oneroster11": "OneRoster package (*.zip)"}
            chosen, _ = QFileDialog.getSaveFileName(self, "Where to write", start, filters.get(kind, ""))
        if chosen:
            self.path.setText(chosen)

    def chosen_uri(self) -> str:
        liss = {k: e.text() for k, e in self.liss.items() if k != "password"}
        return target_uri(self.kind.currentData(), self.path.text(), liss)

    def chosen_entities(self) -> list[str]:
        return [eid for eid, box in self.entity_boxes.items() if box.isChecked()]

    def _problem(self, text: str) -> None:
        self.target_error.setText(text)
        self.target_error.setVisible(bool(text))

    # running --------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.op is not None

    def run_sync(self, confirm_removals: bool = False) -> None:
        session = self.ctx.session
        if session is None or self.ctx.spec is None or self.running:
            return
        uri = self.chosen_uri()
        entities = self.chosen_entities()
        setup = self.setup()
        try:
            sink = parse_uri(uri, setup)
        except SinkError as exc:
            self._problem(str(exc))
            return
        if not entities:
            self._problem("Tick at least one kind of record to sync.")
            return
        self._problem("")
        password = self.liss["password"].text()
        if isinstance(sink, LissSink) and password:
            sink.password = password
        session.sync = {**session.sync, "to": uri, "entities": entities}
        self.ctx.save()
        plan = engine.Plan(subject_of(self.ctx), sink, entities, confirm_removals, setup=setup, how="by hand")
        self._running_for = session
        allow_http = self.ctx.profile.allow_plain_http
        extra_ca = getattr(self.ctx.sandbox, "cert_path", None)
        progress = self._bridge.moved.emit

        async def go() -> RunReport | str:
            self._task = (asyncio.get_running_loop(), asyncio.current_task())  # type: ignore[assignment]
            try:
                async with build_client(allow_plain_http=allow_http, extra_ca=extra_ca) as http:
                    return await engine.run(plan, Context(http=http), progress)
            except asyncio.CancelledError:
                return CANCELLED

        self._start_progress(entities)
        log.info("sync started to %s (%d entities, confirm removals %s)", sink.scheme, len(entities),
                 confirm_removals)
        self.op = QueryOp(parent=self, op=go, success=self._finished).failure(self._failed)
        self.op.run_in_background()

    def cancel(self) -> None:
        if self._task is not None:
            loop, task = self._task
            loop.call_soon_threadsafe(task.cancel)
            self.state_label.setText("Cancelling…")
            self.cancel_button.setEnabled(False)

    def _start_progress(self, entities: list[str]) -> None:
        labels = {e.id: e.label for e in self.ctx.spec.entities} if self.ctx.spec else {}
        self.progress.setRowCount(len(entities))
        self.progress_rows = {}
        for row, eid in enumerate(entities):
            self.progress_rows[eid] = row
            for col, text in enumerate((labels.get(eid, eid), "0", "0", "waiting")):
                item = QTableWidgetItem(text)
                if col in (1, 2):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.progress.setItem(row, col, item)
        fit_table(self.progress)
        self.progress.show()
        self.cancel_button.setEnabled(True)
        if self.run_button.hasFocus():
            self.cancel_button.setFocus()  # the one thing to press while it runs; not a jump to the header
        self.run_button.setEnabled(False)
        self.busy.show()
        self.state_label.setText("Reading from the school's system… nothing is written until everything is read.")

    def _moved(self, entity: str, records: int, pages: int, done: bool) -> None:
        row = self.progress_rows.get(entity)
        if row is None:
            return
        for col, text in ((1, f"{records:,}"), (2, f"{pages:,}"), (3, "done" if done else "reading…")):
            cell = self.progress.item(row, col)
            if cell is not None:
                cell.setText(text)

    def _stopped(self) -> None:
        self.op = None
        self._task = None
        self.busy.hide()
        self.run_button.setEnabled(True)
        if self.cancel_button.hasFocus():
            self.run_button.setFocus()
        self.cancel_button.setEnabled(False)

    def _finished(self, outcome: RunReport | str) -> None:
        self._stopped()
        if self._running_for is not self.ctx.session:  # another setup was opened meanwhile
            self._record(outcome.to_json() if isinstance(outcome, RunReport) else None)
            return
        if outcome == CANCELLED:
            self.state_label.setText("Cancelled. The last good output was kept as it was.")
            log.info("sync cancelled")
        else:
            assert isinstance(outcome, RunReport)
            self._record(outcome.to_json())
            restyle(self.state_label, "Muted")
            self.state_label.setText("Finished.")
            self.report_view.show_report(outcome)
            log.info("sync finished: %s", outcome.totals())
        self.refresh_runs(show_latest=outcome == CANCELLED)
        self.state_changed.emit()

    def _record(self, last_run: dict[str, Any] | None) -> None:
        """Keep a run's outcome in the session it ran for (which may no longer be the open one)."""
        session = self._running_for
        if session is None or last_run is None:
            return
        session.sync = {**session.sync, "last_run": last_run}
        if session is self.ctx.session:
            self.ctx.save()
        else:
            self.ctx.store.save(session)

    def _failed(self, exc: BaseException) -> None:
        self._stopped()
        other = self._running_for is not self.ctx.session
        if isinstance(exc, engine.RemovalsHeld):
            self._record({**exc.report.to_json(), "status": "held", "message": str(exc)})
            if other:
                return
            self.report_view.show_report(exc.report)
            self.state_label.setText("Held: this run would remove many records. Nothing was written.")
            self.refresh_runs()
            self.confirm_removals(exc)
            return
        if isinstance(exc, VendorError):
            text = f"{exc.message} {exc.remedy}"
        elif isinstance(exc, SinkError):
            text = str(exc)
            if isinstance(exc, engine.TooManyExcluded):
                self.report_view.show_report(exc.report)
        else:
            failure = classify_exception(exc)
            if failure.kind is FailureKind.BUG:
                text = ("The sync stopped before it finished. Run it again; if it happens again, copy the "
                        "summary for support on the previous page.")
            else:
                text = f"{failure.message} {failure.remedy}"
        log.warning("sync failed: %s", type(exc).__name__)
        self._record({"status": "failed", "message": f"{text} The last good output was kept.", "finished": now_iso()})
        self.state_changed.emit()
        if other:
            return
        self.state_label.setText(f"Failed. {text} The last good output was kept.")
        restyle(self.state_label, "FieldError")
        self.refresh_runs(show_latest=True)

    def confirm_removals(self, held: engine.RemovalsHeld) -> None:
        self.held_tables = dict(held.tables)
        lines = "\n".join(f"  • {name.replace('_', ' ')}: {removed:,} removed of {previous:,}"
                          for name, (removed, previous) in held.tables.items())
        answer = QMessageBox.question(
            self, "Remove these records?",
            f"Compared with the last run for {held.school}, these {held.system} records are no longer in the "
            f"school's system:\n\n{lines}\n\n"
            "That is more than the integrator expects between runs. If pupils really left (for example at the "
            "end of the year), go ahead. If not, check the keys and the school's system first.\n\n"
            "Remove them and write the new records?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            log.info("admin confirmed removals")
            self.run_sync(confirm_removals=True)
        else:
            self.state_label.setText("Held: nothing was written. Run again when you are sure.")

    # previous runs --------------------------------------------------------------------------

    def refresh_runs(self, show_latest: bool = False) -> None:
        setup = self.setup()
        try:
            sink = parse_uri(self.chosen_uri(), setup)
        except SinkError:
            return
        asked_for = self.ctx.session

        def load() -> list[RunReport]:
            state = sink.state()
            state.setup = setup  # this setup's runs only
            try:
                return state.runs()
            finally:
                state.close()

        def loaded(runs: list[RunReport]) -> None:
            if asked_for is not self.ctx.session:
                return
            self.runs = runs
            self._fill_runs()
            if show_latest and runs:
                self.report_view.show_report(runs[0])

        QueryOp(parent=self, op=lambda: asyncio.to_thread(load), success=loaded) \
            .failure(lambda _exc: self.runs_note.setText("Previous runs could not be read from the store.")) \
            .run_in_background()

    def _fill_runs(self) -> None:
        self.runs_table.setRowCount(len(self.runs))
        for row, r in enumerate(self.runs):
            totals = r.totals()
            cells = [when(r.finished or r.started), r.sink, STATUS_WORDS.get(r.status, r.status).split(":")[0],
                     f"{totals['added']:,}", f"{totals['changed']:,}", f"{totals['removed']:,}"]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col >= 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.runs_table.setItem(row, col, item)
        fit_table(self.runs_table)
        self.runs_table.setVisible(bool(self.runs))
        self.runs_note.setText("Choose a run to see its report." if self.runs else "No runs yet.")

    def _run_chosen(self) -> None:
        rows = self.runs_table.selectionModel().selectedRows()
        if rows and rows[0].row() < len(self.runs):
            self.report_view.show_report(self.runs[rows[0].row()])

    # state ----------------------------------------------------------------------------------

    def status(self) -> PageStatus:
        session = self.ctx.session
        last = session.sync.get("last_run", {}) if session else {}
        status = last.get("status")
        if status == "ok":
            return PageStatus.DONE
        return PageStatus.ATTENTION if status in ("failed", "held") else PageStatus.TODO

    def status_reason(self) -> str:
        session = self.ctx.session
        last = session.sync.get("last_run", {}) if session else {}
        if last.get("status") == "failed":
            return f"the last sync failed. {last.get('message', '')}".strip()
        if last.get("status") == "held":
            return "the last sync was held: it would remove many records"
        return ""

    def unmet(self) -> str:
        """The setup ends with a bundle sent, or with a sync run here (the completion page needs one)."""
        session = self.ctx.session
        if session is None:
            return "create the bundle or run a sync first"
        synced = (session.sync.get("last_run") or {}).get("status") == "ok"
        return "" if synced or saved_file(session, "bundle") is not None else "create the bundle or run a sync first"

    def hold_next(self) -> bool:
        if self.running:
            self.state_label.setText("The sync is still running: wait for it to finish, or cancel it.")
            return True
        if not self.unmet():
            return False
        restyle(self.state_label, "FieldError")
        self.state_label.setText("To finish, run the sync here, or go Back and create the encrypted bundle "
                                 "for the integrator.")
        self.run_button.setFocus()
        return True

    def set_screen_safe(self, on: bool) -> None:
        self.report_view.set_screen_safe(on)
