"""Keyboard and accessibility on every page, for every system, in demo mode (WCAG 2.1 AA where a
desktop app can meet it): one Alt letter per control on each page, a focus rule in the style sheet
for every kind of control that takes focus, a name for every control, no focus jumps, text
contrast of at least 4.5:1 from the style sheet, and nothing cut off in a small window.

The walk drives the real window against the sandbox over loopback with working demo keys.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollBar,
    QWidget,
)

from mis_wizard.ui import theme
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
                qtbot.waitUntil(lambda n=name, p=page: not getattr(p, n), timeout=60_000)
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


def focusable(window: QWidget) -> list[QWidget]:
    """Every control a Tab can reach now (a focus proxy stands for the widget it serves)."""
    out = []
    for w in shown(window):
        if not w.isEnabled() or not (w.focusPolicy() & Qt.FocusPolicy.TabFocus) or w.focusProxy() is not None:
            continue
        if isinstance(w, QScrollBar) or w.objectName().startswith("qt_"):
            continue
        if isinstance(w, QLineEdit) and isinstance(w.parentWidget(), QComboBox | QAbstractSpinBox):
            continue
        out.append(w)
    return out


def class_chain(widget: QWidget) -> list[str]:
    names, meta = [], widget.metaObject()
    while meta is not None:
        names.append(meta.className())
        meta = meta.superClass()
    return names


def unnamed(window: QWidget) -> list[str]:
    buddies = {id(lbl.buddy()) for lbl in window.findChildren(QLabel) if lbl.buddy() is not None}
    out = []
    for w in focusable(window):
        text = w.text().replace("&", "").strip() if isinstance(w, QAbstractButton) else ""
        if not (w.accessibleName().strip() or text or id(w) in buddies):
            out.append(f"{type(w).__name__} {w.objectName()!r} in {type(w.parentWidget()).__name__}")
    return out


@pytest.mark.parametrize("system_id", registry.SYSTEM_IDS)
def test_every_control_has_a_name_and_a_focus_rule(system_id, make_window, gui, sandbox, small_school, qtbot):
    sandbox.add(registry.get(system_id).emulator(small_school))
    window = make_window(sandbox=sandbox)
    ruled = focus_rules(theme.stylesheet())
    missing, bare = [], set()
    for page in walk(window, gui, qtbot, system_id):
        missing += [f"{page}: {m}" for m in unnamed(window)]
        for w in focusable(window):
            if not any(name in ruled for name in class_chain(w)):
                bare.add(f"{page}: {class_chain(w)[0]}")
    assert not missing, "controls without an accessible name or a label:\n" + "\n".join(missing)
    assert not bare, "no :focus rule in app.qss for: " + ", ".join(sorted(bare))


def focus_rules(sheet: str) -> set[str]:
    """The widget classes a ``:focus`` rule in the style sheet draws a visible change for."""
    sheet = re.sub(r"/\*.*?\*/", "", sheet, flags=re.S)
    classes = set()
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", sheet):
        if not re.search(r"(border|background|color|image|text-decoration|outline)\s*:", body):
            continue
        for selector in selectors.split(","):
            selector = selector.strip()
            if ":focus" not in selector or ":!focus" in selector:
                continue
            head = re.match(r"[A-Za-z]+", selector.split()[-1])
            if head and "#" not in selector.split()[-1].split(":")[0]:
                classes.add(head.group(0))
    return classes


def test_no_focus_jumps(make_window, gui, sandbox, small_school, qtbot):
    """Tabbing into the system list chooses nothing; after Run the check the focus is back on it."""
    sandbox.add(registry.get("tass").emulator(small_school))
    window = make_window(sandbox=sandbox)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    window.pages[0].new_button.click()
    gui.settle()
    choices = window.page.choices
    assert window.focusWidget() is choices, "the system page starts on its list"
    window.back_button.setFocus()
    choices.setFocus(Qt.FocusReason.TabFocusReason)  # as a Tab into the list gives it
    gui.settle()
    assert window.ctx.session.system == "", "focus alone picks no system"
    assert choices.currentItem() is None and not choices.selectedItems()
    qtbot.keyClick(choices, Qt.Key.Key_Down)
    assert window.ctx.session.system == registry.SYSTEM_IDS[0], "an arrow key chooses"

    window.go_next()
    gui.fill_school(window)
    window.go_next()
    window.go_next()
    window.page.fill_demo()
    window.go_next()
    check = window.page
    assert window.focusWidget() is check.run_button
    qtbot.keyClick(check.run_button, Qt.Key.Key_Space)
    assert check.running
    focus = window.focusWidget()
    assert focus is not None and check.isAncestorOf(focus), "while it runs the focus stays on the page"
    qtbot.waitUntil(lambda: not check.running, timeout=30_000)
    gui.settle()
    assert window.focusWidget() is check.run_button, "and comes back to Run the check, not the header"


def luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of ``#rrggbb``."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def rules(sheet: str) -> list[tuple[str, dict[str, str]]]:
    sheet = re.sub(r"/\*.*?\*/", "", sheet, flags=re.S)
    out = []
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", sheet):
        props = {}
        for decl in body.split(";"):
            name, _, value = decl.partition(":")
            if value.strip():
                props[name.strip()] = value.strip()
        for selector in selectors.split(","):
            out.append((selector.strip(), props))
    return out


def colour_of(value: str) -> str | None:
    found = re.search(r"#[0-9a-fA-F]{6}\b", value)
    return found.group(0).lower() if found else None


DECORATION = frozenset({"#HeaderRule"})
"""Selectors whose colour draws a line, not text (a divider is decoration under WCAG 1.4.11)."""


def text_pairs(sheet: str) -> list[tuple[str, str, str]]:
    """(text colour, background, selector) for every text colour app.qss sets, on the background it
    is drawn on: its own rule's, else the panel its selector names, else every surface a page
    has (the canvas, a card, the header and the navigation bar). Disabled text is left out (WCAG
    1.4.3 does not hold inactive controls to a ratio), except a locked step in the side list,
    which says what it needs first."""
    parsed = rules(sheet)
    background = {sel: colour_of(p.get("background", "") or p.get("background-color", "")) for sel, p in parsed}
    panels = {name: background[name] for name in ("#Banner", "#InfoBanner", "#Sidebar", "#Header", "#Card",
                                                  "#NavBar", "#Canvas", "QToolTip")}
    surfaces = {panels["#Canvas"], panels["#Card"], panels["#Header"], panels["#NavBar"]}
    pairs = []
    for selector, props in parsed:
        for key in ("color", "selection-color"):
            fg = colour_of(props.get(key, ""))
            if fg is None or (":disabled" in selector and selector != "#Sidebar::item:disabled") \
                    or selector in DECORATION:
                continue
            own = colour_of(props.get("selection-background-color" if key == "selection-color" else "background", ""))
            if own is not None:
                grounds = {own}
            else:
                named = [bg for name, bg in panels.items() if name in selector and bg]
                grounds = set(named) if named else surfaces
                if selector.startswith("#Sidebar::item:selected"):
                    grounds = {background["#Sidebar::item:selected"]}
            pairs += [(fg, bg, selector) for bg in grounds if bg]
    return pairs


def test_text_contrast_is_at_least_4_5_to_1():
    sheet = theme.stylesheet()
    pairs = text_pairs(sheet) + [(fg, bg, where) for fg, bg, where in theme.TEXT_PAIRS]
    assert len(pairs) > 20, "the style sheet's colours were found"
    low = [f"{where}: {fg} on {bg} is {contrast(fg, bg):.2f}:1" for fg, bg, where in pairs if contrast(fg, bg) < 4.5]
    assert not low, "\n".join(low)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01), "the formula is WCAG's"


def clipped(window: QWidget) -> list[str]:
    """Controls and text that are cut off and cannot be scrolled to: a widget reaching outside
    the widget that holds it (Qt then clips it), or a page wider or taller than its scroll area
    with no scroll bar to reach the rest."""
    out = []
    for w in shown(window):
        parent = w.parentWidget()
        if parent is None or w.isWindow() or isinstance(w, QScrollBar) or w.objectName().startswith("qt_"):
            continue
        if isinstance(parent, QAbstractScrollArea) or isinstance(parent.parentWidget(), QAbstractScrollArea):
            continue  # a viewport or the widget inside one: scrolled, checked below
        if isinstance(parent, QAbstractItemView | QComboBox | QAbstractSpinBox | QLineEdit):
            continue  # their own parts (editors, headers, buttons) are theirs to place
        inside = QRect(QPoint(0, 0), parent.size()).adjusted(-1, -1, 1, 1)
        if not inside.contains(w.geometry()):
            what = w.text() if isinstance(w, QLabel | QAbstractButton) else w.accessibleName()
            out.append(f"{type(w).__name__} {what[:40]!r} {w.geometry().getRect()} outside "
                       f"{type(parent).__name__} {parent.objectName()!r} {parent.size().toTuple()}")
    for area in window.findChildren(QAbstractScrollArea):
        if not area.isVisible() or not hasattr(area, "widget") or area.widget() is None:
            continue
        inner, port = area.widget(), area.viewport()
        for bar, extent, room in ((area.horizontalScrollBar(), inner.width(), port.width()),
                                  (area.verticalScrollBar(), inner.height(), port.height())):
            if extent > room + 1 and not (bar.isVisible() and bar.maximum() >= extent - room - 1):
                out.append(f"{area.objectName() or type(area).__name__}: {extent} px in {room} px with no scroll bar")
    return out


@pytest.mark.parametrize("system_id", registry.SYSTEM_IDS)
def test_nothing_is_cut_off_at_800_by_500(system_id, make_window, gui, sandbox, small_school, qtbot, shots):
    sandbox.add(registry.get(system_id).emulator(small_school))
    window = make_window(sandbox=sandbox)
    assert window.minimumWidth() <= 800 and window.minimumHeight() <= 500, "the window may be made this small"
    window.resize(800, 500)
    found = []
    for page in walk(window, gui, qtbot, system_id):
        gui.settle()
        assert window.size().toTuple() == (800, 500), page
        for button in (window.back_button, window.next_button, window.help_button, window.safe_switch):
            corner = button.mapTo(window, QPoint(button.width(), button.height()))
            assert 0 < corner.x() <= 800 and 0 < corner.y() <= 500, f"{page}: {button.text()} off the window"
        found += [f"{page}: {c}" for c in clipped(window)]
        if system_id == "tass":
            assert window.grab().save(str(shots / f"small-{page}.png"))
    window.show_help()
    gui.settle()
    assert window.help_holder.isVisible()
    found += [f"help: {c}" for c in clipped(window)]
    assert not found, "\n".join(dict.fromkeys(found))


SCALED = os.environ.get("QT_SCALE_FACTOR") == "2"


@pytest.mark.skipif(not SCALED, reason="run by test_usable_at_200_percent in a process with QT_SCALE_FACTOR=2")
@pytest.mark.parametrize("system_id", ["tass", "isams"])
def test_pages_at_200_percent(system_id, make_window, gui, sandbox, small_school, qtbot, shots):
    """A 1920×1080 screen at 200% leaves a window of 960×540 (logical) pixels: every page works there."""
    sandbox.add(registry.get(system_id).emulator(small_school))
    window = make_window(sandbox=sandbox)
    window.resize(960, 540)
    assert window.devicePixelRatio() == 2
    found = []
    for page in walk(window, gui, qtbot, system_id):
        gui.settle()
        found += [f"{page}: {c}" for c in clipped(window)]
        for button in (window.back_button, window.next_button, window.help_button, window.safe_switch):
            corner = button.mapTo(window, QPoint(button.width(), button.height()))
            assert 0 < corner.x() <= window.width() and 0 < corner.y() <= window.height(), page
        picture = window.grab()
        assert picture.width() == 2 * window.width(), "drawn at twice the pixels, not stretched"
        assert picture.save(str(shots / f"scaled-{system_id}-{page}.png"))
    assert not found, "\n".join(dict.fromkeys(found))


@pytest.mark.skipif(SCALED, reason="this is the outer run")
def test_usable_at_200_percent(tmp_path):
    import subprocess
    import sys

    env = {**os.environ, "QT_SCALE_FACTOR": "2", "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    env.setdefault("MIS_WIZARD_SHOTS", str(tmp_path))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          f"{__file__}::test_pages_at_200_percent"], env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "2 passed" in run.stdout


@pytest.mark.parametrize("system_id", registry.SYSTEM_IDS)
def test_every_field_describes_itself(system_id, make_window, gui):
    """A screen reader says a field's name and then what goes in it (the hint under the box)."""
    window = make_window()
    window.pages[0].new_button.click()
    gui.choose_system(window, system_id)
    window.go_next()
    fields = [e for e in window.page.edits.values()]
    window.go(window.pages.index(next(p for p in window.pages if p.page_id == "credentials")))
    gui.settle()
    fields += [item.widget.focusProxy() or item.widget for item in window.page.inputs.values()]
    assert fields
    bare = [w.accessibleName() for w in fields if not w.accessibleDescription().strip()]
    assert not bare, bare
