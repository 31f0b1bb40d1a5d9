"""Fixtures for the GUI: a wizard window on the isolated app home, and helpers that type into it."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QComboBox, QLineEdit

from mis_wizard.ui.context import WizardContext
from mis_wizard.ui.main_window import MainWindow
from mis_wizard.ui.widgets.secret_edit import SecretLineEdit, SecretTextEdit
from mis_wizard.wizard.profile import Profile, load_builtin


@pytest.fixture
def make_window(qtbot) -> Iterator[Callable[..., MainWindow]]:
    """Opens a wizard window like the app does (fresh context, session store read from disk)."""
    windows: list[MainWindow] = []

    def make(profile: Profile | None = None, sandbox: Any = None) -> MainWindow:
        window = MainWindow(WizardContext(profile or load_builtin(), sandbox=sandbox))
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        window.deleteLater()
    # Closed windows are let go here, on the GUI thread: left to the garbage collector, they could
    # be collected by whichever thread runs it next, such as the background loop's, where deleting
    # a Qt object crashes.
    settle()
    windows.clear()
    gc.collect()


def settle() -> None:
    """Let layouts and deferred deletes finish, as the event loop would between frames."""
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        QCoreApplication.processEvents()


def choose_system(window: MainWindow, system_id: str) -> None:
    page = window.page
    assert page.page_id == "system"
    for row in range(page.choices.count()):
        if page.choices.item(row).data(256) == system_id:
            page.choices.setCurrentRow(row)
            return
    raise AssertionError(f"{system_id} is not offered")


def fill_school(window: MainWindow, name: str = "Riverside Secondary College") -> None:
    page = window.page
    assert page.page_id == "school"
    page.edits["name"].setText(name)
    page.edits["contact_name"].setText("Jordan Smith")
    page.edits["contact_email"].setText("jordan.smith@riverside.example")


def type_value(widget: Any, value: str) -> None:
    """Put a value into a generated input the way the admin would, and leave the field."""
    if isinstance(widget, SecretLineEdit):
        widget.edit.setText(value)
        widget.edit.editingFinished.emit()
    elif isinstance(widget, SecretTextEdit):
        widget.edit.setPlainText(value)
        widget.committed.emit()
    elif isinstance(widget, QComboBox):
        widget.setCurrentText(value)
    elif isinstance(widget, QLineEdit):
        widget.setText(value)
        widget.editingFinished.emit()
    else:
        raise TypeError(type(widget))


@pytest.fixture
def gui() -> SimpleNamespace:
    """The helpers above, for tests (importlib mode keeps conftest out of imports)."""
    return SimpleNamespace(settle=settle, choose_system=choose_system, fill_school=fill_school,
                           type_value=type_value)
