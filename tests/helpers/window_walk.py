"""The admin's path through the wizard window, as several GUI tests walk it: a new setup for one
system, the school's details, the keys, the check, and on to the last page.

``gui`` is tests/ui/conftest.py's fixture of typing helpers; ``qtbot`` is pytest-qt's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

WAIT = 30_000
"""How long (ms) a step that talks to the sandbox over loopback may take."""


def index_of(window: Any, page_id: str) -> int:
    return next(i for i, p in enumerate(window.pages) if p.page_id == page_id)


def focused(widget: Any) -> bool:
    """Whether ``widget`` (or what it hands its focus to) has the keyboard focus."""
    target = widget.focusProxy() or widget
    return QApplication.focusWidget() is target


def start(window: Any, gui: Any, system: str = "tass") -> Any:
    """A new setup for ``system``, on the school page."""
    window.pages[0].new_button.click()
    gui.choose_system(window, system)
    window.go_next()
    assert window.page.page_id == "school"
    return window.page


def settled(qtbot: Any, page: Any, timeout: int = 60_000) -> None:
    """Waits until ``page`` has stopped running, reading or being busy, and its widget loading."""
    for flag in ("running", "reading", "busy"):
        if isinstance(getattr(page, flag, None), bool):
            qtbot.waitUntil(lambda f=flag: not getattr(page, f), timeout=timeout)
    widget = getattr(page, "widget", None)
    if widget is not None and isinstance(getattr(widget, "loading", None), bool):
        qtbot.waitUntil(lambda: not widget.loading, timeout=timeout)


def to_credentials_looking(window: Any, gui: Any, system: str, look: Callable[[str], None]) -> Any:
    """From Welcome, a new setup for ``system`` with the school's details filled and every step
    ticked, on the keys page; ``look(name)`` on each page on the way."""
    look("welcome")
    window.pages[0].new_button.click()
    look("system")
    gui.choose_system(window, system)
    window.go_next()
    gui.fill_school(window)
    look("school")
    window.go_next()
    for box in window.page.boxes.values():
        box.setChecked(True)
    look("steps")
    window.go_next()
    assert window.page.page_id == "credentials"
    return window.page


def to_sync_looking(window: Any, qtbot: Any, look: Callable[[str], None]) -> Any:
    """From the current page, each page in turn to the sync page, ``look(page_id)`` on each once
    it has settled; the sync page."""
    last = index_of(window, "sync")
    for index in range(window.current + 1, last + 1):
        window.go(index)
        assert window.current == index, window.pages[index].page_id
        settled(qtbot, window.page)
        look(window.page.page_id)
    return window.page


def to_done_and_back_looking(window: Any, look: Callable[[str], None]) -> None:
    """Onto All done, then back to Welcome (where the setup can be resumed), ``look`` on both."""
    window.go(index_of(window, "done"))
    assert window.page.page_id == "done"
    look("done")
    window.go(0)
    look("welcome-resume")


def to_credentials(window: Any, gui: Any, system: str = "tass") -> Any:
    """A new setup for ``system`` with the school's details filled, on the keys page."""
    start(window, gui, system)
    gui.fill_school(window)
    window.go_next()
    window.go_next()
    gui.settle()
    assert window.page.page_id == "credentials"
    return window.page


def to_check(window: Any, gui: Any, school: str = "Riverbend College") -> Any:
    """From the school page: details filled, steps and keys (the sandbox's working ones), on the
    check page."""
    gui.fill_school(window, school)
    window.go_next()
    window.go_next()
    gui.settle()
    window.page.fill_demo()
    window.go_next()
    assert window.page.page_id == "check"
    return window.page


def run_check(page: Any, qtbot: Any) -> None:
    page.run_check()
    qtbot.waitUntil(lambda: not page.running, timeout=WAIT)


def walk_to_the_end(window: Any, gui: Any, qtbot: Any, tmp_path: Path, school: str) -> dict[str, Path]:
    """The whole demo path as an admin takes it from the school page: check, map, preview, whole
    school, bundle and workbook, the daily sync, one sync run, then Next onto the last page."""
    check = to_check(window, gui, school)
    run_check(check, qtbot)
    for page_id in ("mapping", "preview", "report"):
        window.go_next()
        page = window.page
        assert page.page_id == page_id
        qtbot.waitUntil(lambda page=page: not page.unmet(), timeout=WAIT)
    window.go_next()
    finish = window.page
    assert finish.page_id == "finish"
    stem = school.lower().replace(" ", "-")
    files = {"bundle": tmp_path / f"{stem}.age", "workbook": tmp_path / f"{stem}-credentials.xlsx"}
    finish.make_bundle(files["bundle"])
    qtbot.waitUntil(lambda: finish.last_bundle is not None, timeout=WAIT)
    finish.write_workbook(files["workbook"])
    qtbot.waitUntil(lambda: not finish.busy, timeout=WAIT)
    finish.schedule_daily()
    qtbot.waitUntil(lambda: not finish.busy, timeout=WAIT)
    window.go_next()
    sync = window.page
    assert sync.page_id == "sync"
    for eid, box in sync.entity_boxes.items():
        box.setChecked(eid == "students")
    sync.run_sync()
    qtbot.waitUntil(lambda: not sync.running and len(sync.runs) == 1, timeout=WAIT)
    files["store"] = Path(sync.path.text())
    window.go_next()
    assert window.page.page_id == "done"
    return files
