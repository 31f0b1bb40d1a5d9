"""The support report carries facts for support and nothing secret or personal."""

from __future__ import annotations

import logging
from pathlib import Path

from mis_wizard.wizard import logs
from mis_wizard.wizard.cli import main
from mis_wizard.wizard.secret_store import SecretStore
from mis_wizard.wizard.session import SessionStore

SECRET = "liss-Pa55word-for-sync!"


def test_support_report_has_facts_and_no_secret_or_admin_name(tmp_path: Path, capsys) -> None:
    store, secrets = SessionStore(), SecretStore()
    session = store.new(system="liss")
    session.school = {"name": "Riverbend Grammar", "contact_name": "Jo Admin", "contact_email": "jo@riverbend.example"}
    session.set_value(None, "password", SECRET, secret=True, secrets=secrets)
    session.steps_done = {"Add the sync system": True}
    session.checks = {"checked_at": "2026-11-22T01:00:00+00:00", "results": [
        {"key": "connection", "check": "Password", "status": "failed", "code": "liss.password_rejected",
         "message": f"rejected {SECRET}", "remedy": "Retype it", "detail": ""}]}
    store.save(session)
    logs.setup()
    logging.getLogger("mis_wizard.test").info("used password %s", SECRET)
    out = tmp_path / "report.txt"
    assert main(["support-report", "--session", session.id, "--out", str(out)]) == 0
    text = out.read_text()
    assert "liss.password_rejected" in text and "Riverbend Grammar" in text and "Add the sync system" in text
    assert "Credential store" in text and "proxy" in text
    assert SECRET not in text
    assert "Jo Admin" not in text and "jo@riverbend.example" not in text
    assert main(["support-report", "--session", "nope", "--out", str(out)]) == 2


def test_support_report_says_the_proxy_setting_without_its_password(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MIS_WIZARD_PROXY", "http://wizard:Proxy-Secret-42@proxy.school.internal:3128")
    session = SessionStore().new(system="liss")
    SessionStore().save(session)
    out = tmp_path / "report.txt"
    assert main(["support-report", "--session", session.id, "--out", str(out)]) == 0
    text = out.read_text()
    assert ("Proxy setting: the proxy http://proxy.school.internal:3128, login as wizard (from the MIS_WIZARD_PROXY "
            "environment variable)") in text
    assert "Proxy-Secret-42" not in text
