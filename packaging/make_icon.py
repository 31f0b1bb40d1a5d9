"""Writes mis_wizard/resources/icons/app.ico from app.svg, so the two never drift apart.

Windows picks the exe, shortcut and taskbar icon from the ICO, a different size in each place,
so every standard size is rendered from the vector source rather than scaled from one bitmap.
Each entry is stored as PNG, which Windows Vista and later read at any size. Run it after
changing app.svg:

    python packaging/make_icon.py
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "mis_wizard" / "resources" / "icons"
SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)


def render_png(svg: Path, size: int) -> bytes:
    """The SVG drawn on a transparent square of ``size`` pixels, as PNG bytes (Qt's own SVG renderer)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICO container (ICONDIR, one ICONDIRENTRY per size, then the PNG images)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, images = b"", b""
    for size, png in sorted(pngs.items()):
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset + len(images))
        images += png
    return header + entries + images


def ico_sizes(data: bytes) -> list[int]:
    """The square sizes an ICO holds, read back from its directory (for the build's checks)."""
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    if reserved != 0 or kind != 1:
        raise ValueError("not an ICO file")
    sizes = []
    for i in range(count):
        width = struct.unpack_from("<B", data, 6 + 16 * i)[0]
        sizes.append(width or 256)
    return sizes


def build_icon() -> bytes:
    return ico_bytes({size: render_png(ICONS / "app.svg", size) for size in SIZES})


def main() -> int:
    target = ICONS / "app.ico"
    target.write_bytes(build_icon())
    print(f"wrote {target} ({', '.join(map(str, SIZES))} px)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
