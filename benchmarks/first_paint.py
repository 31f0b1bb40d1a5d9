"""Starts a GUI and exits the moment its first page has been painted: ``app`` (the real
``mis-wizard`` entry, ``mis_wizard.main.main``) or ``bare`` (a PySide6 QWizard with one page).

Both get the same hook, installed from outside so the app needs no benchmark code of its own:
``QWidget.show`` is wrapped so that the first window shown gets an event filter; the window's
first Paint event starts the paint pass of the whole window (the window first, then every
child), and a zero-time timer posted then fires once that pass has finished. It then prints
``painted`` and leaves at once (teardown is not start-up).

The hook changes neither side's own work:
- The filter sits on the top-level window only. An application-wide filter would hand every
  event of every widget to Python, and the first event of a widget class Python has not seen
  yet (a scroll area's private scroll-bar container, say) makes PySide create the Python enums
  of every class in QtCore, QtGui and QtWidgets: about 25 ms that neither program pays itself.
- The app imports PySide6 when it gets to it (after reading its profile, as ``mis-wizard``
  does): the wrapper goes in as QtWidgets is first imported. PySide6 reads the source of every
  module imported after it (for its ``__feature__`` switches), so importing Qt first would
  charge the app for work its real start does not do.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from types import ModuleType
from typing import Any


def _painted() -> None:
    print("painted", flush=True)
    os._exit(0)


def _watch_first_window(qt_widgets: Any) -> None:
    """Wrap QWidget.show so the first window shown reports its first paint."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        seen = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
            if not self.seen and event.type() == QEvent.Type.Paint:
                self.seen = True
                QTimer.singleShot(0, _painted)
            return False

    hook: list[FirstPaint] = []
    show = qt_widgets.QWidget.show

    def show_watched(widget: Any) -> None:
        show(widget)
        if widget.isWindow() and not hook:
            hook.append(FirstPaint())
            widget.installEventFilter(hook[0])

    qt_widgets.QWidget.show = show_watched


class _OnQtWidgets(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds PySide6.QtWidgets as usual and wraps QWidget.show once it has loaded."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if name != "PySide6.QtWidgets":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        self._loader = spec.loader
        spec.loader = self
        return spec

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        _watch_first_window(module)


def bare() -> None:
    from PySide6.QtWidgets import QApplication, QWizard, QWizardPage

    _watch_first_window(sys.modules["PySide6.QtWidgets"])
    QApplication(sys.argv[:1])
    wizard = QWizard()
    page = QWizardPage()
    page.setTitle("Welcome")
    wizard.addPage(page)
    wizard.show()
    QApplication.exec()


def app() -> None:
    sys.meta_path.insert(0, _OnQtWidgets())
    from mis_wizard.main import main as entry

    entry([])


if __name__ == "__main__":
    bare() if sys.argv[1:] == ["bare"] else app()
