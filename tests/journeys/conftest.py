"""Journeys: the real main window driven as an admin drives it — mouse clicks on buttons and list
rows, keys typed into fields, Next — asserting only on what the screen shows (visible label texts,
the side list's step states, banners), with a screenshot at every stop.

Every screenshot also checks that nothing on the page runs past the window's right edge. They go
to MIS_WIZARD_SHOTS/<Qt platform> when it is set (to look at them), else to the test's temporary
folder. The suite runs offscreen and under a real X server (xvfb-run, QT_QPA_PLATFORM=xcb).
The helpers know pages only by their headings and widgets, so a journey reads any page the same way.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QTextDocumentFragment, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QApplication, QLabel, QLineEdit, QScrollArea, QWidget
from qt_windows import let_go, settle

from mis_wizard.ui.context import WizardContext
from mis_wizard.ui.main_window import MainWindow
from mis_wizard.ui.widgets.secret_edit import SecretLineEdit, SecretTextEdit
from mis_wizard.vendors import registry
from mis_wizard.vendors.sandbox.kit import Sandbox
from mis_wizard.wizard.profile import Profile, load_builtin

DEMO_SYSTEMS = ("tass", "isams", "powerschool")
"""The systems the journeys' demo sandbox serves (as `--demo` does, fewer to start quicker)."""
LEFT = Qt.MouseButton.LeftButton
NOT_YET = ". Not possible yet: "
"""How the side list's accessible text goes on when a step cannot be opened yet."""
WAIT_MS = 30_000


def plain(text: str) -> str:
    """A label's text as the admin reads it: rich text without its markup, spaces collapsed."""
    if re.search(r"<[a-zA-Z/][^>]*>", text):
        text = QTextDocumentFragment.fromHtml(text).toPlainText()
    return re.sub(r"\s+", " ", text.replace("&&", "\0").replace("&", "").replace("\0", "&")).strip()


def shown(root: QWidget, widget: QWidget) -> bool:
    return widget.isVisibleTo(root) and widget.window().isVisible()


def _ancestors(widget: QWidget, stop: QWidget) -> Iterator[QWidget]:
    parent = widget.parentWidget()
    while parent is not None and parent is not stop:
        yield parent
        parent = parent.parentWidget()


