"""A setup survives closing the wizard: a new window lists it, resumes it, and shows what was entered."""

from __future__ import annotations

import json

import keyring
from keyring.backends import fail

from mis_wizard.ui.widgets.banner import Banner
from mis_wizard.wizard import paths


def test_session_survives_restart(make_window, gui, memory_keyring):
    first = make_window()
    first.pages[0].new_button.click()
    gui.choose_system(first, "tass")
    first.go_next()
    gui.fill_school(first, "Riverside Secondary College")
    first.go_next()
    steps = first.page
    ticked = list(steps.boxes)[:2]
    for key in ticked:
        steps.boxes[key].setChecked(True)
    first.go_next()
    gui.settle()
    creds = first.page
    gui.type_value(creds.inputs[(None, "company_code")].widget, "01")
    gui.type_value(creds.inputs[("lms", "token_key")].widget, "Zaql9BsInjojzBBhaPXYtA==")
    session_id = first.ctx.session.id
    first.close()

    second = make_window()
    welcome = second.pages[0]
    assert welcome.sessions.count() == 1
    assert "Riverside Secondary College" in welcome.sessions.item(0).text()
    welcome.sessions.setCurrentRow(0)
    welcome.resume_button.click()
    assert second.ctx.session.id == session_id
    assert second.page.page_id == "credentials", "resumes on the page it was left on"
    page = second.page
    assert page.inputs[(None, "company_code")].read() == "01"
    assert page.inputs[("lms", "token_key")].read() == "Zaql9BsInjojzBBhaPXYtA=="
    assert second.ctx.session.school["name"] == "Riverside Secondary College"
    assert all(second.ctx.session.steps_done.get(k) for k in ticked)
    saved = json.loads((paths.sessions_dir() / f"{session_id}.json").read_text(encoding="utf-8"))
    assert saved["page"] == "credentials"


def test_unreadable_session_is_reported_once(make_window):
    bad = paths.sessions_dir() / "broken.json"
    bad.write_text("{not json", encoding="utf-8")
    window = make_window()
    banner = window.pages[0].problem_banner
    assert banner is not None and "broken.json" in banner.label.text() and "moved aside" in banner.label.text()
    assert not bad.exists() and list(paths.sessions_dir().glob("broken.*.set-aside"))
    window.pages[0].refresh()
    assert window.pages[0].problem_banner is banner, "said once, not again on refresh"


def test_no_credential_store_is_said_once(make_window, qtbot):
    keyring.set_keyring(fail.Keyring())
    window = make_window()

    def said() -> list[str]:
        texts = [banner.label.text() for banner in window.findChildren(Banner)]
        return [t for t in texts if "in memory for this run only" in t]

    qtbot.waitUntil(lambda: bool(said()))  # the store is probed after the first paint
    qtbot.wait(50)
    texts = said()
    assert len([t for t in texts if "in memory for this run only" in t]) == 1
