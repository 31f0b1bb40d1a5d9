"""The Welcome page says each saved setup's last sync in plain words, and a scheduled run that
failed is said at the top with the way into that setup (records written through the real history)."""

from __future__ import annotations

from pathlib import Path

from mis_wizard.ui.context import WizardContext
from mis_wizard.wizard.profile import load_builtin
from mis_wizard.wizard.sync import history

REASON = "The server did not accept the credentials. Copy the Token Key again from TASS."


def saved_setup(system: str, school: str) -> str:
    ctx = WizardContext(load_builtin())
    session = ctx.new_session()
    session.system = system
    session.school = {"name": school}
    ctx.save()
    return session.id


def record(result: str, how: str, written: int = 0, reason: str = "") -> dict:
    return {"started": "2026-12-03T02:30:00+00:00", "finished": "2026-12-03T02:30:09+00:00",
            "result": result, "to": "csv", "system": "tass", "elapsed_ms": 9000,
            "counts": {"pulled": written, "written": written, "added": 3, "changed": 0, "removed": 0, "errors": 0},
            "reason": reason, "how": how}


def test_welcome_shows_last_runs_and_a_failed_scheduled_run(make_window, qtbot, tmp_path: Path) -> None:
    from mis_wizard.ui.widgets.choice_list import SUBTITLE_ROLE, VALUE_ROLE

    failing = saved_setup("tass", "Riverbend College")
    fine = saved_setup("isams", "Hillside Grammar")
    saved_setup("tass", "Lakeside Primary")
    history.append(failing, record("ok", "unattended", written=50))
    history.append(failing, record("failed", "unattended", reason=REASON))
    history.append(fine, record("ok", "by hand", written=50))

    window = make_window()
    page = window.page
    assert page.page_id == "welcome"
    when = history.when_words(record("ok", ""))
    banner = page.failed_banner
    assert banner is not None and banner.isVisible()
    text = banner.label.text()
    assert "Riverbend College" in text and "TASS" in text and REASON in text and when in text
    assert "Hillside" not in text and "Lakeside" not in text
    assert page.failed_open_button is not None and "Riverbend College" in page.failed_open_button.text()

    lines = {page.sessions.item(r).data(VALUE_ROLE): page.sessions.item(r).data(SUBTITLE_ROLE)
             for r in range(page.sessions.count())}
    assert f"Last sync: {when}, scheduled, failed — {REASON}" in lines[failing]
    assert f"Last sync: {when}, done: 50 records written (3 added)" in lines[fine]
    assert all("Not synced yet." in v for k, v in lines.items() if k not in (failing, fine))
    for v in lines.values():  # words for an admin: no ids or raw fields
        assert failing not in v and "unattended" not in v and "True" not in v and "counts" not in v

    shot = tmp_path / "welcome.png"
    assert window.grab().save(str(shot)) and shot.stat().st_size > 0

    page.failed_open_button.click()
    assert window.ctx.session is not None and window.ctx.session.id == failing
    assert window.page.page_id != "welcome"


def test_no_banner_when_the_last_scheduled_run_worked(make_window, qtbot) -> None:
    sid = saved_setup("tass", "Riverbend College")
    history.append(sid, record("failed", "unattended", reason=REASON))
    history.append(sid, record("ok", "unattended", written=12))
    window = make_window()
    assert window.page.failed_banner is None
