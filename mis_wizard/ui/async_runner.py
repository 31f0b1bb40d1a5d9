"""Background work without freezing the window, in the shape of Anki's QueryOp.

Core coroutines (checks, previews, syncs) run on one asyncio loop in a background thread;
results come back to widgets through Qt signals, so widgets are only touched on the GUI
thread. The HTTP client must be created inside the operation, so it belongs to that loop::

    QueryOp(parent=self, op=lambda: checks.run(...), success=self.on_done) \
        .failure(self.on_error).with_progress(self.on_result).run_in_background()

``op`` returns either an awaitable (``success`` gets its value) or an async iterator (each
item goes to the ``with_progress`` callback as it arrives; ``success`` gets the list).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Signal

T = TypeVar("T")
log = logging.getLogger(__name__)


class BackgroundLoop:
    """An asyncio event loop running in a daemon thread until ``stop()``."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="mis-wizard-async", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        if pending:
            self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        self._loop.close()

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._loop.is_closed()

    def submit(self, coro: Awaitable[T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self._loop)  # type: ignore[arg-type]

    def stop(self, timeout: float = 5.0) -> None:
        """Cancel what is running and end the thread (idempotent)."""
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)


_default: BackgroundLoop | None = None
_default_lock = threading.Lock()


def default_loop() -> BackgroundLoop:
    """The process-wide loop, started on first use and stopped when the application quits (so
    a run that never works in the background never starts it, nor imports asyncio)."""
    global _default
    with _default_lock:
        if _default is None or not _default.running:
            _default = BackgroundLoop()
            app = QCoreApplication.instance()
            if app is not None:
                app.aboutToQuit.connect(_default.stop)
        return _default


class _Bridge(QObject):
    """Lives on the GUI thread; signals emitted from the loop thread are queued to it.

    Owned by the application object (a Qt parent), never by Python, so the loop thread dropping
    its last Python reference cannot delete it there; the GUI thread deletes it once the
    operation has ended (``ended``, emitted last, whatever happened)."""

    item = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)
    ended = Signal()


class QueryOp(Generic[T]):
    """One background operation with callbacks on the GUI thread."""

    _running: set[QueryOp[Any]] = set()
    """Keeps operations alive until they report, whoever holds them."""

    def __init__(self, *, parent: QObject, op: Callable[[], Awaitable[T] | AsyncIterator[Any]],
                 success: Callable[[Any], None], loop: BackgroundLoop | None = None) -> None:
        self._op = op
        self._success = success
        self._failure: Callable[[BaseException], None] | None = None
        self._progress: Callable[[Any], None] | None = None
        self._loop = loop
        self._bridge = _Bridge(QCoreApplication.instance())
        self._future: concurrent.futures.Future[Any] | None = None
        self._orphaned = False
        parent.destroyed.connect(self._orphan)

    def failure(self, fn: Callable[[BaseException], None]) -> QueryOp[T]:
        self._failure = fn
        return self

    def with_progress(self, fn: Callable[[Any], None]) -> QueryOp[T]:
        """Called on the GUI thread with each item an async-iterator op yields."""
        self._progress = fn
        return self

    def run_in_background(self) -> QueryOp[T]:
        bridge = self._bridge
        bridge.succeeded.connect(self._on_success)
        bridge.failed.connect(self._on_failure)
        bridge.ended.connect(self._on_ended)
        if self._progress is not None:
            bridge.item.connect(self._on_item)
        QueryOp._running.add(self)
        self._future = (self._loop or default_loop()).submit(self._drive())
        return self

    def cancel(self) -> None:
        """Stop the work; callbacks already queued are still delivered unless the asker is gone."""
        if self._future is not None:
            self._future.cancel()

    def _orphan(self, *_: object) -> None:
        """The widget that asked was destroyed: stop the work and drop whatever it still reports."""
        self._orphaned = True
        self.cancel()

    @property
    def done(self) -> bool:
        return self._future is not None and self._future.done()

    async def _drive(self) -> None:
        try:
            await self._run_op()
        finally:
            self._emit(self._bridge.ended)

    async def _run_op(self) -> None:
        try:
            produced = self._op()
            if inspect.isawaitable(produced):
                value: Any = await produced
            else:
                value = []
                async for item in produced:
                    value.append(item)
                    self._emit(self._bridge.item, item)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # reported to the GUI thread, never lost
            log.warning("background operation failed: %s", type(exc).__name__)
            self._emit(self._bridge.failed, exc)
            return
        self._emit(self._bridge.succeeded, value)

    @staticmethod
    def _emit(signal: Any, *value: Any) -> None:
        try:
            signal.emit(*value)
        except RuntimeError:  # the application is shutting down
            pass

    def _on_ended(self) -> None:
        """On the GUI thread, after every other report: the one place the operation is let go."""
        QueryOp._running.discard(self)
        self._bridge.deleteLater()

    def _on_item(self, item: Any) -> None:
        if not self._orphaned and self._progress is not None:
            self._progress(item)

    def _on_success(self, value: Any) -> None:
        if not self._orphaned:
            self._success(value)

    def _on_failure(self, exc: BaseException) -> None:
        if self._orphaned:
            return
        if self._failure is not None:
            self._failure(exc)
        else:
            log.error("background operation failed without a failure handler: %s", type(exc).__name__)
