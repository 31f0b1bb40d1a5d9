"""Starts a GUI and exits the moment its first page has been painted: ``app`` (the real
``mis-wizard`` entry, ``mis_wizard.main.main``) or ``bare`` (a PySide6 QWizard with one page).

Both get the same hook, installed from outside so the app needs no benchmark code of its own:
an application-wide event filter sees the first Paint event of a widget in the top-level
window, and a zero-time timer after it fires once that paint pass has finished. It then prints
``painted`` and leaves at once (teardown is not start-up).

The app's command layer is imported before PySide6, in the order ``mis-wizard`` itself imports
them: PySide6 inspects the source of every module imported after it (for its ``__feature__``
switches), so importing Qt first would charge the app for work its real start does not do.
The bare wizard imports nothing of the app.
"""

from __future__ import annotations

import importlib
import os
import sys

if sys.argv[1:] != ["bare"]:
    importlib.import_module("mis_wizard.wizard.cli")

from PySide6.QtCore import QEvent, QObject, QTimer  # noqa: E402 - after the app's command layer
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget, QWizard, QWizardPage  # noqa: E402


class FirstPaint(QObject):
    def __init__(self) -> None:
        super().__init__()
        self._seen = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if not self._seen and event.type() == QEvent.Type.Paint and isinstance(watched, QWidget) \
                and isinstance(watched.window(), QMainWindow | QWizard):
            self._seen = True
            QTimer.singleShot(0, _painted)
        return False


def _painted() -> None:
    print("painted", flush=True)
    os._exit(0)


def bare() -> None:
    wizard = QWizard()
    page = QWizardPage()
    page.setTitle("Welcome")
    wizard.addPage(page)
    wizard.show()
    QApplication.exec()


def main() -> None:
    app = QApplication(sys.argv[:1])
    hook = FirstPaint()
    app.installEventFilter(hook)
    if sys.argv[1:] == ["bare"]:
        bare()
    else:
        from mis_wizard.main import main as entry

        entry([])


if __name__ == "__main__":
    main()
