"""The look in one place: the style sheet and the SVG icons shipped in resources/."""

from __future__ import annotations

from functools import cache
from importlib import resources

from PySide6.QtGui import QIcon

from mis_wizard.vendors.base import Status


@cache
def stylesheet() -> str:
    return resources.files("mis_wizard.resources").joinpath("style", "app.qss").read_text(encoding="utf-8")


@cache
def icon(name: str) -> QIcon:
    """An icon from resources/icons/<name>.svg (cached: QIcon is cheap to copy)."""
    path = resources.files("mis_wizard.resources").joinpath("icons", f"{name}.svg")
    if not path.is_file():
        raise KeyError(f"no icon {name!r} in resources/icons")
    return QIcon(str(path))


def status_icon(status: Status | str) -> QIcon:
    return icon(f"status-{Status(status).value}")
