"""One school, one setup: what a page shows belongs to the open session, and its status is
derived from facts (keys still held and unchanged, the last sync's outcome)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mis_wizard.ui.pages import PageStatus
from mis_wizard.vendors import registry
from mis_wizard.vendors.sandbox.kit import Fault, FaultKind
from mis_wizard.wizard.profile import parse

PLAIN = parse('[integrator]\nname = "Plain Sync Test"\nsupport_email = "support@plain.example"\n'
              '[handoff]\nremoval_threshold = 0.10\n', "plain", "test profile")


@pytest.fixture
def box(sandbox, small_school):
    sandbox.add(registry.get("tass").emulator(small_school))
    sandbox.add(registry.get("isams").emulator(small_school))
    return sandbox


def open_setup(window, system: str, school: str):
    ctx = window.ctx
    session = ctx.new_session()
    session.system = system
    session.school = {"name": school}
    session.import_credentials(ctx.demo_credentials(), ctx.requirements(), ctx.secrets)
    ctx.save()
    return session


def page_of(window, page_id: str):
    index = next(i for i, p in enumerate(window.pages) if p.page_id == page_id)
    window.go(index)
    return window.page, index


def tooltip(window, index: int) -> str:
    """The step's status line (a second line says what the step still needs, if anything)."""
    return window.sidebar.item(index).toolTip().split("\n")[0]


def check(window, qtbot):
    page, index = page_of(window, "check")
    page.run_check()
    qtbot.waitUntil(lambda: not page.running, timeout=30_000)
    return page, index


def test_a_second_setup_shows_nothing_of_the_first(make_window, box, tmp_path: Path, qtbot) -> None:
    window = make_window(profile=PLAIN, sandbox=box)
    a = open_setup(window, "tass", "Riverbend College")
    checker, check_index = check(window, qtbot)
    assert checker.status() is PageStatus.DONE
    finish, finish_index = page_of(window, "finish")
    bundle_path = tmp_path / "riverbend-college-tass.age"
    finish.make_bundle(bundle_path, passphrase="correct horse battery staple 42")
    qtbot.waitUntil(lambda: finish.last_bundle is not None, timeout=30_000)
    assert "riverbend-college-tass.age" in finish.bundle_status.text()
    sync, sync_index = page_of(window, "sync")
    assert "riverbend-college-tass-plain" in sync.path.text()
    for eid, b in sync.entity_boxes.items():
        b.setChecked(eid == "students")
    sync.run_sync()
    qtbot.waitUntil(lambda: not sync.running and len(sync.runs) == 1, timeout=30_000)
    assert sync.status() is PageStatus.DONE and sync.report_view.report is not None

    open_setup(window, "isams", "Hillside Grammar")
    finish, _ = page_of(window, "finish")
    assert finish.status() is PageStatus.TODO and finish.last_bundle is None
    assert "Saved" not in finish.bundle_status.text() and "riverbend" not in finish.bundle_status.text()
    assert window.pages[check_index].status() is PageStatus.TODO
    sync, _ = page_of(window, "sync")
    qtbot.wait(300)  # the runs are read in the background: give them time to (wrongly) arrive
    assert sync.runs == [] and sync.runs_table.rowCount() == 0
    assert sync.report_view.report is None
    assert sync.state_label.text() == "Not run yet."
    assert sync.status() is PageStatus.TODO
    assert "hillside-grammar-isams-plain" in sync.path.text()
    window.go(0)
    assert tooltip(window, sync_index).endswith("to do") and tooltip(window, finish_index).endswith("to do")
    assert tooltip(window, check_index).endswith("to do")

    window.ctx.open(window.ctx.store.load(a.id))
    finish, _ = page_of(window, "finish")
    assert finish.last_bundle == bundle_path and "riverbend-college-tass.age" in finish.bundle_status.text()
    assert finish.status() is PageStatus.DONE
    sync, _ = page_of(window, "sync")
    qtbot.waitUntil(lambda: len(sync.runs) == 1, timeout=5_000)
    assert sync.status() is PageStatus.DONE and "riverbend-college-tass-plain" in sync.path.text()
    assert window.pages[check_index].status() is PageStatus.DONE