class Journey:
    """One admin at one window: every action goes through the screen, every check reads it."""

    def __init__(self, qtbot: Any, window: MainWindow, shots: Path, name: str) -> None:
        self.qtbot = qtbot
        self.window = window
        self.shots = shots
        self.name = name
        self.taken: list[Path] = []

    # where we are ------------------------------------------------------------------------

    @property
    def page(self) -> Any:
        return self.window.page

    def at(self, title: str) -> Any:
        """Assert the page on screen has this heading (what the admin sees), and return it."""
        settle()
        headings = [plain(label.text()) for label in self.page.findChildren(QLabel)
                    if label.objectName() == "PageTitle" and shown(self.window, label)]
        assert headings == [title], f"expected the page {title!r}, the screen shows {headings}"
        return self.page

    def texts(self, root: QWidget | None = None) -> list[str]:
        """Every visible label's text on the page (or under ``root``) and in the banners above it."""
        settle()
        roots = [root] if root is not None else [self.page, *self.banners_widgets()]
        out: list[str] = []
        for r in roots:
            for label in r.findChildren(QLabel):
                if shown(self.window, label) and label.text():
                    out.append(plain(label.text()))
        return out

    def read(self, label: QLabel) -> str:
        """One label as the admin reads it; it must be on screen."""
        settle()
        assert shown(self.window, label), f"{label.objectName() or 'the label'} is not on screen"
        return plain(label.text())

    def text(self, root: QWidget | None = None) -> str:
        return "\n".join(self.texts(root))

    def says(self, *phrases: str) -> str:
        """Assert each phrase is visible somewhere on the page; return the page's text."""
        text = self.text()
        for phrase in phrases:
            assert phrase in text, f"{phrase!r} is not on the {self.page.title!r} page:\n{text}"
        return text

    def table(self, view: QAbstractItemView) -> list[list[str]]:
        """A table on screen as rows of cell texts, the header row first."""
        settle()
        assert shown(self.window, view), f"{view.accessibleName()!r} is not on screen"
        model = view.model()
        columns = range(model.columnCount())
        header = [str(model.headerData(c, Qt.Orientation.Horizontal)) for c in columns]
        return [header, *([str(model.index(r, c).data() or "") for c in columns] for r in range(model.rowCount()))]

    def rows(self, view: QAbstractItemView) -> list[str]:
        """The rows a list on screen shows (their first line)."""
        settle()
        assert shown(self.window, view), f"{view.accessibleName()!r} is not on screen"
        model = view.model()
        return [str(model.index(r, 0).data() or "") for r in range(model.rowCount())]

    def banners_widgets(self) -> list[QWidget]:
        area = self.window.banner_area
        widgets = [area.itemAt(i).widget() for i in range(area.count())]
        return [w for w in widgets if w is not None and shown(self.window, w)]

    def banners(self) -> list[str]:
        return [plain(w.accessibleName()) for w in self.banners_widgets()]

    def header(self) -> str:
        return self.window.session_label.text()

    def steps(self) -> dict[str, str]:
        """The side list as a screen reader says it: step title → its state (and why)."""
        bar = self.window.sidebar
        out = {}
        for row in range(bar.count()):
            title, _, words = bar.item(row).accessibleText().partition(", ")
            out[title] = words.partition(NOT_YET)[0]
        return out

    def step(self, title: str) -> str:
        return self.steps()[title]

    def needs(self, title: str) -> str:
        """What the side list says a step still needs before it can be opened ("" when nothing)."""
        bar = self.window.sidebar
        row = next(r for r in range(bar.count()) if bar.item(r).text() == title)
        return bar.item(row).accessibleText().partition(NOT_YET)[2]

    def blocked(self) -> str:
        """What is said beside Next when it is greyed out."""
        return self.window.blocked_label.text() if shown(self.window, self.window.blocked_label) else ""

    # doing ---------------------------------------------------------------------------------

    def scroll_to_end(self) -> None:
        """Scroll the page down as far as it goes, with the mouse wheel."""
        bar = self.page.scroll_area.verticalScrollBar()
        viewport = self.page.scroll_area.viewport()
        for _ in range(50):
            if bar.value() >= bar.maximum():
                break
            centre = viewport.rect().center()
            wheel = QWheelEvent(QPointF(centre), QPointF(viewport.mapToGlobal(centre)),
                                QPoint(0, 0), QPoint(0, -120), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                                Qt.ScrollPhase.NoScrollPhase, False)
            QApplication.sendEvent(viewport, wheel)
            settle()
        assert bar.value() == bar.maximum() > 0, "the page did not scroll"

    def look_at(self, widget: QWidget) -> None:
        """Scroll the page so ``widget`` is on screen (before a screenshot of it)."""
        self._into_view(widget)

    def _into_view(self, widget: QWidget) -> None:
        parent = widget.parentWidget()
        while parent is not None:
            if isinstance(parent, QScrollArea):
                parent.ensureWidgetVisible(widget, 20, 20)
            parent = parent.parentWidget()
        settle()

    def click(self, widget: QAbstractButton | QWidget) -> None:
        """Click a visible, enabled control with the mouse."""
        settle()
        assert shown(self.window, widget), f"{self._name(widget)} is not on screen"
        assert widget.isEnabled(), f"{self._name(widget)} is greyed out"
        self._into_view(widget)
        self.qtbot.mouseClick(widget, LEFT, pos=widget.rect().center())
        settle()

    def button(self, text: str) -> QAbstractButton:
        """The visible button on the page (or the window's bars) whose text reads ``text``."""
        settle()
        found = [b for b in self.window.findChildren(QAbstractButton)
                 if shown(self.window, b) and plain(b.text()) == text]
        assert found, f"no button {text!r} on screen"
        assert len(found) == 1, f"{len(found)} buttons read {text!r}"
        return found[0]

    def press(self, text: str) -> None:
        self.click(self.button(text))

    def idle(self) -> None:
        """Wait, as an admin waits for the spinner, until the page's background work is done."""
        page = self.page

        def busy() -> bool:
            widget = getattr(page, "widget", None)
            flags = [getattr(page, name, False) for name in ("running", "reading", "busy")]
            flags.append(getattr(widget, "loading", False))
            return any(flag is True for flag in flags)  # (a page's "busy" may be its progress bar)

        self.wait(lambda: not busy())

    def next(self) -> None:
        self.idle()
        before = self.window.current
        assert self.window.next_button.isEnabled(), f"Next is greyed out: {self.blocked()}"
        self.click(self.window.next_button)
        assert self.window.current != before, "Next did not move on"

    def type_into(self, widget: QWidget, text: str) -> None:
        """Click into a field, select what is there, type over it, and Tab out of it. A multi-line
        secret (a certificate) is pasted whole, as an admin does: clipboard, then its Paste button."""
        if isinstance(widget, SecretTextEdit):
            QApplication.clipboard().setText(text)
            self.click(widget.paste_button)
            assert widget.value() == text.strip()
            return
        target = widget.edit if isinstance(widget, SecretLineEdit) else widget
        self.click(target)
        assert target.hasFocus(), f"clicking {self._name(target)} did not put the cursor in it"
        QTest.keyClick(target, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClick(target, Qt.Key.Key_Delete)
        QTest.keyClicks(target, text)
        if isinstance(target, QLineEdit):
            assert target.text() == text, f"typed {len(text)} characters, the field holds {len(target.text())}"
        QTest.keyClick(target, Qt.Key.Key_Tab)
        settle()
        assert not target.hasFocus(), f"Tab did not leave {self._name(target)}"

    def choose(self, view: QAbstractItemView, text: str) -> None:
        """Click the row of a list whose text starts with ``text``."""
        settle()
        model = view.model()
        rows = [r for r in range(model.rowCount()) if str(model.index(r, 0).data()).startswith(text)]
        assert rows, f"no row {text!r} in {view.accessibleName()!r}"
        index = model.index(rows[0], 0)
        view.scrollTo(index)
        settle()
        rect = view.visualRect(index)
        self.qtbot.mouseClick(view.viewport(), LEFT, pos=rect.center())
        settle()

    def go_to(self, title: str) -> Any:
        """Click a step in the side list and return the page it opens."""
        self.idle()
        self.choose(self.window.sidebar, title)
        return self.at(title)

    def try_to_open(self, title: str) -> str:
        """Click a step in the side list; return the title of the page the window shows instead or
        as asked (a step that needs another first opens that one)."""
        self.idle()
        self.choose(self.window.sidebar, title)
        settle()
        return self.page.title

    def walk_to(self, title: str) -> Any:
        """Press Next, waiting on each page for its work, until the page ``title`` is on screen."""
        for _ in range(len(self.window.pages)):
            if self.page.title == title:
                return self.at(title)
            self.next()
        raise AssertionError(f"Next never reached {title!r}")

    def wait(self, condition: Callable[[], Any], timeout: int = WAIT_MS) -> None:
        self.qtbot.waitUntil(lambda: bool(condition()), timeout=timeout)
        settle()

    def cut_off(self) -> list[str]:
        """Visible texts and buttons that run past the right edge of the page's visible area, where
        no scroll bar reaches them (the page scrolls only up and down)."""
        settle()
        page = self.page
        viewport = page.scroll_area.viewport()
        right = viewport.mapTo(self.window, viewport.rect().topRight()).x()
        out = []
        for widget in page.findChildren(QLabel) + page.findChildren(QAbstractButton):
            if not shown(self.window, widget) or not widget.width():
                continue
            if any(isinstance(p, QAbstractItemView) for p in _ancestors(widget, page)):
                continue  # inside a table or list, which scrolls sideways itself
            edge = widget.mapTo(self.window, widget.rect().topRight()).x()
            if edge > right + 1:
                out.append(f"{type(widget).__name__} {plain(getattr(widget, 'text', lambda: '')())[:80]!r} "
                           f"ends at x={edge}, the page at x={right}")
        return out

    def shot(self, label: str) -> Path:
        """Save the window as the admin sees it; nothing on the page may be cut off at the right."""
        settle()
        cut = self.cut_off()
        assert not cut, f"{self.page.title}: cut off at the right edge:\n" + "\n".join(cut)
        path = self.shots / f"{self.name}-{len(self.taken) + 1:02d}-{label}.png"
        assert self.window.grab().save(str(path)), path
        self.taken.append(path)
        return path

    @staticmethod
    def _name(widget: QWidget) -> str:
        return widget.accessibleName() or getattr(widget, "text", lambda: "")() or type(widget).__name__

    # whole stretches of the walk, each through the screen -------------------------------------

    def start_new_setup(self) -> None:
        if self.window.current != 0:
            self.go_to("Welcome")
        self.at("Welcome")
        self.press("Start a new setup")
        self.at("Your school's system")

    def pick_system(self, system: str) -> None:
        page = self.at("Your school's system")
        name = registry.get(system).name
        self.choose(page.choices, name)
        assert self.step("Your school's system").startswith("current page")
        self.shot(f"system-{system}")
        self.next()

    def fill_school(self, name: str, contact: str = "Jordan Smith",
                    email: str = "jordan.smith@school.example") -> None:
        page = self.at("School details")
        self.type_into(page.edits["name"], name)
        self.type_into(page.edits["contact_name"], contact)
        self.type_into(page.edits["contact_email"], email)
        assert not [t for t in self.texts() if t.endswith("is needed.")]
        self.shot(f"school-{self.window.ctx.session.system}")
        self.next()

    def tick_every_step(self) -> None:
        page = self.at("Steps in your system")
        for box in page.boxes.values():
            if not box.isChecked():
                self.click(box)
        assert all(box.isChecked() for box in page.boxes.values())
        self.shot(f"steps-{self.window.ctx.session.system}")
        self.next()

    def run_check(self) -> Any:
        page = self.at("Check the keys")
        self.press("Run the check")
        self.wait(lambda: not page.running)
        self.shot(f"checked-{self.window.ctx.session.system}")
        return page

    def to_the_keys(self, system: str, school: str) -> Any:
        """A new setup: the system, the school's details and every step ticked, on the keys page."""
        self.start_new_setup()
        self.pick_system(system)
        self.fill_school(school)
        self.tick_every_step()
        return self.at("Enter the keys")

    def check_demo_keys(self) -> Any:
        """On the keys page: the demo keys filled in, then Next and the check run."""
        self.at("Enter the keys")
        self.press("Fill demo credentials")
        self.next()
        return self.run_check()

    def check_summary(self) -> str:
        return self.read(self.at("Check the keys").summary)


@pytest.fixture
def shots(tmp_path: Path, qapp) -> Path:
    """One folder per Qt platform (offscreen, xcb …), so the two runs' pictures sit side by side."""
    asked = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    assert not asked or QGuiApplication.platformName() == asked, f"asked for {asked}, Qt runs on another platform"
    folder = Path(os.environ.get("MIS_WIZARD_SHOTS") or tmp_path / "shots") / QGuiApplication.platformName()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def demo_box(small_school) -> Iterator[Sandbox]:
    """The demo sandbox, as `mis-wizard --demo` starts it, serving DEMO_SYSTEMS over loopback."""
    with Sandbox() as box:
        for system in DEMO_SYSTEMS:
            box.add(registry.get(system).emulator(small_school))
        yield box


@pytest.fixture
def open_window(qtbot, shots: Path, request) -> Iterator[Callable[..., Journey]]:
    """Opens the wizard as the app does (a fresh context on MIS_WIZARD_HOME) and returns its Journey."""
    windows: list[MainWindow] = []

    def open_(profile: Profile | None = None, sandbox: Any = None, size: tuple[int, int] = (1366, 768),
              name: str = "") -> Journey:
        window = MainWindow(WizardContext(profile or load_builtin(), sandbox=sandbox))
        qtbot.addWidget(window)
        window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
        settle()
        windows.append(window)
        return Journey(qtbot, window, shots, name or request.node.name.removeprefix("test_"))

    yield open_
    let_go(windows)

