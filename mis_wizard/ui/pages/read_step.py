"""A step that reads the school's records once on the background loop and keeps how it went with
the session: the preview and the whole-school check.

The outcome is saved as done for these keys and this mapping (``mapped_key``), so a restart does
not ask for the read again and a changed mapping does. A read that failed for this session and
its keys holds the step in attention until it is run again."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtWidgets import QAbstractButton

from mis_wizard.ui.async_runner import QueryOp
from mis_wizard.ui.pages.base import Page, PageStatus
from mis_wizard.ui.pages.live import failure_text, mapped_key, read_key, saved_status

log = logging.getLogger(__name__)


class ReadStep(Page):
    """A subclass sets ``action`` and ``wait_for`` (the words of ``unmet``), ``run_button`` in its
    ``__init__``, starts a read with ``_begin`` and ends it with ``_came_back`` or ``_failed``."""

    action = ""
    """What the admin does on this step, as in "preview the records"."""
    wait_for = ""
    """What is running while the read is, as in "the preview"."""
    run_button: QAbstractButton

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.problem = ""
        self._ran_for = ""
        """What the last read was made for; it came from this session's keys if it starts with
        their ``read_key``."""
        self._done_for = ""
        """The keys and mapping the last read was made with (what it is saved as done for)."""
        self.op: QueryOp[Any] | None = None

    @property
    def running(self) -> bool:
        return self.op is not None

    def _begin(self, ran_for: str) -> None:
        self._ran_for = ran_for
        self._done_for = mapped_key(self.ctx)
        self.problem = ""
        self.run_button.setEnabled(False)

    def _came_back(self) -> bool:
        """The read is over; whether what it brought is for the session open now."""
        self.op = None
        self.run_button.setEnabled(True)
        return self._ran_for.startswith(read_key(self.ctx))

    def _keep(self, status: PageStatus) -> None:
        """Save with the session that this step ended in ``status`` for the keys and mapping read."""
        session = self.ctx.session
        if session is not None:  # kept with the session: a restart does not ask for it again
            session.mark_done(self.page_id, self._done_for, status.value)
            self.ctx.save()

    def _failed(self, exc: BaseException) -> None:
        self.op = None
        self.run_button.setEnabled(True)
        self.problem = failure_text(exc)
        log.warning("%s could not run: %s", self.wait_for, type(exc).__name__)
        self._show_problem(self.problem)
        session = self.ctx.session
        if session is not None and self._failed_here():
            session.forget_done(self.page_id)
            self.ctx.save()
        self.state_changed.emit()

    def _show_problem(self, problem: str) -> None:
        """Say on the page why the read could not be made."""
        raise NotImplementedError

    def _failed_here(self) -> bool:
        """The last read for this session and its keys could not be made."""
        return bool(self.problem) and self._ran_for.startswith(read_key(self.ctx))

    def _saved(self) -> dict[str, Any] | None:
        """The outcome recorded for these keys and this mapping (in this run or before a restart)."""
        session = self.ctx.session
        return session.done_for(self.page_id, mapped_key(self.ctx)) if session is not None else None

    def _nothing_to_read(self) -> bool:
        """Whether the step has nothing to do for this session, so nothing holds Next."""
        return False

    def status(self) -> PageStatus:
        if self._failed_here():
            return PageStatus.ATTENTION
        saved = self._saved()
        return PageStatus(saved_status(saved)) if saved is not None else PageStatus.TODO

    def unmet(self) -> str:
        if self.running:
            return f"wait for {self.wait_for} to finish"
        if self._failed_here():
            return f"{self.action} again first"
        if self._saved() is not None or self._nothing_to_read():
            return ""
        session = self.ctx.session
        if session is not None and self.page_id in session.progress:
            return f"{self.action} again first"  # the keys or the mapping changed since
        return f"{self.action} first"
