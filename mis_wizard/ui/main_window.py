"""The wizard window: the integrator and the screen-share switch along the top, the steps down
the side (done / needs attention / current), the page in the middle, Back / Next / Help along
the bottom. Pages come from ui.pages.PAGES, so the window knows no page by name.

The side list shows every step at once, but a page is built the first time the admin needs it
(opens it, or it can be opened and the side list asks its status), and the credential store is
probed after the first paint: the admin sees the window sooner than all of that would take.
What the first window shows uses none of Qt's namespace enums (``QtCore.Qt``): building one in
Python builds all of them, about 25 ms. Settings that need them come from app.qss, and code run
only later reaches them as ``QtCore.Qt``; tests/ui/test_start.py holds this.
"""

from __future__ import annotations

import gc
import logging
from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtCore import QSize, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from mis_wizard import APP_NAME
from mis_wizard.ui import theme
from mis_wizard.ui.context import WizardContext
from mis_wizard.ui.pages import PAGES, Page, PageStatus
from mis_wizard.ui.pages.base import push_button
from mis_wizard.ui.widgets.banner import Banner
from mis_wizard.ui.widgets.elided_label import ElidedLabel
from mis_wizard.ui.widgets.step_list import StepList
from mis_wizard.ui.widgets.switch import Switch

if TYPE_CHECKING:  # Python builds a Qt type (and its enums) when first named: these come after the first paint
    from PySide6.QtGui import QCloseEvent, QKeyEvent, QPaintEvent

log = logging.getLogger(__name__)
SIDEBAR_WIDTH = 232
MINIMUM_WIDTH, MINIMUM_HEIGHT = 760, 480
"""The smallest the window goes (a 1280×720 screen at 150%, or 1920×1080 at 200%, leaves more);
below the room a page needs, its scroll area scrolls, so nothing is ever cut off."""
STATUS_WORDS = {PageStatus.DONE: "done", PageStatus.ATTENTION: "needs attention", PageStatus.TODO: "to do"}


