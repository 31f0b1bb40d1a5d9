"""Preview: a 50,000-row preview model opens and scrolls to the end within 100 ms of GUI-thread time,
and the event loop never waits more than 30 ms for a turn.

50,000 students are mapped first (in the app that happens on the background loop), then on the
GUI thread: the model (ui/preview_model.py) and a table view set up as the preview page sets
its own (ui/widgets/preview_table), shown, the rows fed a batch per event-loop turn as the page
feeds them, then scrolled to the last row and painted. The GUI thread's own CPU time
(time.thread_time) over all of that is the figure, so time the thread spends idle waiting for
the next batch's turn is not counted. Figure ``preview``: that time ÷ 100 ms. Target ≤ 1.
Figure ``preview_longest_wait``: the longest the event loop went without a turn (a 10 ms
timer's longest gap, wall-clock) ÷ 30 ms. Target ≤ 1: a bigger batch means fewer repaints but a
longer wait for the admin's click.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sizes  # noqa: E402
from figures import exit_code, figure  # noqa: E402
from mapping import CTX, TARGET, students  # noqa: E402
from PySide6.QtCore import QEventLoop  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from ticks import TickGaps  # noqa: E402

from mis_wizard.ui.preview_model import BatchFeeder, PreviewTableModel  # noqa: E402
from mis_wizard.ui.widgets.preview_table import PreviewTableView  # noqa: E402
from mis_wizard.wizard.mapping.mapper import Mapper  # noqa: E402

GUI_LIMIT_MS = 100
WAIT_LIMIT_MS = 30


def main(argv: list[str] | None = None) -> int:
    args = sizes.parse(argv, __doc__, "2,000 rows, for the smoke test", rows=(50_000, 2000))
    app = QApplication.instance() or QApplication([])
    mapper = Mapper(TARGET, {f.name: f.default_rule for f in TARGET.fields}, CTX)
    records = [mapper.map(r) for r in students(args.rows)]

    # In the app the window has painted seven pages of text before the preview's, so Qt's font
    # database and the glyphs of its font are loaded: a small table painted once, untimed, does
    # the same here (the process's first text paint is about 15 ms, which no preview pays).
    warm = PreviewTableView(PreviewTableModel([f.name for f in TARGET.fields]))
    warm.model().append_rows(records[:30])
    warm.resize(1100, 600)
    warm.show()
    warm.viewport().repaint()
    warm.hide()
    app.processEvents()

    gaps = TickGaps()
    gaps.start()
    cpu, wall = time.thread_time(), time.perf_counter()
    model = PreviewTableModel([f.name for f in TARGET.fields])
    view = PreviewTableView(model)
    view.resize(1100, 600)
    view.show()
    loaded = QEventLoop()
    feeder = BatchFeeder(model, records)
    feeder.finished.connect(loaded.quit)
    feeder.start()
    loaded.exec()
    view.scrollToBottom()
    view.repaint()
    app.processEvents()
    gui_ms = (time.thread_time() - cpu) * 1000
    wall_ms = (time.perf_counter() - wall) * 1000
    gaps.stop()
    last = view.rowAt(view.viewport().height() - 1)
    if model.rowCount() != args.rows or last != args.rows - 1:
        print(f"the view shows row {last} of {model.rowCount()}, not the last of {args.rows}", file=sys.stderr)
        return 2
    gap_ms = gaps.longest * 1000
    return exit_code([
        figure("preview", gui_ms / GUI_LIMIT_MS, "<=", 1, gui_thread_ms=gui_ms, wall_ms=wall_ms, rows=args.rows,
               columns=len(TARGET.fields), limit_ms=GUI_LIMIT_MS, longest_gap_ms=gap_ms),
        figure("preview_longest_wait", gap_ms / WAIT_LIMIT_MS, "<=", 1, longest_gap_ms=gap_ms,
               limit_ms=WAIT_LIMIT_MS, timer_ms=10, rows=args.rows),
    ])


if __name__ == "__main__":
    sys.exit(main())
