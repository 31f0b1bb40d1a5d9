"""The validation report step: every record read, the integrator's rules and the saved mapping
applied, and what would be left out or refused counted with examples, before anything is sent.

The admin may turn a rule off for this school (saved in ``Session.filters``) and run the report
again to see the effect. Next stays allowed: the admin decides, and the page says plainly what
going on leaves out.
"""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

from PySide6.QtWidgets import QWidget

from mis_wizard.ui.context import WizardContext
from mis_wizard.ui.pages.base import PageStatus
from mis_wizard.ui.pages.live import Live, read_key, relevant_targets
from mis_wizard.ui.pages.read_step import ReadStep
from mis_wizard.ui.pages.report_page import ReportPage
from mis_wizard.ui.theme import restyle
from mis_wizard.vendors.base import Context
from mis_wizard.wizard.mapping import filters as filtering
from mis_wizard.wizard.mapping import preview
from mis_wizard.wizard.mapping.preview import ValidationReport

log = logging.getLogger(__name__)
STALE = "The rules or the mapping changed since this report: run it again to see the effect."


class ReportStep(ReadStep):
    page_id = "report"
    title = "Check the whole school"
    intro = ("The wizard reads all of your records, applies the integrator's rules and your mapping, and counts "
             "what would be left out and why, with examples. Nothing is sent yet. You may go on with warnings: "
             "you decide.")
    help_text = ("Each of the integrator's rules lists how many records it leaves out and why, with a few example "
                 "IDs to look up in your system. If a rule does not suit your school, untick it on the right and "
                 "run the report again. Fields that would be refused are fixed on the mapping page or in your "
                 "system.")

    action = "check the whole school"
    wait_for = "the whole-school check"

    def __init__(self, ctx: WizardContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.widget = ReportPage()
        self.body.addWidget(self.widget, 1)
        self.widget.filter_toggled.connect(self.set_filter)
        self.widget.rerun_requested.connect(self.run_report)
        self.run_button = self.widget.rerun
        self.report: ValidationReport | None = None

    def _key(self) -> str:
        session = self.ctx.session
        if session is None:
            return ""
        return read_key(self.ctx) + json.dumps([session.mapping, session.filters], sort_keys=True)

    def enter(self) -> None:
        session, spec = self.ctx.session, self.ctx.spec
        if session is None or spec is None:
            return
        have = {e.id for e in spec.entities}
        rules = [(f.key, f.label, _applies(session.filters, f.key))
                 for f in filtering.specs(self.ctx.profile.filters) if f.entity in have]
        self.widget.set_filters(rules)
        self.widget.set_screen_share_safe(self.ctx.screen_safe)
        if not self.running and self._ran_for != self._key():
            self.run_report()
        else:
            self._say_state()

    def set_filter(self, key: str, on: bool) -> None:
        """Turn one of the integrator's rules on or off for this school, kept with its other settings."""
        session = self.ctx.session
        if session is None:
            return
        settings = dict(session.filters.get(key) or {})
        if on:
            settings.pop("enabled", None)
        else:
            settings["enabled"] = False
        filters = {k: v for k, v in session.filters.items() if k != key}
        if settings:
            filters[key] = settings
        session.filters = filters
        self.ctx.save()
        log.info("filter %s %s", key, "on" if on else "off")
        self._say_state()

    def run_report(self) -> None:
        session = self.ctx.session
        live = Live.of(self.ctx, relevant_targets(self.ctx))
        if session is None or live is None or self.running:
            return
        mapping, filters = copy.deepcopy(session.mapping), copy.deepcopy(session.filters)
        self._begin(self._key())
        self._say("Reading every record from your system… this takes a minute or two for a large school.")
        log.info("validation report started")

        async def work(ctx: Context) -> ValidationReport:
            return await preview.validation_report(live.spec, ctx, live.credentials, live.requirements, live.profile,
                                                   mapping, filters)

        self.op = live.run(self, work, self._arrived, self._failed)

    def _arrived(self, report: ValidationReport) -> None:
        if not self._came_back():
            return  # another session was opened meanwhile: not this school's report
        self.report = report
        self.widget.set_report(report)
        broken = any(t.with_errors for t in report.targets) or report.not_read
        self._keep(PageStatus.ATTENTION if broken else PageStatus.DONE)
        self._say_state()
        self.state_changed.emit()

    def _show_problem(self, problem: str) -> None:
        self._say(f"The report could not be made: {problem}", error=True)

    def _say_state(self) -> None:
        if self.running:
            return
        if self.problem:
            self._say(f"The report could not be made: {self.problem}", error=True)
        elif self.report is not None and self._ran_for != self._key():
            self._say(STALE, error=True)
        else:
            self._say("")

    def _say(self, text: str, error: bool = False) -> None:
        restyle(self.widget.state, "FieldError" if error else "Muted")
        self.widget.state.setText(text)

    def set_screen_safe(self, on: bool) -> None:
        self.widget.set_screen_share_safe(on)


def _applies(filters: dict[str, Any], key: str) -> bool:
    settings = filters.get(key)
    return not (isinstance(settings, dict) and settings.get("enabled") is False)
