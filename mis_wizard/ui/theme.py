"""The look in one place: the style sheet and the SVG icons shipped in resources/."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from PySide6.QtGui import QIcon

from mis_wizard.resources import ROOT

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from mis_wizard.vendors.base import Status


TEXT = "#1f2937"
MUTED = "#5b6578"
SURFACE = "#ffffff"
CANVAS = "#f4f6f9"
SELECTED = "#eaf2fb"
ERROR_BACKGROUND = "#fde2e1"
NOT_SENT = "#636b78"
WARN = "#8a5a00"
FAIL = "#b3261e"
CODE_BACKGROUND = "#eef1f6"

TEXT_PAIRS: tuple[tuple[str, str, str], ...] = (
    (TEXT, SURFACE, "a choice's title"), (TEXT, SELECTED, "the chosen choice's title"),
    (MUTED, SURFACE, "a choice's line"), (MUTED, SELECTED, "the chosen choice's line"),
    (MUTED, CANVAS, "a choice that cannot be chosen, and why"),
    (TEXT, ERROR_BACKGROUND, "a value that would be refused"), (NOT_SENT, SURFACE, "a value not sent"),
    (WARN, SURFACE, "records left out"), (FAIL, SURFACE, "records refused"),
    (MUTED, SURFACE, "a check's technical detail"), (TEXT, CODE_BACKGROUND, "a value to type in the steps"),
)
"""Text the Python code paints itself (not through app.qss), as (text, background, where):
tests/ui/test_access_every_page.py holds each pair, and every app.qss pair, to 4.5:1."""


@cache
def stylesheet() -> str:
    """app.qss with ``@icons@`` pointing at the icon folder (style sheets need real paths)."""
    icons = (ROOT / "icons").as_posix()
    return (ROOT / "style" / "app.qss").read_text(encoding="utf-8").replace("@icons@", icons)


@cache
def icon(name: str) -> QIcon:
    """An icon from resources/icons/<name>.svg (cached: QIcon is cheap to copy)."""
    path = ROOT / "icons" / f"{name}.svg"
    if not path.is_file():
        raise KeyError(f"no icon {name!r} in resources/icons")
    return QIcon(str(path))


def status_icon(status: Status | str) -> QIcon:
    """``status-ok.svg`` and so on: a Status is a StrEnum, so its value is the name."""
    return icon(f"status-{status}")


def restyle(widget: QWidget, name: str) -> None:
    """Give ``widget`` another style-sheet name (an ``#name`` rule of app.qss) and apply it at once."""
    widget.setObjectName(name)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
