"""Choose the school's management system: all seven, with region and one line on each."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtWidgets import QListWidgetItem

from mis_wizard.ui.pages.base import ChoicePage, muted
from mis_wizard.ui.widgets.choice_list import VALUE_ROLE, ChoiceList
from mis_wizard.vendors import registry
from mis_wizard.wizard.secret_store import is_ref

log = logging.getLogger(__name__)


class SystemPage(ChoicePage):
    page_id = "system"
    title = "Your school's system"
    intro = "Which management system does your school use? Pick the one you log in to for student records."
    needs_system = False
    blocked = "Choose your system to go on."
    help_text = ("Pick the school management system (MIS or SIS) your school uses. If you are not sure, "
                 "ask whoever manages student records, or look at the name on its login page.")

    def __init__(self, ctx, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx, parent)
        self.choices = ChoiceList("School management systems")
        self.choices.setMinimumHeight(470)
        for system_id in registry.SYSTEM_IDS:
            self._add(system_id)
        self.choices.currentItemChanged.connect(self._chosen)
        self.choices.itemActivated.connect(lambda _item: self.advance.emit() if self.can_advance() else None)
        self.body.addWidget(self.choices, 1)
        self.body.addWidget(muted("Changing the system later clears the keys entered for the previous one.",
                                  "Hint"))

    def _add(self, system_id: str) -> None:
        try:
            spec = registry.get(system_id)
        except ImportError:
            self.choices.add_choice(system_id, "Not available in this version of the wizard.", None, enabled=False)
            return
        title = f"{spec.name}   ·   {spec.region}"
        if self.ctx.profile.offers(system_id):
            self.choices.add_choice(title, spec.summary, system_id)
        else:
            self.choices.add_choice(title, f"{self.ctx.profile.integrator.name} does not take data from {spec.name}.",
                                    None, enabled=False)

    def enter(self) -> None:
        current = self.ctx.session.system if self.ctx.session else ""
        self.choices.blockSignals(True)
        self.choices.setCurrentRow(-1)  # no current item, as setCurrentItem(None) (which the stubs refuse)
        for row in range(self.choices.count()):
            item = self.choices.item(row)
            if item.data(VALUE_ROLE) == current:
                self.choices.setCurrentItem(item)
        self.choices.blockSignals(False)
        self.choices.setFocus()

    def _chosen(self, item: QListWidgetItem | None, _previous: Any) -> None:
        session = self.ctx.session
        if item is None or session is None:
            return
        system_id = item.data(VALUE_ROLE)
        if not system_id or system_id == session.system:
            return
        if session.system:
            self._forget_previous_system()
        session.system = system_id
        log.info("system chosen: %s", system_id)
        self.ctx.save()
        self.state_changed.emit()

    def _forget_previous_system(self) -> None:
        """Keys for one system mean nothing to another; their secrets leave the store too."""
        session = self.ctx.session
        assert session is not None

        def drop(value: Any) -> None:
            if is_ref(value):
                self.ctx.secrets.delete(value)
            elif isinstance(value, dict):
                for inner in value.values():
                    drop(inner)

        drop(session.credentials)
        session.credentials = {}
        session.steps_done = {}
        session.checks = {}

    def chosen(self) -> bool:
        return self.ctx.spec is not None
