"""A secret typed into the wizard reaches the credential store only: no file under the app home,
no log line, nothing readable on screen; screen-share safe mode masks secrets and personal data."""

from __future__ import annotations

import dataclasses
import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit
from window_walk import to_credentials

from mis_wizard.ui.pages.check_page import DETAIL_HIDDEN, ResultRow
from mis_wizard.ui.widgets.secret_edit import SecretLineEdit, SecretTextEdit, ShapedLineEdit
from mis_wizard.vendors.base import CheckResult, Layer, Status
from mis_wizard.wizard import logs
from mis_wizard.wizard.profile import load_builtin

SECRET = "Zq8vK2mR5tW9xY3nB7cD1fG4=="


def test_typed_secret_is_in_no_file_and_no_log_and_masked(make_window, gui, qtbot, app_home, memory_keyring):
    logs.setup(logging.DEBUG)
    window = make_window()
    page = to_credentials(window, gui)
    token = page.inputs[("lms", "token_key")].widget
    token.edit.setFocus()
    qtbot.keyClicks(token.edit, SECRET)
    qtbot.keyClick(token.edit, Qt.Key.Key_Tab)
    page.flush()
    assert token.value() == SECRET
    assert SECRET not in token.displayed_text()
    assert token.edit.echoMode() is QLineEdit.EchoMode.Password
    assert not token.reveal_button.isEnabled(), "no revealing while screen-share safe mode is on"

    token.copy_button.click()
    assert QGuiApplication.clipboard().text() == SECRET
    assert SECRET not in token.displayed_text(), "copying does not reveal"

    window.next_button.click()
    assert window.page is page, "the other keys are still empty: Next waits for them"
    window.sidebar.setCurrentRow(window.current + 1)  # the check can still be opened from the side list
    window.page.run_check()
    qtbot.waitUntil(lambda: not window.page.running, timeout=15_000)
    logging.getLogger("mis_wizard.test").info("credentials now %s", window.ctx.session.credentials)
    window.close()

    assert SECRET in memory_keyring.store.values()
    for path in app_home.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), f"secret leaked into {path}"
    log_text = "\n".join(logs.tail(10_000))
    assert "credential field lms.token_key changed" in log_text
    assert SECRET not in log_text
    for result in window.ctx.session.checks.get("results", []):
        assert SECRET not in str(result)


def test_reveal_only_when_screen_share_safe_is_off(make_window, gui):
    window = make_window()
    page = to_credentials(window, gui)
    token = page.inputs[("lms", "token_key")].widget
    gui.type_value(token, SECRET)
    window.safe_switch.click()
    assert not window.ctx.screen_safe
    assert token.reveal_button.isEnabled()
    token.reveal_button.click()
    assert token.displayed_text() == SECRET
    window.safe_switch.click()
    assert window.ctx.screen_safe
    assert not token.revealed and SECRET not in token.displayed_text()


def test_multiline_secret_is_masked_and_copyable(qtbot):
    widget = SecretTextEdit("Private key")
    qtbot.addWidget(widget)
    widget.set_screen_safe(True)
    block = "-----BEGIN KEY-----\nAAAABBBBCCCCDDDD\n-----END KEY-----"
    QGuiApplication.clipboard().setText(block)
    widget.paste_button.click()
    assert widget.value() == block
    assert "AAAABBBB" not in widget.displayed_text() and "3 lines" in widget.displayed_text()
    QGuiApplication.clipboard().clear()
    widget.copy_button.click()
    assert QGuiApplication.clipboard().text() == block


def test_screen_share_safe_masks_personal_details_and_check_detail(make_window, gui):
    window = make_window()
    window.pages[0].new_button.click()
    gui.choose_system(window, "tass")
    window.go_next()
    gui.fill_school(window)
    school = window.page
    assert window.safe_switch.isChecked(), "on by default"
    name, email = school.edits["contact_name"], school.edits["contact_email"]
    assert name.displayText() == "J••••• S••••" and email.displayText() == "••••••••••••@riverside.example"
    assert school.edits["name"].displayText() == "Riverside Secondary College"
    assert window.ctx.session.school["contact_name"] == "Jordan Smith", "the value itself is kept"
    name.setFocus()
    name.end(False)
    QTest.keyClicks(name, "-Jones")
    assert name.displayText() == "J••••• S••••-J••••", "typed: the shape only"
    assert window.ctx.session.school["contact_name"] == "Jordan Smith-Jones"
    name.selectAll()
    name.copy()
    assert "Jordan" not in QGuiApplication.clipboard().text(), "copying copies what is shown"
    name.setText("Jordan Smith")

    row = ResultRow(CheckResult("lms", "Sample student", Layer.SAMPLE, Status.OK, "tass.sample_ok",
                                "One student read.", detail="first record: Jordan Smith"), True, technical=True)
    assert "Jordan" not in row.plain_text() and DETAIL_HIDDEN in row.plain_text()
    window.safe_switch.click()
    assert name.displayText() == "Jordan Smith" and email.displayText() == "jordan.smith@riverside.example"
    row.set_screen_safe(False)
    assert "Jordan Smith" in row.plain_text()


def test_a_personal_input_shows_only_the_shape_while_typing_and_keeps_the_value(qtbot):
    edit = ShapedLineEdit()
    qtbot.addWidget(edit)
    values: list[str] = []
    edit.value_changed.connect(values.append)
    edit.set_screen_safe(True)
    QTest.keyClicks(edit, "Jordan Smith")
    assert edit.text() == "Jordan Smith" and values[-1] == "Jordan Smith"
    assert edit.displayText() == "J••••• S••••"
    QTest.keyClick(edit, Qt.Key.Key_Backspace)
    QTest.keyClick(edit, Qt.Key.Key_Home)
    QTest.keyClick(edit, Qt.Key.Key_Delete)
    QTest.keyClicks(edit, "G")
    assert edit.text() == "Gordan Smit" and edit.displayText() == "G••••• S•••"
    edit.selectAll()
    QTest.keyClicks(edit, "jo@school.example")
    assert edit.text() == "jo@school.example" and edit.displayText() == "••@school.example"
    edit.setCursorPosition(2)
    QTest.keyClicks(edit, "rdan")
    assert edit.text() == "jordan@school.example" and edit.displayText() == "••••••@school.example"
    assert values[-1] == "jordan@school.example"
    edit.set_screen_safe(False)
    assert edit.displayText() == "jordan@school.example"
    edit.end(False)
    QTest.keyClicks(edit, "x")
    assert edit.text() == "jordan@school.examplex"


def test_a_configuration_field_the_profile_marks_secret_is_hidden_like_a_secret(make_window, gui):
    base = load_builtin()
    systems = dict(base.systems)
    systems["powerschool"] = {**(systems.get("powerschool") or {}), "secret_fields": ["plugin.client_id"]}
    window = make_window(profile=dataclasses.replace(base, systems=systems))
    page = to_credentials(window, gui, "powerschool")
    client_id = page.inputs[("plugin", "client_id")].widget
    address = page.inputs[(None, "base_url")].widget
    assert isinstance(client_id, SecretLineEdit) and not client_id.reveal_button.isEnabled()
    client_id.edit.setText("abcd1234-client")
    assert "abcd1234" not in client_id.displayed_text()
    address.setText("https://district.powerschool.example")
    assert address.displayText() == "https://district.powerschool.example", "configuration shows as it is"
