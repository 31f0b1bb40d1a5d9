"""Keyboard-only use: Enter goes on, every input has an accessible name, labels have mnemonics,
and the window fits a 1366×768 screen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QWidget,
)

from mis_wizard.vendors import registry

INPUTS = (QLineEdit, QPlainTextEdit, QComboBox, QCheckBox, QListWidget, QAbstractButton)


def _unnamed(widget) -> list[str]:
    out = []
    for child in widget.findChildren(QWidget):
        if not isinstance(child, INPUTS):
            continue
        if isinstance(child, QLineEdit) and child.parent() is not None and isinstance(child.parent(), QComboBox):
            continue
        if child.metaObject().className().startswith("QScrollBar") or child.objectName().startswith("qt_"):
            continue
        if isinstance(child, QAbstractButton) and child.text().replace("&", "").strip() and not child.accessibleName():
            continue  # a button's own text is its accessible name
        if not child.accessibleName():
            out.append(f"{type(child).__name__} {child.objectName()!r}")
    return out


def test_enter_is_next_from_a_line_edit(make_window, gui, qtbot):
    window = make_window()
    window.pages[0].new_button.click()
    gui.choose_system(window, "tass")
    window.go_next()
    gui.fill_school(window, "")  # the contact details; the school name is typed below
    name = window.page.edits["name"]
    name.setFocus()
    qtbot.keyClicks(name, "Riverside")
    qtbot.keyClick(name, Qt.Key.Key_Return)
    assert window.page.page_id == "steps"


def test_enter_on_a_system_chooses_it_and_goes_on(make_window, qtbot):
    window = make_window()
    window.pages[0].new_button.click()
    choices = window.page.choices
    choices.setFocus()
    qtbot.keyClick(choices, Qt.Key.Key_Down)
    qtbot.keyClick(choices, Qt.Key.Key_Return)
    assert window.ctx.session.system == registry.SYSTEM_IDS[0]
    assert window.page.page_id == "school", "one page on, not two"


def test_alt_n_is_next(make_window, gui, qtbot):
    window = make_window()
    window.pages[0].new_button.click()
    gui.choose_system(window, "tass")
    assert window.next_button.text() == "&Next" and window.back_button.text() == "&Back"
    assert window.help_button.text() == "&Help" and "&f" in window.safe_switch.text()


@pytest.mark.parametrize("system_id", registry.SYSTEM_IDS)
def test_every_input_on_every_page_has_an_accessible_name(system_id, make_window, gui):
    try:
        registry.get(system_id)
    except ImportError as exc:
        pytest.skip(f"{system_id} package does not import yet: {exc}")
    window = make_window()
    assert _unnamed(window.pages[0]) == []
    window.pages[0].new_button.click()
    gui.choose_system(window, system_id)
    for index in range(1, len(window.pages)):
        window.go(index)
        gui.settle()
        assert _unnamed(window.page) == [], window.page.page_id
    assert _unnamed(window.findChild(type(window.sidebar)).parentWidget()) == []
    labels = [lbl for lbl in window.pages[4].findChildren(QLabel) if lbl.buddy() is not None]
    assert labels and all("&" in lbl.text() for lbl in labels), "every field label has a mnemonic"


def test_fits_1366_by_768(make_window):
    window = make_window()
    hint = window.minimumSizeHint()
    assert window.minimumWidth() <= 1366 and window.minimumHeight() <= 768
    assert hint.width() <= 1366 and hint.height() <= 768
