"""The finish page hands off safely: a bundle only the integrator's identity opens, a workbook
without secrets unless the admin confirms a warning, a support summary without secrets on the
clipboard, and a daily sync as a cron line; and a whole demo session leaves no secret in plaintext."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from mis_wizard.ui.pages.finish_page import FinishPage, PassphraseDialog, passphrase_hint
from mis_wizard.vendors.base import Status
from mis_wizard.vendors.tass.sandbox import TassEmulator
from mis_wizard.wizard import logs
from mis_wizard.wizard.handoff import bundle
from mis_wizard.wizard.profile import load_file

SHOTS = Path(os.environ.get("MIS_WIZARD_SHOTS") or Path(tempfile.gettempdir()) / "mis-wizard-shots")
"""Screenshots for review: MIS_WIZARD_SHOTS keeps them where you look; otherwise a temp folder."""
OFFSCREEN_DIALOG = "This plugin does not support propagateSizeHints"
"""The offscreen platform says this for every modal dialog shown; it is not our warning."""


def profile_to(tmp_path: Path, recipients: list[str]):
    path = tmp_path / "handoff-test.toml"
    keys = ", ".join(f'"{r}"' for r in recipients)
    path.write_text(f'[integrator]\nname = "Handoff Test"\nproduct = "Test Classroom"\n'
                    f'support_email = "help@handoff.example"\n[handoff]\nrecipients = [{keys}]\n', encoding="utf-8")
    return load_file(path)


def page_of(window, page_id: str):
    index = next(i for i, p in enumerate(window.pages) if p.page_id == page_id)
    window.go(index)
    assert window.page.page_id == page_id
    return window.page


def walk_to_credentials(window, gui, school: str = "Riverside Secondary College"):
    window.pages[0].new_button.click()
    gui.choose_system(window, "tass")
    window.go_next()
    gui.fill_school(window, school)
    window.go_next()
    for box in window.page.boxes.values():
        box.setChecked(True)
    window.go_next()
    gui.settle()
    return window.page


def press(qtbot, page, button) -> None:
    """Click one of the finish page's buttons and wait until what it started is over."""
    button.click()
    qtbot.waitUntil(lambda: not page.busy, timeout=10_000)


def save_to(monkeypatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), "")))


@pytest.fixture
def identity(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "integrator.key"
    return path, bundle.generate_identity(path)


@pytest.fixture
def finish(make_window, gui, sandbox, small_school, identity, tmp_path):
    """A TASS session with the demo credentials, on the finish page, profile naming the identity."""
    sandbox.add(TassEmulator(small_school))
    window = make_window(profile=profile_to(tmp_path, [identity[1]]), sandbox=sandbox)
    walk_to_credentials(window, gui).fill_demo()
    page = page_of(window, "finish")
    assert isinstance(page, FinishPage)
    return window, page


def secrets_of(window) -> list[str]:
    from mis_wizard.ui.pages.base import subject_of

    values = subject_of(window.ctx).secret_values()
    assert values, "the demo credentials have secrets"
    return values


def test_bundle_opens_with_the_integrators_identity(finish, identity, tmp_path, monkeypatch, qtbot):
    window, page = finish
    assert "Riverside Secondary College" in page.receipt_labels["school"].text()
    assert "Handoff Test" in page.receipt_labels["integrator"].text()
    assert "The integrator's key" in page.receipt_labels["locked"].text()
    out = tmp_path / "out" / "riverside.age"
    out.parent.mkdir()
    save_to(monkeypatch, out)
    press(qtbot, page, page.bundle_button)
    assert "Saved riverside.age" in page.bundle_status.text()
    opened = bundle.open_bundle(out, identity=identity[0])
    resolved = window.ctx.session.resolved_credentials(window.ctx.secrets)
    assert opened.credentials == resolved
    assert opened.manifest["school"]["name"] == "Riverside Secondary College"
    assert opened.manifest["profile"]["integrator"] == "Handoff Test"
    for secret in secrets_of(window):
        assert secret.encode() not in out.read_bytes()
    assert page.status().value == "done"


@pytest.mark.qt_log_ignore(OFFSCREEN_DIALOG)
def test_bundle_to_a_passphrase_when_the_profile_names_no_key(make_window, gui, sandbox, small_school, tmp_path,
                                                             monkeypatch, qtbot):
    sandbox.add(TassEmulator(small_school))
    window = make_window(profile=profile_to(tmp_path, []), sandbox=sandbox)
    walk_to_credentials(window, gui).fill_demo()
    page = page_of(window, "finish")
    assert "passphrase" in page.receipt_labels["locked"].text()
    out = tmp_path / "pass.age"
    save_to(monkeypatch, out)
    seen: dict[str, object] = {}

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PassphraseDialog):
            QTimer.singleShot(20, answer)
            return
        dialog.first.setText("correct horse battery staple")
        dialog.second.setText("correct horse battery")
        seen["mismatch"] = "differ" in dialog.hint.text()
        seen["ok_when_differ"] = dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
        dialog.second.setText("correct horse battery staple")
        assert dialog.first.echoMode() == dialog.first.EchoMode.Password
        dialog.accept()

    QTimer.singleShot(20, answer)
    page.bundle_button.click()
    qtbot.waitUntil(lambda: not page.busy and page.bundle_status.text().startswith("Saved"), timeout=10_000)
    assert seen == {"mismatch": True, "ok_when_differ": False}
    opened = bundle.open_bundle(out, passphrase="correct horse battery staple")
    assert opened.manifest["system"]["id"] == "tass"


def test_passphrase_hint_grows_with_strength():
    assert "Too short" in passphrase_hint("abc")
    assert passphrase_hint("correct horse battery staple") == "Strong."


