"""Keyboard and accessibility on every page, for every system, in demo mode (WCAG 2.1 AA where a
desktop app can meet it): one Alt letter per control on each page, a focus rule in the style sheet
for every kind of control that takes focus, a name for every control, no focus jumps, text
contrast of at least 4.5:1 from the style sheet, and nothing cut off in a small window.

The walk drives the real window against the sandbox over loopback with working demo keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QGroupBox,
    QLabel,
    QWidget,
)

from mis_wizard.ui.main_window import MainWindow
from mis_wizard.vendors import registry

MNEMONIC = re.compile(r"&(?!&)(\w)")


def walk(window: MainWindow, gui, qtbot, system_id: str) -> Iterator[str]:
    """Open a new setup for ``system_id`` with working demo keys and show every page in turn,
    yielding each page's id once it has finished what it does on entering (reading samples…)."""
    gui.settle()
    yield "welcome"
    window.pages[0].new_button.click()
    yield "system"
    gui.choose_system(window, system_id)
    window.go_next()
    gui.fill_school(window)
    yield "school"
    window.go_next()
    for box in window.page.boxes.values():
        box.setChecked(True)
    yield "steps"
    window.go_next()
    window.page.fill_demo()
    yield "credentials"
    window.go_next()
    window.page.run_check()
    qtbot.waitUntil(lambda: not window.page.running, timeout=30_000)
    yield "check"
    for index in range(window.current + 1, len(window.pages)):
        window.go(index)
        page = window.page
        for name in ("running", "reading", "busy"):
            if isinstance(getattr(page, name, None), bool):
                qtbot.waitUntil(lambda n=name: not getattr(page, n), timeout=60_000)
        gui.settle()
        yield page.page_id


def shown(window: QWidget) -> list[QWidget]:
    return [w for w in window.findChildren(QWidget) if w.isVisible()]


def mnemonic_of(widget: QWidget) -> str | None:
    if isinstance(widget, QAbstractButton):
        text = widget.text()
    elif isinstance(widget, QLabel) and widget.buddy() is not None:
        text = widget.text()
    elif isinstance(widget, QGroupBox):
        text = widget.title()
    else:
        return None
    found = MNEMONIC.search(text.replace("&&", ""))
    return found.group(1).lower() if found else None


def clashes(window: QWidget) -> list[str]:
    """Alt letters that more than one visible control answers to."""
    owners: dict[str, list[str]] = {}
    for widget in shown(window):
        letter = mnemonic_of(widget)
        if letter is not None:
            text = widget.text() if hasattr(widget, "text") else widget.title()
            owners.setdefault(letter, []).append(text)
    return [f"Alt+{k.upper()}: {', '.join(v)}" for k, v in owners.items() if len(v) > 1]


@pytest.mark.parametrize("system_id", registry.SYSTEM_IDS)
def test_each_alt_letter_has_one_owner_on_every_page(system_id, make_window, gui, sandbox, small_school, qtbot):
    sandbox.add(registry.get(system_id).emulator(small_school))
    window = make_window(sandbox=sandbox)
    found = []
    for page in walk(window, gui, qtbot, system_id):
        found += [f"{page}: {c}" for c in clashes(window)]
        chrome = {mnemonic_of(b) for b in (window.back_button, window.next_button, window.help_button,
                                           window.safe_switch)}
        assert None not in chrome and len(chrome) == 4, "Back, Next, Help and the switch each keep a letter"
    assert not found, "\n".join(found)


def test_alt_n_on_school_details_is_next_and_alt_s_on_welcome_starts_a_setup(make_window, gui, qtbot):
    window = make_window()
    gui.settle()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)  # mnemonics answer in the active window
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    # a button's Alt letter clicks it the way Qt shows a click: pressed, then released 100 ms later
    qtbot.waitUntil(lambda: window.page.page_id == "system", timeout=2_000)
    assert window.page.page_id == "system", "Alt+S on Welcome starts a new setup"
    assert window.safe_switch.isChecked(), "and leaves the screen-share switch alone"
    gui.choose_system(window, "tass")
    window.go_next()
    gui.fill_school(window)
    name = window.page.edits["name"]
    name.setFocus()
    qtbot.keyClick(name, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.page.page_id == "steps", timeout=2_000)
    assert window.page.page_id == "steps", "Alt+N on School details is Next, not the School name field"
    window.go_back()
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    assert window.focusWidget() is window.page.edits["name"], "Alt+S goes to School name"
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: not window.safe_switch.isChecked(), timeout=2_000)
    assert window.page.page_id == "school", "Alt+F is the screen-share switch"