def test_changing_a_checked_key_makes_the_check_stale(make_window, box, qtbot) -> None:
    window = make_window(profile=PLAIN, sandbox=box)
    session = open_setup(window, "tass", "Riverbend College")
    checker, index = check(window, qtbot)
    assert checker.status() is PageStatus.DONE
    saved = window.ctx.store.load(session.id).checks
    assert saved["digest"] and saved["salt"]
    key_set = next(k for k, v in session.credentials.items() if isinstance(v, dict) and "token_key" in v)
    token = session.get_value(key_set, "token_key", window.ctx.secrets)
    text = window.ctx.store.path(session.id).read_text(encoding="utf-8")
    assert token and token not in text, "the session file keeps a digest, never the key"

    session.set_value(key_set, "token_key", token[:-2] + "AA", secret=True, secrets=window.ctx.secrets)
    window.ctx.save()
    assert checker.status() is not PageStatus.DONE
    page_of(window, "check")
    assert "changed" in checker.summary.text()
    window.go(0)
    assert "changed" in tooltip(window, index)

    session.set_value(key_set, "token_key", token, secret=True, secrets=window.ctx.secrets)
    window.ctx.save()
    assert checker.status() is PageStatus.DONE, "the same keys as checked: green again"


def test_a_restart_without_the_secrets_asks_for_the_keys_again(make_window, box, qtbot, memory_keyring) -> None:
    first = make_window(profile=PLAIN, sandbox=box)
    session = open_setup(first, "tass", "Riverbend College")
    checker, _ = check(first, qtbot)
    assert checker.status() is PageStatus.DONE
    first.close()
    memory_keyring.store.clear()  # the credential store lost them (another computer, a profile reset)

    second = make_window(profile=PLAIN, sandbox=box)
    welcome = second.pages[0]
    welcome.sessions.setCurrentRow(0)
    welcome.resume_button.click()
    assert second.ctx.session.id == session.id
    checker, index = page_of(second, "check")
    assert checker.status() is PageStatus.ATTENTION
    assert "Enter the keys again on the Enter the keys page" in checker.summary.text()
    second.go(0)
    assert "Enter the keys again" in tooltip(second, index)


def test_a_failed_sync_is_red_with_its_reason(make_window, box, qtbot) -> None:
    window = make_window(profile=PLAIN, sandbox=box)
    open_setup(window, "tass", "Riverbend College")
    sync, index = page_of(window, "sync")
    for eid, b in sync.entity_boxes.items():
        b.setChecked(eid == "students")
    box.inject("tass", Fault(FaultKind.MALFORMED))
    sync.run_sync()
    qtbot.waitUntil(lambda: not sync.running, timeout=60_000)
    assert sync.status() is PageStatus.ATTENTION
    reason = window.ctx.session.sync["last_run"]["message"]
    assert reason and "last good output was kept" in reason
    assert sync.state_label.text().startswith("Failed.") and reason in sync.state_label.text()
    window.go(0)
    assert "needs attention" in tooltip(window, index) and "failed" in tooltip(window, index)
    sync, _ = page_of(window, "sync")
    assert "The last run failed." in sync.state_label.text() and reason in sync.state_label.text()


def test_the_sync_page_keeps_the_old_shared_store_aside_and_says_so(make_window, box, app_home) -> None:
    old = app_home / "data" / "sync.sqlite"
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_bytes(b"SQLite format 3\x00 records of every school")
    window = make_window(profile=PLAIN, sandbox=box)
    session = open_setup(window, "isams", "Hillside Grammar")
    session.sync = {"to": f"sqlite:{old}"}  # what the page saved when every setup shared one store
    window.ctx.save()
    sync, _ = page_of(window, "sync")
    kept = list((app_home / "data").glob("sync-shared-before-*.sqlite"))
    assert not old.exists() and len(kept) == 1
    assert kept[0].read_bytes() == b"SQLite format 3\x00 records of every school"
    assert kept[0].name in sync.store_note.text() and sync.store_note.isVisibleTo(sync)
    assert sync.path.text().endswith("hillside-grammar-isams-plain.sqlite")
