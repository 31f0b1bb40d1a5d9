"""The look in one place: the style sheet and the SVG icons shipped in resources/."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QIcon

if TYPE_CHECKING:
    from mis_wizard.vendors.base import Status


@cache
def stylesheet() -> str:
    """app.qss with ``@icons@`` pointing at the icon folder (style sheets need real paths)."""
    root = resources.files("mis_wizard.resources")
    icons = Path(str(root.joinpath("icons"))).as_posix()
    return root.joinpath("style", "app.qss").read_text(encoding="utf-8").replace("@icons@", icons)


@cache
def icon(name: str) -> QIcon:
    """An icon from resources/icons/<name>.svg (cached: QIcon is cheap to copy)."""
    path = resources.files("mis_wizard.resources").joinpath("icons", f"{name}.svg")
    if not path.is_file():
        raise KeyError(f"no icon {name!r} in resources/icons")
    return QIcon(str(path))


def status_icon(status: Status | str) -> QIcon:
    """``status-ok.svg`` and so on: a Status is a StrEnum, so its value is the name."""
    return icon(f"status-{status}")
