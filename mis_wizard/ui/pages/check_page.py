"""The live check: every key checked against the real system, each result shown the moment it
is known, grouped per key set, with what to do about it.

The check runs on the background loop (ui/async_runner.py) with the app's one HTTP client,
created inside that loop; this page only receives finished results through Qt signals.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mis_wizard.ui import theme
from mis_wizard.ui.async_runner import QueryOp
from mis_wizard.ui.pages.base import Page, PageStatus, card, clear_layout, holder, muted
from mis_wizard.vendors.base import CONNECTION, CheckResult, Context, Layer, Status
from mis_wizard.wizard import checks, proxy
from mis_wizard.wizard.http import build_client
from mis_wizard.wizard.redact import redact

log = logging.getLogger(__name__)
DETAIL_HIDDEN = "Technical detail hidden while screen-share safe mode is on."
TRACE_PREVIEW = 3
"""Records of each kind a support trace reads beside the check."""


def result_from_json(data: dict[str, Any]) -> CheckResult:
    return CheckResult(**{**data, "layer": Layer(data["layer"]), "status": Status(data["status"])})


STATUS_NAMES = {Status.OK: "Passed", Status.WARNING: "Look at this", Status.FAILED: "To fix",
                Status.SKIPPED: "Not checked"}
NEGATIONS = (
    (re.compile(r"^Every (.+)$"), r"Not every \1"),
    (re.compile(r"^(.+) has granted (.+)$"), r"\1 has not granted \2"),
    (re.compile(r"^(.+) answers as (.+)$"), r"\1 does not answer as \2"),
    (re.compile(r"^(.+) answers$"), r"\1 does not answer"),
    (re.compile(r"^(.+) (accepted|granted|enabled)$"), r"\1 not \2"),
)
"""A check is named for what passing means ("Token Key accepted"); a failed one says the opposite."""
PREDICATE = re.compile(r" (?:accepted|granted|enabled|answers(?: as .+)?)$")


def heading(result: CheckResult) -> str:
    """The check's name in words that agree with its status: "Student Details app accepted"
    when it passed, "Student Details app not accepted" when it failed, and only what was to be
    checked ("Student Details app") when it was not checked."""
    name = result.check
    if result.status is Status.OK:
        return name
    if result.status is Status.SKIPPED:
        return PREDICATE.sub("", name) or name
    for pattern, negated in NEGATIONS:
        if pattern.match(name):
            return pattern.sub(negated, name)
    return name


class ResultRow(QWidget):
    """One check result: status icon, what was checked, the message and the remedy; the stable
    code and the redacted detail only when the admin (or support) asks for technical detail.

    One rich-text label per row, so wrapping text always gets the height it needs."""

    def __init__(self, result: CheckResult, screen_safe: bool, technical: bool = False) -> None:
        super().__init__()
        self.result = result
        self.technical = technical
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 4, 0, 4)
        row.setSpacing(10)
        icon = QLabel()
        icon.setPixmap(theme.status_icon(result.status).pixmap(20, 20))
        icon.setAccessibleName(STATUS_NAMES.get(result.status, ""))
        icon.setFixedWidth(22)
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.text, 1)
        self.setAccessibleName(f"{STATUS_NAMES.get(result.status, '')}: {heading(result)}. {result.message}")
        self.set_screen_safe(screen_safe)

    def set_technical(self, on: bool) -> None:
        self.technical = on
        self.set_screen_safe(self._safe)

    def set_screen_safe(self, on: bool) -> None:
        self._safe = on
        r = self.result
        parts = [f"<b>{_esc(heading(r))}</b> — {_esc(r.message)}"]
        if r.remedy and r.status in (Status.FAILED, Status.WARNING, Status.SKIPPED):
            parts.append(f"<b>What to do:</b> {_esc(r.remedy)}")
        if self.technical:
            detail = redact(r.detail) if r.detail else ""
            shown = DETAIL_HIDDEN if on and detail else _esc(detail)
            parts.append(f"<span style='color:{theme.MUTED}; font-size:8.5pt;'>Technical detail: {_esc(r.code)}"
                         f"{'  ·  ' + shown if shown else ''}</span>")
        self.text.setText("<br>".join(parts))

    def plain_text(self) -> str:
        return self.text.text()


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


class KeyGroup(QFrame):
    """The results for one key set (or the connection), in the order they finished."""

    def __init__(self, title: str, note: str) -> None:
        super().__init__()
        self.setObjectName("Card")
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(18, 14, 18, 14)
        self.layout_.setSpacing(4)
        self.title_text = title
        self.toggle: QPushButton | None = None
        heading = QLabel(title)
        heading.setObjectName("CardTitle")
        heading.setWordWrap(True)
        self.layout_.addWidget(heading)
        self.note = muted(note)
        self.layout_.addWidget(self.note)
        self.held = muted("", "FieldError")
        """Said when Next was pressed while this key fails: which key, and to fix it."""
        self.held.hide()
        self.layout_.addWidget(self.held)
        self.rows: list[ResultRow] = []

    def say_held(self, text: str) -> None:
        self.held.setText(text)
        self.held.setVisible(bool(text))

    def add(self, result: CheckResult, screen_safe: bool, technical: bool = False) -> None:
        self.note.hide()
        row = ResultRow(result, screen_safe, technical)
        self.rows.append(row)
        self.layout_.addWidget(row)

    def set_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text) and not self.rows)

    def compact(self) -> None:
        """After a run, fold the passed checks away so what needs fixing is what the admin sees."""
        passed = [row for row in self.rows if row.result.status is Status.OK]
        if not passed or self.toggle is not None:
            return
        problems = len(self.rows) - len(passed)
        if problems:
            label = "Show the check that passed" if len(passed) == 1 else f"Show the {len(passed)} checks that passed"
        else:
            label = "The check passed — show it" if len(passed) == 1 else f"All {len(passed)} checks passed — show them"
        self.toggle = QPushButton(label)
        self.toggle.setObjectName("Link")
        self.toggle.setFlat(True)
        self.toggle.setCheckable(True)
        self.toggle.setAccessibleName(f"{self.title_text}: {label}")
        def show_passed(shown: bool) -> None:
            for row in passed:
                row.setVisible(shown)

        self.toggle.toggled.connect(show_passed)
        for row in passed:
            row.hide()
        self.layout_.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignLeft)


class CheckPage(Page):
    page_id = "check"
    title = "Check the keys"
    intro = ("The wizard now tries every key against your system, the way the integrator will use it, "
             "and tells you exactly what to fix and where.")
    help_text = ("Run the check after entering the keys. Each key is checked in layers: can the server be "
                 "reached, is the key accepted, does it have the right permissions, and can one record be read. "
                 "A red result says what to change in your system; fix it there and run the check again.")

    def __init__(self, ctx, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx, parent)
        top, top_layout = card()
        row = QHBoxLayout()
        self.run_button = QPushButton("&Run the check")
        self.run_button.setObjectName("Primary")
        self.run_button.setAccessibleName("Run the check")
        self.run_button.setAutoDefault(True)
        self.run_button.clicked.connect(self.run_check)
        row.addWidget(self.run_button)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("Check running")
        self.progress.hide()
        row.addWidget(self.progress)
        self.summary = muted("Not checked yet.")  # wraps: a long reason must not widen the page past the window
        row.addSpacing(8)
        row.addWidget(self.summary, 1)
        top_layout.addLayout(row)
        self.held = muted("", "FieldError")
        """Why Next did not go on: the check not run, stale, or a required key failing."""
        self.held.hide()
        top_layout.addWidget(self.held)
        trace_row = QHBoxLayout()
        self.trace_button = QPushButton("Save a trace for support")
        self.trace_button.setToolTip("Runs the check again with a small preview and saves what your system answered, "
                                     "with keys removed and people's details replaced by made-up ones.")
        self.trace_button.clicked.connect(self.save_trace)
        trace_row.addWidget(self.trace_button, 0, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        trace_row.addSpacing(8)
        self.trace_note = muted("")
        self.trace_note.setWordWrap(True)
        self.trace_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.trace_note.hide()
        trace_row.addWidget(self.trace_note, 1)
        top_layout.addLayout(trace_row)
        self.technical = QCheckBox("Show &technical detail for support")
        self.technical.setAccessibleName("Show technical detail for support")
        self.technical.setAccessibleDescription("Adds each result's reference code and the server's own answer, "
                                                "for the integrator's support engineer.")
        self.technical.toggled.connect(self._show_technical)
        top_layout.addWidget(self.technical, 0, Qt.AlignmentFlag.AlignLeft)
        self.body.addWidget(top)
        self.groups_holder, self.groups_layout = holder(QVBoxLayout())
        self.groups_layout.setSpacing(12)
        self.body.addWidget(self.groups_holder)
        self.body.addStretch(1)
        self.groups: dict[str, KeyGroup] = {}
        self.results: list[CheckResult] = []
        self.op: QueryOp[Any] | None = None
        self._focus_back = False
        """The run button had the focus when the check started: it gets it back at the end."""
        self._checked: tuple[Any, dict[str, Any]] | None = None
        """The session a running check is for, and the values it checks (held in memory only)."""
        self.choose_trace_path: Callable[[str], Path | None] = self._ask_trace_path
        """Asks where to save a trace (a save dialog); tests put their own here."""
        self.trace_op: QueryOp[Any] | None = None

    @property
    def running(self) -> bool:
        """True until the last result has been shown (the op is cleared on the GUI thread)."""
        return self.op is not None

    # layout ---------------------------------------------------------------------------------

    def enter(self) -> None:
        if self.running:
            return
        session = self.ctx.session
        saved = session.checks.get("results", []) if session else []
        self._reset_groups()
        self.results = []
        for data in saved:
            self._add(result_from_json(data))
        for group in self.groups.values():
            group.compact()
        checked_at = session.checks.get("checked_at", "") if session else ""
        self._summarise(checked_at)
        self.run_button.setFocus()

    def _reset_groups(self) -> None:
        self._say_held("")
        clear_layout(self.groups_layout)
        self.groups.clear()
        spec = self.ctx.spec
        session = self.ctx.session
        if spec is None or session is None:
            return
        self._group(CONNECTION, "Connection", "Not checked yet.")
        for ks in spec.key_sets(self.ctx.requirements()):
            entered = any(session.get_value(ks.id, f.id, self.ctx.secrets) for f in ks.fields if not f.default)
            if entered:
                note = "Not checked yet."
            elif ks.required:
                note = ("This key is not available yet: nothing has been entered for it, so it cannot be checked. "
                        "Enter it on the Keys page once you have created it in your system.")
            else:
                note = "Optional, and not entered, so it will not be checked."
            self._group(ks.id, ks.label if ks.required else f"{ks.label}  (optional)", note)

    def _group(self, key: str, title: str, note: str) -> KeyGroup:
        group = KeyGroup(title, note)
        self.groups[key] = group
        self.groups_layout.addWidget(group)
        return group

    def _add(self, result: CheckResult) -> None:
        self.results.append(result)
        group = self.groups.get(result.key) or self._group(result.key, result.key, "")
        group.add(result, self.ctx.screen_safe, self.technical.isChecked())

    # running --------------------------------------------------------------------------------

    def run_check(self) -> None:
        spec = self.ctx.spec
        session = self.ctx.session
        if spec is None or session is None or self.running:
            return
        credentials = session.resolved_credentials(self.ctx.secrets)
        self._checked = (session, credentials)
        requirements = self.ctx.requirements()
        allow_http = self.ctx.profile.allow_plain_http
        extra_ca = getattr(self.ctx.sandbox, "cert_path", None)
        self._reset_groups()
        self.results = []
        for group in self.groups.values():
            if group.note.text() == "Not checked yet.":
                group.set_note("Checking…")
        before = self.window().focusWidget()
        self._focus_back = before is None or before is self.run_button
        if before is self.run_button:
            self.technical.setFocus()  # stays on this page while the button is disabled, not the header
        self.run_button.setEnabled(False)
        self.progress.show()
        self.summary.setText("Checking… results appear below as each key finishes.")
        log.info("check started for %s", spec.id)

        self._network: dict[str, Any] | None = None

        async def stream() -> Any:
            async with build_client(allow_plain_http=allow_http, extra_ca=extra_ca) as http:
                async for result in checks.run(spec, Context(http=http), credentials, requirements):
                    yield result
                self._network = proxy.report_for(http)  # which proxy each host went through, for the report

        self.op = QueryOp(parent=self, op=stream, success=self._finished) \
            .failure(self._failed).with_progress(self._arrived).run_in_background()

    # trace for support -------------------------------------------------------------------

    def _ask_trace_path(self, suggested: str) -> Path | None:
        chosen, _ = QFileDialog.getSaveFileName(self, "Save a trace for support", str(Path.home() / suggested),
                                                "Trace files (*.json)")
        return Path(chosen) if chosen else None

    def save_trace(self) -> None:
        """Run the same check with a recorder and a small preview, and save the trace where the admin chooses."""
        spec, session = self.ctx.spec, self.ctx.session
        if spec is None or session is None or self.running or self.trace_op is not None:
            return
        path = self.choose_trace_path(f"{spec.id}-trace-for-support.json")
        if path is None:
            return
        credentials = session.resolved_credentials(self.ctx.secrets)
        requirements = self.ctx.requirements()
        allow_http = self.ctx.profile.allow_plain_http
        extra_ca = getattr(self.ctx.sandbox, "cert_path", None)

        async def work() -> int:
            from mis_wizard.wizard.trace import record

            trace, _results = await record.capture(spec, credentials, requirements, preview=TRACE_PREVIEW,
                                                   allow_plain_http=allow_http, extra_ca=extra_ca)
            await asyncio.to_thread(record.write, trace, path)
            return len(trace["exchanges"])

        self.trace_button.setEnabled(False)
        self._trace_says(f"Recording what {spec.name} answers… this takes as long as a check.")
        self.trace_op = QueryOp(parent=self, op=work, success=lambda n: self._trace_saved(path, n)) \
            .failure(self._trace_failed).run_in_background()

    def _trace_saved(self, path: Path, exchanges: int) -> None:
        self.trace_op = None
        self.trace_button.setEnabled(True)
        log.info("trace saved with %d exchanges", exchanges)
        self._trace_says(f"Saved the trace to {path}. Keys and passwords were removed and people's details replaced "
                         "by made-up ones. Open it and read it before you send it to the integrator's support.")

    def _trace_failed(self, exc: BaseException) -> None:
        self.trace_op = None
        self.trace_button.setEnabled(True)
        log.warning("trace could not be saved: %s", type(exc).__name__)
        reason = f" ({exc.strerror})" if isinstance(exc, OSError) and exc.strerror else ""
        self._trace_says(f"The trace could not be saved{reason}. Choose another folder, such as Documents, "
                         "and try again.")

    def _trace_says(self, text: str) -> None:
        self.trace_note.setText(text)
        self.trace_note.show()

    def _arrived(self, result: CheckResult) -> None:
        self._add(result)

    def _finished(self, _results: list[CheckResult]) -> None:
        session, credentials = self._checked or (None, {})
        self._checked = None
        stamp = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        if session is not None:
            session.checks = checks.record(self.results, credentials, stamp)
            if getattr(self, "_network", None):
                session.checks["network"] = self._network
            if session is self.ctx.session:
                self.ctx.save()
            else:  # another setup was opened while this one was checked: keep it with its own session
                self.ctx.store.save(session)
                self.op = None
                self.progress.hide()
                self.run_button.setEnabled(True)
                self.enter()
                return
        counts = checks.summary(self.results)
        log.info("check finished: %s", counts)
        self._done(stamp)

    def _failed(self, exc: BaseException) -> None:
        log.warning("check could not run: %s", type(exc).__name__)
        self._add(CheckResult(CONNECTION, "Live check", Layer.REACH, Status.FAILED, "wizard.check_crashed",
                              "The check stopped unexpectedly before it could finish.",
                              "Run the check again. If it happens again, send the log to the integrator's support.",
                              detail=f"stopped by {type(exc).__name__}"))
        self._done("")

    def _done(self, checked_at: str) -> None:
        self.op = None
        self.progress.hide()
        self.run_button.setEnabled(True)
        focus = self.window().focusWidget()
        if self.isVisible() and (self._focus_back and (focus is None or focus is self.technical)
                                 or focus is None or not self.isAncestorOf(focus)):
            self.run_button.setFocus()  # back where the admin was, to press it again; never the header
        self._focus_back = False
        for group in self.groups.values():
            if group.note.text() == "Checking…":
                group.set_note("No result for this key: the check stopped before it.")
            group.compact()
        self._summarise(checked_at)
        first_problem = next((g for g in self.groups.values()
                              if any(r.result.status in (Status.FAILED, Status.WARNING) for r in g.rows)), None)
        if first_problem is not None:
            QTimer.singleShot(0, lambda: self.scroll_area.ensureWidgetVisible(first_problem, 0, 120))
        self.state_changed.emit()

    def fact(self) -> tuple[str, str]:
        """What the saved check says now (see wizard.checks.check_state)."""
        session = self.ctx.session
        if session is None:
            return checks.CHECK_NONE, ""
        return checks.check_state(session.checks, session.credentials, self.ctx.secrets)

    def _summarise(self, checked_at: str) -> None:
        state, message = self.fact()
        if state in (checks.CHECK_KEYS_GONE, checks.CHECK_CHANGED) and not self.running:
            self.summary.setText(message)
            theme.restyle(self.summary, "FieldError")
            return
        theme.restyle(self.summary, "Muted")
        if not self.results:
            self.summary.setText("Not checked yet. Press Run the check when the keys are entered.")
            return
        counts = checks.summary(self.results)
        parts = [f"{counts['ok']} passed"]
        if counts["failed"]:
            parts.append(f"{counts['failed']} to fix")
        if counts["warning"]:
            parts.append(f"{counts['warning']} to look at")
        if counts["skipped"]:
            parts.append(f"{counts['skipped']} skipped")
        when = ""
        if checked_at:
            try:
                when = f"Last checked {dt.datetime.fromisoformat(checked_at).astimezone():%d %b %Y, %H:%M}: "
            except ValueError:
                when = ""
        self.summary.setText(when + ", ".join(parts) + ".")

    # state ----------------------------------------------------------------------------------

    def status(self) -> PageStatus:
        state, _message = self.fact()
        if state == checks.CHECK_FRESH:
            return PageStatus.DONE
        return PageStatus.TODO if state == checks.CHECK_NONE else PageStatus.ATTENTION

    def status_reason(self) -> str:
        state, message = self.fact()
        return message if state in (checks.CHECK_KEYS_GONE, checks.CHECK_CHANGED, checks.CHECK_FAILED) else ""

    def failing_required(self) -> list[str]:
        """The keys (connection first) that the integrator needs and that failed the last check."""
        spec, session = self.ctx.spec, self.ctx.session
        if spec is None or session is None:
            return []
        required = {CONNECTION} | {ks.id for ks in spec.key_sets(self.ctx.requirements()) if ks.required}
        failed = []
        for data in session.checks.get("results") or []:
            key = data.get("key")
            if data.get("status") == Status.FAILED.value and key in required and key not in failed:
                failed.append(key)
        return failed

    def key_name(self, key: str) -> str:
        if key == CONNECTION:
            return "the connection"
        spec = self.ctx.spec
        labels = {ks.id: ks.label for ks in spec.key_sets(self.ctx.requirements())} if spec else {}
        return f"“{labels.get(key, key)}”"

    def unmet(self) -> str:
        if self.running:
            return "wait for the check to finish"
        state, _message = self.fact()
        if state == checks.CHECK_NONE:
            return "check the keys first"
        if state in (checks.CHECK_KEYS_GONE, checks.CHECK_CHANGED):
            return "check the keys again first"
        return "fix the keys that failed the check first" if self.failing_required() else ""

    def hold_next(self) -> bool:
        """Not checked, stale, or a required key failing: said at the top and on the key itself."""
        if not self.unmet():
            self._say_held("")
            return False
        state, message = self.fact()
        failing = self.failing_required() if state in (checks.CHECK_FAILED, checks.CHECK_FRESH) else []
        if self.running:
            text = "The check is still running: wait for every key's result before going on."
        elif state == checks.CHECK_NONE:
            text = "Run the check before going on: the next steps read your school's records with these keys."
        elif state in (checks.CHECK_KEYS_GONE, checks.CHECK_CHANGED):
            text = message
        else:
            names = ", ".join(self.key_name(k) for k in failing)
            text = (f"The check failed for {names}, which the integrator needs. "
                    f"Fix {'it' if len(failing) == 1 else 'them'} as said in red below, then run the check again.")
        self._say_held("" if text == self.summary.text() else text)  # said once, not twice
        for key in failing:
            group = self.groups.get(key)
            if group is not None:
                group.say_held(f"Fix this key before going on: {self.key_name(key)} failed the check.")
        first = self.groups.get(failing[0]) if failing else None
        if first is not None:
            QTimer.singleShot(0, lambda: self.scroll_area.ensureWidgetVisible(first, 0, 120))
        self.run_button.setAccessibleDescription(text)  # read out with the focus, which goes to Run the check
        self.run_button.setFocus()
        return True

    def _say_held(self, text: str) -> None:
        self.held.setText(text)
        self.held.setVisible(bool(text))
        if not text:
            self.run_button.setAccessibleDescription("")
            for group in self.groups.values():
                group.say_held("")
    def _show_technical(self, on: bool) -> None:
        for group in self.groups.values():
            for row in group.rows:
                row.set_technical(on)

    def set_screen_safe(self, on: bool) -> None:
        for group in self.groups.values():
            for row in group.rows:
                row.set_screen_safe(on)
