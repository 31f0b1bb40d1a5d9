"""Background work reports to the GUI thread and never blocks it (Anki's QueryOp shape)."""

from __future__ import annotations

import asyncio
import threading

from PySide6.QtCore import QObject, QTimer

from mis_wizard.ui.async_runner import BackgroundLoop, QueryOp


def test_awaitable_op_reports_success_on_gui_thread(qtbot):
    loop = BackgroundLoop()
    parent = QObject()
    got: list[tuple[int, bool]] = []
    gui_thread = threading.current_thread()

    async def op() -> int:
        await asyncio.sleep(0.01)
        assert threading.current_thread() is not gui_thread
        return 42

    QueryOp(parent=parent, op=op, success=lambda v: got.append((v, threading.current_thread() is gui_thread)),
            loop=loop).run_in_background()
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert got == [(42, True)]
    loop.stop()


def test_stream_items_arrive_one_by_one_while_gui_keeps_turning(qtbot):
    loop = BackgroundLoop()
    parent = QObject()
    items: list[int] = []
    finished: list[list[int]] = []
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(5)

    async def stream():
        for i in range(5):
            await asyncio.sleep(0.03)
            yield i

    QueryOp(parent=parent, op=stream, success=finished.append, loop=loop) \
        .with_progress(items.append).run_in_background()
    qtbot.waitUntil(lambda: bool(finished), timeout=5000)
    timer.stop()
    assert items == [0, 1, 2, 3, 4] and finished == [[0, 1, 2, 3, 4]]
    assert len(ticks) >= 5, "the GUI event loop kept turning during the work"
    loop.stop()


def test_failure_goes_to_the_failure_callback(qtbot):
    loop = BackgroundLoop()
    parent = QObject()
    errors: list[BaseException] = []

    async def op() -> None:
        raise ValueError("boom")

    QueryOp(parent=parent, op=op, success=lambda _v: None, loop=loop).failure(errors.append).run_in_background()
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ValueError)
    loop.stop()


def test_cancel_stops_a_long_operation(qtbot):
    loop = BackgroundLoop()
    parent = QObject()
    started = threading.Event()

    async def op() -> None:
        started.set()
        await asyncio.sleep(30)

    running = QueryOp(parent=parent, op=op, success=lambda _v: None, loop=loop).run_in_background()
    assert started.wait(5)
    running.cancel()
    qtbot.waitUntil(lambda: running.done, timeout=5000)
    loop.stop()
    assert not loop.running
