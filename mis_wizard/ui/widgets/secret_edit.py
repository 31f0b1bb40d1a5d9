"""Inputs for secret values: masked by default, revealable on demand, copyable without revealing;
and for personal values: only their shape on screen while screen-share safe mode is on.

While screen-share safe mode is on, a secret cannot be revealed at all, so a support engineer
watching the screen never sees it, yet the admin can still paste and copy it.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPlainTextEdit, QStackedWidget, QToolButton, QWidget

from mis_wizard.ui import theme
from mis_wizard.ui.widgets.copied import flash_copied
from mis_wizard.vendors.privacy import PrivacyClass
from mis_wizard.wizard.privacy import is_open, shown


class _SecretBase(QWidget):
    changed = Signal(str)
    committed = Signal()
    """Editing of the value ended (focus left, Enter, paste): a good moment to save."""

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._label = label
        self._safe = True
        self.layout_ = QHBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(4)
        self.reveal_button = self._tool("eye", f"Show {label}", checkable=True)
        self.reveal_button.toggled.connect(self._apply_reveal)
        self.copy_button = self._tool("copy", f"Copy {label} without showing it")
        self.copy_button.clicked.connect(self.copy_to_clipboard)

    def _tool(self, icon: str, name: str, *, checkable: bool = False) -> QToolButton:
        button = QToolButton(self)
        button.setIcon(theme.icon(icon))
        button.setToolTip(name)
        button.setAccessibleName(name)
        button.setCheckable(checkable)
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        return button

    def value(self) -> str:
        raise NotImplementedError

    def set_value(self, text: str) -> None:
        raise NotImplementedError

    @property
    def revealed(self) -> bool:
        return self.reveal_button.isChecked()

    def set_screen_safe(self, on: bool) -> None:
        self._safe = on
        if on:
            self.reveal_button.setChecked(False)
        self.reveal_button.setEnabled(not on)
        self.reveal_button.setToolTip(
            "Hidden while screen-share safe mode is on" if on else f"Show {self._label}")

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self.value())
        flash_copied(self.copy_button, self._label)

    def _apply_reveal(self, shown: bool) -> None:
        self.reveal_button.setIcon(theme.icon("eye-off" if shown else "eye"))
        self.reveal_button.setAccessibleName(f"{'Hide' if shown else 'Show'} {self._label}")


class SecretLineEdit(_SecretBase):
    """A one-line secret (token key, client secret, password)."""

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(label, parent)
        self.edit = QLineEdit(self)
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setAccessibleName(label)
        self.edit.textChanged.connect(self.changed)
        self.edit.editingFinished.connect(self.committed)
        self.layout_.addWidget(self.edit, 1)
        self.layout_.addWidget(self.reveal_button)
        self.layout_.addWidget(self.copy_button)
        self.setFocusProxy(self.edit)

    def value(self) -> str:
        return self.edit.text()

    def set_value(self, text: str) -> None:
        with QSignalBlocker(self.edit):
            self.edit.setText(text)

    def displayed_text(self) -> str:
        """What a viewer of the screen can read."""
        return self.edit.text() if self.revealed else self.edit.displayText()

    def _apply_reveal(self, shown: bool) -> None:
        super()._apply_reveal(shown)
        self.edit.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)


class SecretTextEdit(_SecretBase):
    """A multi-line secret (a certificate or private key): pasted whole, shown only on request."""

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(label, parent)
        self.stack = QStackedWidget(self)
        self.masked = QLineEdit(self)
        self.masked.setReadOnly(True)
        self.masked.setAccessibleName(f"{label} (hidden)")
        self.edit = QPlainTextEdit(self)
        self.edit.setAccessibleName(label)
        self.edit.setTabChangesFocus(True)
        self.edit.setFixedHeight(96)
        self.edit.textChanged.connect(self._text_changed)
        self.stack.addWidget(self.masked)
        self.stack.addWidget(self.edit)
        self.stack.setFixedHeight(96)
        self.masked.setFixedHeight(34)
        self.paste_button = self._tool("copy", f"Paste {label} from the clipboard")
        self.paste_button.setText("Paste")
        self.paste_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.paste_button.clicked.connect(self.paste_from_clipboard)
        self.layout_.addWidget(self.stack, 1)
        self.layout_.addWidget(self.paste_button, 0, Qt.AlignmentFlag.AlignTop)
        self.layout_.addWidget(self.reveal_button, 0, Qt.AlignmentFlag.AlignTop)
        self.layout_.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignTop)
        self.setFocusProxy(self.masked)
        self._refresh_mask()

    def value(self) -> str:
        return self.edit.toPlainText()

    def set_value(self, text: str) -> None:
        with QSignalBlocker(self.edit):
            self.edit.setPlainText(text)
        self._refresh_mask()

    def paste_from_clipboard(self) -> None:
        text = QGuiApplication.clipboard().text()
        if text:
            self.edit.setPlainText(text.strip())
            self.committed.emit()

    def displayed_text(self) -> str:
        return self.edit.toPlainText() if self.revealed else self.masked.text()

    def _text_changed(self) -> None:
        self._refresh_mask()
        self.changed.emit(self.value())

    def _refresh_mask(self) -> None:
        text = self.value()
        if text:
            lines = len(text.splitlines())
            stand_in = shown(text, PrivacyClass.SECRET, True)  # the one rule's stand-in for a secret
            self.masked.setText(f"{stand_in}   hidden ({lines} line{'s' if lines != 1 else ''})")
        else:
            self.masked.setText("")
            self.masked.setPlaceholderText("Empty: use Paste, or Show to type it")

    def _apply_reveal(self, shown: bool) -> None:
        super()._apply_reveal(shown)
        self.stack.setCurrentWidget(self.edit if shown else self.masked)
        self.setFocusProxy(self.edit if shown else self.masked)
        if not shown:
            self.committed.emit()


class ShapedLineEdit(QLineEdit):
    """A one-line input for a personal value (the admin's name, e-mail): while screen-share safe
    mode is on it shows only the value's shape (wizard/privacy.shape: ``J••• S••••``,
    ``•••••@school.example``), also while it has the focus and while the admin types, and keeps
    the real value. ``text()``, ``setText()`` and ``value_changed`` are the real value; what the
    screen shows is ``displayText()`` (and what Qt's own ``textChanged`` carries). Copying copies
    what is shown, never the value."""

    value_changed = Signal(str)
    """The real value changed (by typing, pasting or ``setText``)."""

    def __init__(self, privacy: PrivacyClass | None = PrivacyClass.PERSONAL, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._privacy = privacy
        self._value = ""
        self._safe = False
        self.textEdited.connect(self._edited)

    def text(self) -> str:  # type: ignore[override]
        return self._value

    def setText(self, text: str | None) -> None:  # type: ignore[override]  # noqa: N802 - Qt's name
        changed = (text or "") != self._value
        self._value = text or ""
        self._show(len(self._value))
        if changed and not self.signalsBlocked():
            self.value_changed.emit(self._value)

    def set_screen_safe(self, on: bool) -> None:
        self._safe = on
        self._show(self.cursorPosition())

    @property
    def shaping(self) -> bool:
        return not is_open(self._privacy, self._safe)

    def _show(self, cursor: int) -> None:
        QLineEdit.setText(self, shown(self._value, self._privacy, self._safe) if self.shaping else self._value)
        self.setCursorPosition(min(cursor, len(self._value)))

    def _edited(self, now: str) -> None:
        """The shape has one character per character of the value, so the edit is found by place:
        what follows the cursor is unchanged, the common start is unchanged, and what lies between
        is what the admin typed or pasted (in clear, from the keyboard)."""
        if self.shaping:
            before = shown(self._value, self._privacy, self._safe)
            cursor = self.cursorPosition()
            tail = min(len(now) - cursor, len(before))
            start = 0
            limit = min(cursor, len(before) - tail)
            while start < limit and before[start] == now[start]:
                start += 1
            self._value = self._value[:start] + now[start:cursor] + self._value[len(before) - tail:]
            self._show(cursor)
        else:
            self._value = now
        self.value_changed.emit(self._value)
