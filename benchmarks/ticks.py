"""How long the GUI thread went without turning its event loop, seen from the loop itself."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer


class TickGaps(QObject):
    """A 10 ms timer on the GUI thread; the longest gap between ticks is the longest stall."""

    def __init__(self) -> None:
        super().__init__()
        self.longest = 0.0
        self._last = time.perf_counter()
        self._timer = QTimer(self)
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        """Count the time since the last tick too, then stop (the emulator's shutdown is not ours)."""
        self._tick()
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now
