"""The mapping step of the wizard: the mapping grid (mapping_page.py) fed with the first records
of each kind read live from the school's system, every edit saved to the session at once.

Samples are read on the background loop when the page is first shown for a session and its
keys; "Export field codes…" reads every record of one kind and writes the CSV there too, so
neither the network nor the file touches the GUI thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QWidget

from mis_wizard.ui.async_runner import QueryOp
from mis_wizard.ui.context import WizardContext
from mis_wizard.ui.pages.base import Page, PageStatus
from mis_wizard.ui.pages.live import Live, failure_text, mapping_key, read_key, relevant_targets, saved_status
from mis_wizard.ui.pages.mapping_page import MappingPage
from mis_wizard.vendors.base import Context
from mis_wizard.wizard import atomic, words
from mis_wizard.wizard.mapping import preview
from mis_wizard.wizard.mapping.canonical import RAW, Record
from mis_wizard.wizard.mapping.field_codes import field_codes, to_csv
from mis_wizard.wizard.mapping.mapper import Mapper
from mis_wizard.wizard.mapping.schema import Target

log = logging.getLogger(__name__)
SAMPLES = 5
READING = "Reading the first five records from your system…"


class MappingStep(Page):
    page_id = "mapping"
    title = "Map the fields"
    intro = ("Each field the integrator receives, how its value is made from your system's data, and the "
             "result for the first five records of each kind. Change a rule with the lists; a red value "
             "would be refused. Every change is saved at once.")
    help_text = ("The integrator's defaults are already filled in. Change a field's rule only when the sample "
                 "values beside it are wrong: pick Transformation to reformat a date or split a name, Match codes "
                 "to translate your system's values (for example gender or year codes) into the integrator's, or "
                 "Do not map to send nothing. Tick Overwrite when a blank in your system should clear the "
                 "integrator's copy. Export field codes saves every value your system holds for each field, to "
                 "help fill in match codes.")

    def __init__(self, ctx: WizardContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.widget = MappingPage()
        self.body.addWidget(self.widget, 1)
        self.widget.mapping_changed.connect(self._save)
        self.widget.reload_requested.connect(self.read_samples)
        self.widget.export_requested.connect(self._ask_export)
        self.targets: dict[str, Target] = {}
        self.samples: dict[str, list[Record]] = {}
        self.problems: dict[str, str] = {}
        """Entity → why its samples could not be read."""
        self._read_for = ""
        self.op: QueryOp[Any] | None = None
        self.export_op: QueryOp[Any] | None = None

    @property
    def reading(self) -> bool:
        return self.op is not None

    def enter(self) -> None:
        session, spec = self.ctx.session, self.ctx.spec
        if session is None or spec is None:
            return
        self.targets = relevant_targets(self.ctx)
        fresh = self._read_for == read_key(self.ctx)
        current = self.widget.target_combo.currentData()
        sources = {e.id: [f"{RAW}{f.name}" for f in e.fields] for e in spec.entities}
        self.widget.set_screen_share_safe(self.ctx.screen_safe)
        self.widget.system_name = spec.name
        self.widget.set_data(self.targets, session.mapping, self.samples if fresh else {}, sources)
        self.widget.target_combo.setCurrentIndex(max(0, self.widget.target_combo.findData(current)))
        if not fresh:
            self.read_samples()

    # samples --------------------------------------------------------------------------------

    def read_samples(self) -> None:
        """The first records of every kind the targets use, each kind shown as soon as it arrives."""
        live = Live.of(self.ctx)
        if live is None or self.reading:
            return
        entities = sorted({t.entity for t in self.targets.values()})
        self._read_for = live.key
        self.samples, self.problems = {}, {}
        for entity in entities:
            self.widget.set_samples(entity, [])
            self.widget.set_note(entity, READING)
        self.widget.reload_button.setEnabled(False)

        async def each(ctx: Context) -> AsyncIterator[tuple[str, list[Record], str]]:
            async def one(entity: str) -> tuple[str, list[Record], str]:
                try:
                    records, _ = await preview.read(live.spec, ctx, live.credentials, live.requirements, entity,
                                                    limit=SAMPLES)
                except Exception as exc:  # shown on that kind of record, the others still arrive
                    return entity, [], failure_text(exc)
                return entity, records, ""

            for done in asyncio.as_completed([one(e) for e in entities]):
                yield await done

        self.op = live.stream(self, each, self._arrived, self._finished, self._failed)

    def _arrived(self, item: tuple[str, list[Record], str]) -> None:
        entity, records, problem = item
        if self._read_for != read_key(self.ctx):
            return
        if problem:
            self.problems[entity] = problem
            self.widget.set_note(entity, f"The sample records could not be read: {problem}", error=True)
        else:
            self.samples[entity] = records
            self.widget.set_note(entity, "" if records else "Your system returned no records of this kind.")
        self.widget.set_samples(entity, records)
        self.state_changed.emit()

    def _finished(self, _items: list[Any]) -> None:
        self.op = None
        self.widget.reload_button.setEnabled(True)
        if self._remember():
            self.ctx.save()
        self.state_changed.emit()
        if self.isVisible() and self._read_for != read_key(self.ctx):
            self.enter()

    def _failed(self, exc: BaseException) -> None:
        problem = failure_text(exc)
        log.warning("sample records could not be read: %s", type(exc).__name__)
        for target in self.targets.values():
            if target.entity not in self.samples:
                self.problems[target.entity] = problem
                self.widget.set_note(target.entity, f"The sample records could not be read: {problem}", error=True)
        self._finished([])

    # edits and field codes ------------------------------------------------------------------

    def _save(self, mapping: dict[str, Any]) -> None:
        session = self.ctx.session
        if session is not None:
            session.mapping = mapping
            self._remember()
            self.ctx.save()
            log.info("mapping changed")
            self.state_changed.emit()

    def _ask_export(self, entity: str) -> None:
        suggested = str(Path.home() / f"{entity}-field-codes.csv")
        path, _filter = QFileDialog.getSaveFileName(self, "Export field codes", suggested, "CSV files (*.csv)")
        if path:
            self.export_field_codes(entity, Path(path))

    def export_field_codes(self, entity: str, path: Path) -> None:
        """Every record of ``entity`` read, its fields' distinct values written to ``path`` as CSV."""
        live = Live.of(self.ctx)
        if live is None or not entity or self.export_op is not None:
            return
        self.widget.export_button.setEnabled(False)
        self.widget.set_note(entity, f"Reading every {entity.replace('_', ' ')} record for the field codes…")

        async def work(ctx: Context) -> int:
            records, _ = await preview.read(live.spec, ctx, live.credentials, live.requirements, entity)
            text = to_csv(field_codes(records))
            await asyncio.to_thread(atomic.write_bytes, path, text.encode("utf-8"))
            return len(records)

        def done(count: int) -> None:
            self._exported()
            self.widget.set_note(entity, f"Saved the field codes of {words.plural(count, 'record')} to {path}.")

        def failed(exc: BaseException) -> None:
            self._exported()
            problem = str(exc) if isinstance(exc, OSError) else failure_text(exc)
            self.widget.set_note(entity, f"The field codes could not be saved: {problem}", error=True)

        self.export_op = live.run(self, work, done, failed)

    def _exported(self) -> None:
        self.export_op = None
        self.widget.export_button.setEnabled(True)

    # state ----------------------------------------------------------------------------------

    def sample_errors(self) -> int:
        """Field errors in the sample records under the saved mapping."""
        session = self.ctx.session
        mapping = session.mapping if session is not None else {}
        errors = 0
        for target in self.targets.values():
            mapper = Mapper.for_session(target, mapping)
            errors += sum(len(mapper.map(r).errors) for r in self.samples.get(target.entity, []))
        return errors

    def _shown(self) -> bool:
        """Sample records were read for this session and its keys, in this run of the wizard."""
        return self._read_for == read_key(self.ctx) and bool(self.samples or self.problems)

    def _remember(self) -> bool:
        """Keep in the session that the mapping was seen with its records for these keys and this
        profile, with how it ended, so a restart does not ask for it again. True when recorded."""
        session = self.ctx.session
        if session is None or self.reading or not self._shown():
            return False
        session.mark_done(self.page_id, mapping_key(self.ctx), self._status_now().value)
        return True

    def _saved(self) -> dict[str, Any] | None:
        session = self.ctx.session
        return session.done_for(self.page_id, mapping_key(self.ctx)) if session is not None else None

    def _status_now(self) -> PageStatus:
        return PageStatus.ATTENTION if self.problems or self.sample_errors() else PageStatus.DONE

    def status(self) -> PageStatus:
        if self._shown():
            return self._status_now()
        saved = self._saved()  # done before a restart, for these same keys
        return PageStatus(saved_status(saved)) if saved is not None else PageStatus.TODO

    def unmet(self) -> str:
        if self.reading:
            return "wait for the sample records to be read"
        if self._read_for == read_key(self.ctx) or self._saved() is not None:
            return ""
        return "map the fields first"

    def set_screen_safe(self, on: bool) -> None:
        self.widget.set_screen_share_safe(on)