def test_workbook_has_no_secret_unless_the_warning_is_confirmed(finish, tmp_path, monkeypatch, qtbot):
    window, page = finish
    secrets = secrets_of(window)

    def cells(path: Path) -> str:
        wb = load_workbook(path)
        return "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)

    plain = tmp_path / "plain.xlsx"
    save_to(monkeypatch, plain)
    press(qtbot, page, page.workbook_button)
    assert "Secrets are not in it" in page.workbook_status.text()
    assert not [s for s in secrets if s in cells(plain)]

    asked: list[str] = []

    def refuse(parent, title, text, *args):
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(refuse))
    page.include_secrets.setChecked(True)
    assert asked and "plain text" in asked[0]
    assert not page.include_secrets.isChecked(), "refusing the warning leaves secrets out"

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a: QMessageBox.StandardButton.Yes))
    page.include_secrets.setChecked(True)
    with_secrets = tmp_path / "with-secrets.xlsx"
    save_to(monkeypatch, with_secrets)
    press(qtbot, page, page.workbook_button)
    assert "contains secrets" in page.workbook_status.text()
    assert all(s in cells(with_secrets) for s in secrets)


def test_unwritable_place_is_said_plainly(finish, tmp_path, qtbot):
    _, page = finish
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("a file, not a folder", encoding="utf-8")
    page.make_bundle(not_a_folder / "bundle.age")
    qtbot.waitUntil(lambda: not page.busy, timeout=10_000)
    text = page.bundle_status.text()
    assert "Could not write" in text and "folder exists" in text
    assert page.bundle_status.objectName() == "FieldError"


def test_copy_summary_puts_text_without_secrets_on_the_clipboard(finish, qtbot):
    window, page = finish
    QApplication.clipboard().clear()
    press(qtbot, page, page.support_button)
    text = QApplication.clipboard().text()
    assert window.ctx.session.id in text and "tass" in text
    assert not [s for s in secrets_of(window) if s in text]
    assert page.support_button.text() == "Copied"
    assert "Copied" in page.support_status.text()


def test_schedule_shows_a_cron_line_to_copy(finish, qtbot):
    window, page = finish
    page.schedule_time.setTime(page.schedule_time.time().fromString("02:30", "HH:mm"))
    assert page.schedule_button.text().replace("&", "").endswith("daily at 02:30")
    press(qtbot, page, page.schedule_button)
    line = page.cron_line.text()
    assert page.cron_row.isVisibleTo(page)
    assert line.startswith("30 2 * * * ") and f"--session {window.ctx.session.id}" in line
    page.copy_cron.click()
    assert QApplication.clipboard().text() == line
    assert window.ctx.session.sync["daily_at"] == "02:30"


def test_complete_demo_session_leaves_secrets_only_inside_the_bundle(make_window, gui, sandbox, small_school,
                                                                     identity, tmp_path, app_home, monkeypatch,
                                                                     qtbot):
    """Issue 8's end-to-end: system → school → steps → credentials → check → bundle + workbook, then
    every file the app wrote (home, output folder, log) is searched for every secret value."""
    log_path = logs.setup()
    sandbox.add(TassEmulator(small_school))
    window = make_window(profile=profile_to(tmp_path, [identity[1]]), sandbox=sandbox)
    walk_to_credentials(window, gui).fill_demo()
    window.go_next()
    check = window.page
    assert check.page_id == "check"
    check.run_check()
    qtbot.waitUntil(lambda: not check.running, timeout=20_000)
    assert check.results and not [r for r in check.results if r.status is Status.FAILED]

    page = page_of(window, "finish")
    out = tmp_path / "to-send"
    out.mkdir()
    save_to(monkeypatch, out / "bundle.age")
    press(qtbot, page, page.bundle_button)
    save_to(monkeypatch, out / "credentials.xlsx")
    press(qtbot, page, page.workbook_button)
    press(qtbot, page, page.support_button)
    window.close()

    secrets = secrets_of(window)
    opened = bundle.open_bundle(out / "bundle.age", identity=identity[0])
    inside = str(opened.credentials)
    assert all(s in inside for s in secrets), "the bundle carries every secret"
    written = [p for root in (app_home, out) for p in root.rglob("*") if p.is_file()]
    assert log_path in written and (out / "credentials.xlsx") in written
    assert any(p.suffix == ".json" for p in written), "the session file was searched too"
    for path in written:
        data = path.read_bytes()
        if path.suffix == ".xlsx":
            data += "".join(str(c.value) for ws in load_workbook(path).worksheets
                            for row in ws.iter_rows() for c in row).encode()
        for secret in secrets:
            for encoded in (secret.encode(), secret.encode("utf-16-le")):
                assert encoded not in data, f"a secret is in plaintext in {path.name}"
    sandbox_log = "\n".join(repr(e) for e in sandbox.log)
    assert not [s for s in secrets if s in sandbox_log]
    assert not [s for s in secrets if s in QApplication.clipboard().text()]


def test_screenshot_of_the_finish_page(finish, monkeypatch, tmp_path, qtbot, gui):
    window, page = finish
    save_to(monkeypatch, tmp_path / "shot.age")
    press(qtbot, page, page.bundle_button)
    press(qtbot, page, page.schedule_button)
    gui.settle()
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.resize(1366, 768)
    gui.settle()
    assert window.grab().save(str(SHOTS / "finish_page.png"))
    page.scroll_area.verticalScrollBar().setValue(page.scroll_area.verticalScrollBar().maximum())
    gui.settle()
    assert window.grab().save(str(SHOTS / "finish_page_bottom.png"))
