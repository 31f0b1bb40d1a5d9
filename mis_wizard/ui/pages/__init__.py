"""The wizard's pages in the order the admin meets them.

Adding a page is one line in PAGES: where its Page subclass (see base.py) lives, with the id,
title and needs the side list shows before the page is built. The window imports and builds a
page when the admin first needs it, so opening the wizard does not wait for every page and what
it imports (the HTTP client, openpyxl, age, the sync engine).
"""

from __future__ import annotations

import importlib
from typing import NamedTuple

from mis_wizard.ui.pages.base import Page, PageStatus


class PageRef(NamedTuple):
    """A page before it is built: what the side list shows, and where the class lives.

    A named tuple rather than a dataclass: making a dataclass compiles its methods from source,
    about a millisecond of the window's start."""

    page_id: str
    title: str
    path: str
    """``module:Class`` under mis_wizard.ui.pages."""
    needs_session: bool = True
    needs_system: bool = True
    needs: tuple[str, ...] = ()
    """Pages (by id) whose ``unmet()`` must be empty before this one can be opened, from the side
    list or with Next: the window says what is missing and never skips past it."""

    def load(self) -> type[Page]:
        module, name = self.path.split(":")
        page_class: type[Page] = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        facts = (page_class.page_id, page_class.title, page_class.needs_session, page_class.needs_system)
        if facts != (self.page_id, self.title, self.needs_session, self.needs_system):
            raise TypeError(f"PAGES says {self} but {self.path} says {facts}")
        return page_class


SENT_NEEDS = ("school", "check", "mapping", "preview", "report")
"""What must be true before anything leaves: the school named, the keys passing, the fields
mapped, the records previewed and the whole school checked."""

PAGES: tuple[PageRef, ...] = (
    PageRef("welcome", "Welcome", "welcome_page:WelcomePage", needs_session=False, needs_system=False),
    PageRef("system", "Your school's system", "system_page:SystemPage", needs_system=False),
    PageRef("school", "School details", "school_page:SchoolPage"),
    PageRef("steps", "Steps in your system", "steps_page:StepsPage"),
    PageRef("credentials", "Enter the keys", "credentials_page:CredentialsPage"),
    PageRef("check", "Check the keys", "check_page:CheckPage"),
    PageRef("mapping", "Map the fields", "mapping_step:MappingStep", needs=("check",)),
    PageRef("preview", "Preview the records", "preview_step:PreviewStep", needs=("check", "mapping")),
    PageRef("report", "Check the whole school", "report_step:ReportStep", needs=("check", "mapping")),
    PageRef("finish", "Send it to the integrator", "finish_page:FinishPage", needs=SENT_NEEDS),
    PageRef("sync", "Sync on this computer", "sync_page:SyncPage", needs=SENT_NEEDS),
    PageRef("done", "All done", "done_page:DonePage", needs=("sync",)),
    # the end is a record of what was done: once a bundle was made or a sync ran it can always be
    # read, also after a restart or when the keys or mapping changed since (Map, Preview and Whole
    # school are saved as done with the session, for the keys and mapping they were done with)
)

__all__ = ["PAGES", "Page", "PageRef", "PageStatus"]
