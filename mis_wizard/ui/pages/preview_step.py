"""The preview step of the wizard: the school's records exactly as the integrator will receive
them, through the saved mapping, read live from the system on the background loop.

The admin's own sample ids (up to five) are saved in the session, so the same records come back
after a restart; without them the first N are shown, up to a full read of a large school, which
the preview widget puts in its table a batch per event-loop turn.
"""

from __future__ import annotations

import copy
import logging

from PySide6.QtWidgets import QWidget

from mis_wizard.ui.context import WizardContext
from mis_wizard.ui.pages.base import PageStatus
from mis_wizard.ui.pages.live import Live, mapped_key, relevant_targets
from mis_wizard.ui.pages.preview_page import PreviewPage
from mis_wizard.ui.pages.read_step import ReadStep
from mis_wizard.vendors.base import Context
from mis_wizard.wizard.mapping import preview
from mis_wizard.wizard.mapping.preview import PreviewResult

log = logging.getLogger(__name__)


class PreviewStep(ReadStep):
    page_id = "preview"
    title = "Preview the records"
    intro = ("Your records exactly as the integrator will receive them. Type the IDs of up to five records you "
             "know well, or show the first ones. Hover a red cell to see what is wrong with it; a dash means "
             "the field is not sent.")
    help_text = ("Pick records you know, such as a student with a double-barrelled name or one who joined this "
                 "year, and check each value. A red cell would be refused by the integrator: change its rule on "
                 "the mapping page, or fix the record in your system. While screen-share safe mode is on, names, "
                 "dates of birth, e-mails, phones and ids show only their shape (J••• S••••, 20••-••-1•), so a "
                 "wrong format still shows; year levels, houses, class codes and term names show as they are.")

    action = "preview the records"
    wait_for = "the preview"

    def __init__(self, ctx: WizardContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.widget = PreviewPage()
        self.body.addWidget(self.widget, 1)
        self.widget.preview_requested.connect(self.run_preview)
        self.widget.loaded.connect(self.state_changed)
        self.run_button = self.widget.go
        self.result: PreviewResult | None = None

    def _key(self) -> str:
        """The preview is out of date when the session, its keys or its mapping change."""
        return mapped_key(self.ctx)

    def enter(self) -> None:
        session = self.ctx.session
        if session is None or self.ctx.spec is None:
            return
        combo = self.widget.target_combo
        current = combo.currentData()
        self.widget.set_targets([(name, t.label or name) for name, t in relevant_targets(self.ctx).items()])
        combo.setCurrentIndex(max(0, combo.findData(current)))
        self.widget.set_sample_ids(session.sample_ids)
        self.widget.set_screen_share_safe(self.ctx.screen_safe)
        if self._ran_for != self._key() and not self.running:
            self.run_preview(combo.currentData() or "", self.widget.sample_ids(), self.widget.limit.value())

    def run_preview(self, target: str, sample_ids: list[str], limit: int) -> None:
        session = self.ctx.session
        live = Live.of(self.ctx)
        if session is None or live is None or not target or self.running:
            return
        if session.sample_ids != sample_ids:
            session.sample_ids = list(sample_ids)
            self.ctx.save()
        mapping = copy.deepcopy(session.mapping)
        self._begin(self._key())
        self.widget.begin([])
        log.info("preview of %s (%d sample ids, first %d)", target, len(sample_ids), limit)

        async def work(ctx: Context) -> PreviewResult:
            return await preview.preview(live.spec, ctx, live.credentials, live.requirements, live.profile, mapping,
                                         target, limit, sample_ids)

        self.op = live.run(self, work, self._arrived, self._failed)

    def _arrived(self, result: PreviewResult) -> None:
        if not self._came_back():
            return  # another session was opened meanwhile: not this school's records
        self.result = result
        self.widget.show_result(result)
        self._keep(PageStatus.ATTENTION if result.error_count or result.missing_samples else PageStatus.DONE)
        self.state_changed.emit()

    def _show_problem(self, problem: str) -> None:
        self.result = None
        self.widget.show_problem(f"The preview could not be shown: {problem}")

    def _nothing_to_read(self) -> bool:
        return not relevant_targets(self.ctx)

    def set_screen_safe(self, on: bool) -> None:
        self.widget.set_screen_share_safe(on)
