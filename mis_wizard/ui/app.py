"""The GUI entry: one QApplication, one main window (the background loop, once started, stops
itself when the application quits)."""

from __future__ import annotations

import logging
import sys
from typing import Any

from PySide6.QtWidgets import QApplication

from mis_wizard import APP_NAME, __version__
from mis_wizard.ui import theme
from mis_wizard.ui.context import WizardContext
from mis_wizard.ui.main_window import MainWindow
from mis_wizard.wizard import logs
from mis_wizard.wizard.profile import Profile

log = logging.getLogger(__name__)


def run_gui(profile: Profile, *, demo: bool, sandbox: Any = None) -> int:
    """Open the wizard for ``profile``; in demo mode ``sandbox`` (a running Sandbox) offers
    working credentials for each system it serves. Returns the exit code."""
    logs.setup()
    running = QApplication.instance()
    app = running if isinstance(running, QApplication) else QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setWindowIcon(theme.icon("app"))
    log.info("GUI start (profile %s, demo %s)", profile.id, demo)
    window = MainWindow(WizardContext(profile, sandbox=sandbox if demo else None))
    window.show()
    return app.exec()