class MainWindow(QMainWindow):
    def __init__(self, ctx: WizardContext) -> None:
        super().__init__()
        self.ctx = ctx
        integrator = ctx.profile.integrator
        self.setWindowTitle(f"{APP_NAME} — {integrator.product}")
        self.setWindowIcon(theme.icon("app"))
        self.setStyleSheet(theme.stylesheet())
        self.setMinimumSize(MINIMUM_WIDTH, MINIMUM_HEIGHT)
        self.resize(1366, 768)

        root = QWidget()
        root.setObjectName("Canvas")
        column = QVBoxLayout(root)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self._header())
        self.banner_area = QVBoxLayout()
        self.banner_area.setContentsMargins(16, 0, 16, 0)
        column.addLayout(self.banner_area)
        middle = QHBoxLayout()
        middle.setSpacing(0)
        self.sidebar = StepList()
        self.sidebar.setObjectName("Sidebar")  # app.qss turns its horizontal scroll bar off
        self.sidebar.setAccessibleName("Steps of the setup")
        self.sidebar.setFixedWidth(SIDEBAR_WIDTH)
        self.sidebar.setIconSize(QSize(20, 20))
        middle.addWidget(self.sidebar)
        self.stack = QStackedWidget()
        middle.addWidget(self.stack, 1)
        column.addLayout(middle, 1)
        self.help_holder: QWidget | None = None
        """Built when help is first opened, above the navigation bar."""
        self._column = column
        column.addWidget(self._nav_bar())
        self.setCentralWidget(root)

        self._built: list[Page | None] = [None] * len(PAGES)
        for ref in PAGES:
            self.sidebar.add_step(ref.title, QSize(SIDEBAR_WIDTH - 20, 40))
        self.sidebar.currentRowChanged.connect(self._sidebar_moved)
        ctx.session_changed.connect(self.refresh)
        ctx.screen_safe_changed.connect(self._apply_screen_safe)
        self._painted = False
        self._note = ""
        """Said beside Next after a step could not be opened yet (cleared when the page changes)."""
        self.current = -1
        self.go(0)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        """The window paints its own background first, so after its first paint it is on screen."""
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            QTimer.singleShot(0, self._after_first_paint)

    def _after_first_paint(self) -> None:
        if not gc.isenabled():  # the GUI's start runs without it (mis_wizard.main)
            gc.freeze()  # what the start made stays: later collections need not walk it
            gc.enable()
        from PySide6.QtGui import QKeySequence, QShortcut

        QShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents), self, self.show_help)
        if self.ctx.secrets.warning:
            self.show_banner(self.ctx.secrets.warning)

    # chrome ---------------------------------------------------------------------------------

    def _header(self) -> QWidget:
        header = QFrame()
        header.setObjectName("Header")
        row = QHBoxLayout(header)
        row.setContentsMargins(16, 10, 16, 10)
        row.setSpacing(12)
        logo = QLabel()
        logo.setPixmap(theme.icon("app").pixmap(30, 30))
        row.addWidget(logo)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        title = QLabel(APP_NAME)
        title.setObjectName("AppTitle")
        titles.addWidget(title)
        self.session_label = ElidedLabel("No setup open")
        self.session_label.setObjectName("HeaderSub")
        titles.addWidget(self.session_label)
        row.addLayout(titles, 3)
        integrator = self.ctx.profile.integrator
        who = QVBoxLayout()
        who.setSpacing(0)
        # app.qss aligns these two right and lets the support line be selected and copied.
        self.integrator_label = ElidedLabel(f"Setting up for {integrator.product} ({integrator.name})")
        self.integrator_label.setObjectName("HeaderIntegrator")
        self.support_label = ElidedLabel(f"Support: {integrator.contact_line}")
        self.support_label.setObjectName("HeaderSupport")
        who.addWidget(self.integrator_label)
        who.addWidget(self.support_label)
        row.addLayout(who, 4)
        line = QFrame()
        line.setObjectName("HeaderRule")
        line.setFrameShape(QFrame.Shape.VLine)
        row.addWidget(line)
        shield = QLabel()
        shield.setPixmap(theme.icon("shield").pixmap(20, 20))
        row.addWidget(shield)
        self.safe_switch = Switch("Screen-share sa&fe")
        self.safe_switch.setObjectName("SafeSwitch")
        self.safe_switch.setAccessibleName("Screen-share safe")
        self.safe_switch.setToolTip("While on, secrets and personal details are hidden everywhere, "
                                    "so the screen can be shared safely.")
        self.safe_switch.setChecked(self.ctx.screen_safe)
        self.safe_switch.toggled.connect(self.ctx.set_screen_safe)
        row.addWidget(self.safe_switch)
        return header

    def _help_panel(self) -> QWidget:
        """Help opens in the window, not a dialog, so it stays beside the page and in a screen share.
        Built the first time it is opened: most admins never do, and the window is on screen sooner."""
        holder = QFrame()
        holder.setObjectName("NavBar")
        row = QHBoxLayout(holder)
        row.setContentsMargins(16, 10, 16, 0)
        panel = QFrame()
        panel.setObjectName("InfoBanner")
        inner = QHBoxLayout(panel)
        inner.setContentsMargins(14, 10, 10, 10)
        icon = QLabel()
        icon.setPixmap(theme.icon("help").pixmap(20, 20))
        inner.addWidget(icon, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        self.help_text = QLabel()
        self.help_text.setWordWrap(True)
        self.help_text.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        inner.addWidget(self.help_text, 1)
        close = QPushButton("Close help")
        close.setAccessibleName("Close help")
        close.setAutoDefault(True)
        close.clicked.connect(holder.hide)
        inner.addWidget(close, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        row.addWidget(panel)
        return holder

    def _nav_bar(self) -> QWidget:
        bar = QFrame()
        bar.setObjectName("NavBar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(16, 10, 16, 10)
        self.help_button = QPushButton(theme.icon("help"), "&Help")
        self.help_button.setAccessibleName("Help for this page")
        self.help_button.clicked.connect(self.toggle_help)  # F1 too, from the first paint on
        row.addWidget(self.help_button)
        self.blocked_label = QLabel()
        self.blocked_label.setObjectName("Blocked")  # muted, right-aligned (app.qss)
        row.addWidget(self.blocked_label, 1)
        self.back_button = push_button("&Back", self.go_back, auto_default=False)
        self.next_button = push_button("&Next", self.go_next, primary=True, auto_default=False)
        self.next_button.setMinimumWidth(110)
        row.addWidget(self.back_button)
        row.addWidget(self.next_button)
        return bar

    def show_banner(self, text: str) -> Banner:
        banner = Banner(text)
        self.banner_area.addWidget(banner)
        self.banner_area.setContentsMargins(16, 10, 16, 0)
        return banner

    # navigation -----------------------------------------------------------------------------

    @property
    def page(self) -> Page:
        return self.page_at(self.current)

    def page_at(self, index: int) -> Page:
        """The page at ``index``, built now if this is the first time it is needed."""
        page = self._built[index]
        if page is None:
            page = PAGES[index].load()(self.ctx)
            page.state_changed.connect(self.refresh)
            page.advance.connect(self._page_asks_advance)
            page.open_page.connect(self._page_asks_open)
            page.set_screen_safe(self.ctx.screen_safe)
            self.stack.addWidget(page)
            self._built[index] = page
        return page

    @property
    def pages(self) -> list[Page]:
        """Every page, building those not needed yet (the self-test opens them all)."""
        return [self.page_at(i) for i in range(len(PAGES))]

    def available(self, index: int) -> bool:
        ref = PAGES[index]
        if ref.needs_session and self.ctx.session is None:
            return False
        return not (ref.needs_system and self.ctx.spec is None)

    def go(self, index: int) -> None:
        if not 0 <= index < len(PAGES) or not self.available(index):
            self._select_sidebar(self.current)
            return
        if index != self.current and self.current >= 0:
            self.page.leave()
        self._note = ""
        self.current = index
        page = self.page_at(index)
        if self.ctx.session is not None and page.needs_session and self.ctx.session.page != page.page_id:
            self.ctx.session.page = page.page_id
            self.ctx.save()
        self.stack.setCurrentWidget(page)
        page.set_screen_safe(self.ctx.screen_safe)
        page.enter()
        if self.help_holder is not None and self.help_holder.isVisible():
            self._fill_help()
        log.info("page %s", page.page_id)
        self.refresh()

    def go_next(self) -> None:
        if not self.next_button.isEnabled():
            return
        if self.page.hold_next():  # the page said what is missing, at the field
            self.refresh()
            return
        self.open_step(self.current + 1)

    def index_of(self, page_id: str) -> int:
        return next(i for i, ref in enumerate(PAGES) if ref.page_id == page_id)

    def missing(self, index: int, asked: dict[int, str] | None = None) -> list[tuple[int, str]]:
        """The steps page ``index`` needs that are not done yet, in order, each with what it still
        wants ("check the keys first"). ``asked`` keeps each page's answer for one refresh: the
        check's reads the credential store."""
        asked = {} if asked is None else asked
        out = []
        for need in PAGES[index].needs:
            i = self.index_of(need)
            if self.available(i):
                if i not in asked:
                    asked[i] = self.page_at(i).unmet()
                if asked[i]:
                    out.append((i, asked[i]))
        return out

    def open_step(self, index: int) -> None:
        """Open a step as the admin asked (Next or the side list), but never past a step it needs:
        that step is shown instead, with its message at the field, and the reason beside Next."""
        missing = self.missing(index) if 0 <= index < len(PAGES) and self.available(index) else []
        if not missing:
            self.go(index)
            return
        first, said = missing[0]
        if first != self.current:
            self.go(first)
        self.page_at(first).hold_next()
        self._note = f"To open “{PAGES[index].title}”, {said}."
        log.info("page %s needs %s first", PAGES[index].page_id, PAGES[first].page_id)
        self.refresh()

    def _page_asks_open(self, page_id: str) -> None:
        self.go(self.index_of(page_id))

    def go_back(self) -> None:
        self.go(self.current - 1)

    def _page_asks_advance(self) -> None:
        """The welcome page resumes at the page the session was left on, or at Enter the keys when
        the keys it was left with are no longer held; others just go on."""
        session = self.ctx.session
        if self.current == 0 and session is not None and session.page:
            from mis_wizard.wizard import checks  # imports httpx (about 100 ms): not before the first paint

            state, _message = checks.check_state(session.checks, session.credentials, self.ctx.secrets)
            left_at = self.index_of(session.page) if session.page in {ref.page_id for ref in PAGES} else 0
            if state == checks.CHECK_KEYS_GONE and left_at > self.index_of("credentials"):
                self.go(self.index_of("credentials"))
                return
            for i, ref in enumerate(PAGES):
                if ref.page_id == session.page and self.available(i):
                    self.go(i)
                    return
        self.go(self.current + 1)

    def _sidebar_moved(self, row: int) -> None:
        if row != self.current:
            self.open_step(row)

    def _select_sidebar(self, row: int) -> None:
        self.sidebar.blockSignals(True)
        self.sidebar.setCurrentRow(row)
        self.sidebar.blockSignals(False)

    def refresh(self) -> None:
        """Side list icons, header and Back/Next, from the session as it is now."""
        session = self.ctx.session
        self.session_label.setText(session.title if session is not None else "No setup open")
        asked: dict[int, str] = {}
        for i, ref in enumerate(PAGES):
            item = self.sidebar.item(i)
            enabled = self.available(i)
            status = self.page_at(i).status() if enabled else PageStatus.TODO
            missing = self.missing(i, asked) if enabled and i != self.current else []
            icon = "step-current" if i == self.current else "step-locked" if missing else f"step-{status.value}"
            item.setIcon(theme.icon(icon))
            item.setEnabled(enabled)
            item.setSelectable(enabled)
            words = "current page" if i == self.current else STATUS_WORDS[status]
            reason = self.page_at(i).status_reason() if enabled else ""
            if reason:
                words = f"{words}: {reason}"
            needs = f"Needs: {missing[0][1]}" if missing else ""
            self.sidebar.set_needs(i, needs)
            more = f". Not possible yet: {'; '.join(said for _, said in missing)}" if missing else ""
            item.setAccessibleText(f"{ref.title}, {words}{more}")
            item.setAccessibleDescription(needs)
            item.setToolTip(f"{ref.title}: {words}" + (f"\n{needs}" if needs else ""))
        self._select_sidebar(self.current)
        page = self.page
        self.back_button.setEnabled(self.current > 0)
        last = self.current == len(PAGES) - 1
        can = page.can_advance() and not last
        self.next_button.setEnabled(can)
        self.next_button.setVisible(not last)  # the last page ends the setup with its own buttons
        self.blocked_label.setText(self._note if can or last else page.blocked_reason())

    # help, keys, screen-share ---------------------------------------------------------------

    def toggle_help(self) -> None:
        if self.help_holder is not None and self.help_holder.isVisible():
            self.help_holder.hide()
        else:
            self.show_help()

    def show_help(self) -> None:
        if self.help_holder is None:
            self.help_holder = self._help_panel()
            self._column.insertWidget(self._column.count() - 1, self.help_holder)
        self._fill_help()
        self.help_holder.show()

    def _fill_help(self) -> None:
        import html  # with its entity table; only once help is asked for

        integrator = self.ctx.profile.integrator
        text = html.escape(self.page.help_text or self.page.intro)
        contact = html.escape(f"{integrator.name} support: {integrator.contact_line}")
        self.help_text.setText(f"<b>{html.escape(self.page.title)}</b><br>{text}<br><br>Stuck? Contact {contact}")

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Enter goes on, unless the focused control uses Enter itself (lists, multi-line text)."""
        if event.key() in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter):
            from PySide6.QtWidgets import QAbstractItemView, QPlainTextEdit

            focus = self.focusWidget()
            if not isinstance(focus, QAbstractItemView | QPlainTextEdit):
                self.go_next()
                event.accept()
                return
        super().keyPressEvent(event)

    def _apply_screen_safe(self, on: bool) -> None:
        self.safe_switch.setChecked(on)
        for page in self._built:
            if page is not None:
                page.set_screen_safe(on)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self.current >= 0:
            self.page.leave()
        if self.ctx.session is not None:
            self.ctx.store.save(self.ctx.session)
        log.info("window closed")
        super().closeEvent(event)
