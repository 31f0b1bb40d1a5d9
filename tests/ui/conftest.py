"""Fixtures for the GUI: a wizard window on the isolated app home, and helpers that type into it."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)
from qt_windows import let_go, settle

from mis_wizard.ui.context import WizardContext
from mis_wizard.ui.main_window import MainWindow
from mis_wizard.ui.widgets.secret_edit import SecretLineEdit, SecretTextEdit
from mis_wizard.wizard.profile import Profile, load_builtin


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: MIS_WIZARD_SHOTS to keep them for looking at, else the test's folder."""
    folder = Path(os.environ.get("MIS_WIZARD_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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
    let_go(windows)


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


def _plain(text: str) -> str:
    """Label text as shown: markup dropped, entities read, mnemonic ampersands gone."""
    text = re.sub(r"<[^>]+>", " ", text)
    text = text.replace("&nbsp;", " ").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    return re.sub(r"&(?=\S)", "", text)


def _columns(model: Any, parent: QModelIndex) -> int:
    try:
        return model.columnCount(parent)
    except TypeError:  # a list model: one column, and Qt keeps its columnCount private
        return 1


def _model_texts(view: QAbstractItemView, tooltips: bool) -> Iterator[str]:
    """What a list, table or tree shows: its headers and every cell (to 200 rows a level), with the
    cells' and headers' tooltips when ``tooltips``."""
    model = view.model()
    if model is None:
        return
    roles = [Qt.ItemDataRole.DisplayRole] + ([Qt.ItemDataRole.ToolTipRole] if tooltips else [])
    headers = [(Qt.Orientation.Horizontal, getattr(view, "horizontalHeader", None) or getattr(view, "header", None),
                lambda: _columns(model, QModelIndex()))]
    if tooltips:  # the words walk reads the column headers only; a table's row headers show ids
        headers.append((Qt.Orientation.Vertical, getattr(view, "verticalHeader", None),
                        lambda: model.rowCount(QModelIndex())))
    for orientation, header, count in headers:
        if header is not None and header().isVisible():
            for section in range(min(count(), 200)):
                for role in roles:
                    said = model.headerData(section, orientation, role)
                    if said:
                        yield str(said)
    stack = [QModelIndex()]
    while stack:
        parent = stack.pop()
        for row in range(min(model.rowCount(parent), 200)):
            for col in range(_columns(model, parent)):
                index = model.index(row, col, parent)
                for role in roles:
                    value = index.data(role)
                    if value is not None:
                        yield str(value)
                if col == 0 and _columns(model, index) and model.rowCount(index):
                    stack.append(index)


def screen_texts(root: QWidget, *, tooltips: bool = True, typed: bool = True) -> Iterator[tuple[str, str]]:
    """(where, text) for every piece of text a sighted viewer can read under ``root`` now: labels,
    buttons, group titles, tabs, combo entries, inputs as they display (a password shows its
    dots, a personal input its shape), read-only text, list/table/tree cells and headers, the
    window titles, and, unless ``tooltips`` is off, every tooltip, including the cells'. With
    ``typed`` off, what the admin typed into an editable input is left out (the words walk checks
    only the program's own words)."""
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible():
            continue
        where = f"{type(widget).__name__} {widget.objectName()!r}".strip()
        if widget.isWindow() and widget.windowTitle():
            yield where, widget.windowTitle()
        if tooltips and widget.toolTip():
            yield where, _plain(widget.toolTip())
        if isinstance(widget, QLabel):
            yield where, _plain(widget.text())
            full = getattr(widget, "full_text", None)  # an elided label: what a wider window shows
            if callable(full):
                yield where, _plain(full())
        elif isinstance(widget, QAbstractButton):
            yield where, _plain(widget.text())
        elif isinstance(widget, QGroupBox):
            yield where, _plain(widget.title())
        elif isinstance(widget, QTabBar):
            for i in range(widget.count()):
                yield where, _plain(widget.tabText(i))
                if tooltips:
                    yield where, widget.tabToolTip(i)
        elif isinstance(widget, QComboBox):
            for i in range(widget.count()):
                yield where, widget.itemText(i)
                if tooltips and widget.itemData(i, Qt.ItemDataRole.ToolTipRole):
                    yield where, str(widget.itemData(i, Qt.ItemDataRole.ToolTipRole))
        elif isinstance(widget, QLineEdit):
            if not isinstance(widget.parent(), QComboBox):
                yield where, widget.placeholderText()
                if widget.isReadOnly() or typed:
                    yield where, widget.displayText()
        elif isinstance(widget, QPlainTextEdit | QTextEdit):
            if widget.isReadOnly() or typed:
                yield where, widget.toPlainText()
        elif isinstance(widget, QAbstractItemView) and not isinstance(widget.parent(), QComboBox):
            for text in _model_texts(widget, tooltips):
                yield where, text


@pytest.fixture
def gui() -> SimpleNamespace:
    """The helpers above, for tests (importlib mode keeps conftest out of imports)."""
    return SimpleNamespace(settle=settle, choose_system=choose_system, fill_school=fill_school,
                           type_value=type_value, screen_texts=screen_texts)
