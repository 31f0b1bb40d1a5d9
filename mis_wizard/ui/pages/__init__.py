"""The wizard's pages in the order the admin meets them.

Adding a page is one line in PAGES: a Page subclass (see base.py) with an id, a title, a
status for the side list, and enter/leave hooks.
"""

from __future__ import annotations

from mis_wizard.ui.pages.base import Page, PageStatus
from mis_wizard.ui.pages.check_page import CheckPage
from mis_wizard.ui.pages.credentials_page import CredentialsPage
from mis_wizard.ui.pages.finish_page import FinishPage
from mis_wizard.ui.pages.mapping_step import MappingStep
from mis_wizard.ui.pages.preview_step import PreviewStep
from mis_wizard.ui.pages.report_step import ReportStep
from mis_wizard.ui.pages.school_page import SchoolPage
from mis_wizard.ui.pages.steps_page import StepsPage
from mis_wizard.ui.pages.sync_page import SyncPage
from mis_wizard.ui.pages.system_page import SystemPage
from mis_wizard.ui.pages.welcome_page import WelcomePage

PAGES: tuple[type[Page], ...] = (
    WelcomePage,
    SystemPage,
    SchoolPage,
    StepsPage,
    CredentialsPage,
    CheckPage,
    MappingStep,
    PreviewStep,
    ReportStep,
    FinishPage,
    SyncPage,
)

__all__ = ["PAGES", "Page", "PageStatus"]
