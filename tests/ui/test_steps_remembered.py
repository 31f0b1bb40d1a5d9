"""Issue 15 items 3 and 4 after a restart: whether Map, Preview and Whole school were done is a
fact saved with the session (what each was done for, as a hash of the keys' references, their
last check and the mapping), not something the window remembers while it runs. A resumed setup
whose keys and mapping are unchanged reaches Send and Sync without running them again; a changed
mapping makes the preview and the whole-school check stale, also across another restart.

Through the real window, against the TASS emulator over loopback, on one MIS_WIZARD_HOME."""

from __future__ import annotations

import json

import pytest
from window_walk import WAIT, index_of, run_check, start, to_check

from mis_wizard.ui.pages import PageStatus
from mis_wizard.ui.pages.mapping_page import COL_KIND
from mis_wizard.vendors import registry
from mis_wizard.vendors.sandbox.kit import Fault, FaultKind
from mis_wizard.wizard import paths

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")


def needs(window, page_id: str) -> str:
    window.refresh()
    return window.sidebar.needs(index_of(window, page_id))


def resume(make_window, sandbox, school: str):
    window = make_window(sandbox=sandbox)
    welcome = window.pages[0]
    row = next(r for r in range(welcome.sessions.count()) if school in welcome.sessions.item(r).text())
    welcome.sessions.setCurrentRow(row)
    welcome.resume_button.click()
    return window


def wait_done(window, qtbot) -> None:
    page = window.page
    qtbot.waitUntil(lambda: not page.unmet(), timeout=WAIT)


def make_the_later_steps_stale(again, qtbot) -> None:
    """Looking at the mapping again changes nothing; changing a rule makes the later steps stale."""
    again.sidebar.setCurrentRow(index_of(again, "mapping"))
    mapping = again.page
    assert mapping.page_id == "mapping"
    qtbot.waitUntil(lambda: not mapping.reading, timeout=WAIT)
    assert needs(again, "finish") == "", "only looking at the mapping keeps the preview"
    grid = mapping.widget
    row = [f.name for f in grid.target.fields].index("birth_date")
    kind = grid.table.cellWidget(row, COL_KIND)
    kind.setCurrentIndex(kind.findData("skip"))
    assert again.ctx.session.mapping["students"]["birth_date"]["kind"] == "skip"
    assert needs(again, "finish") == "Needs: preview the records again first"
    assert needs(again, "sync") == "Needs: preview the records again first"
    assert needs(again, "preview") == "", "the mapping itself is still done"
    assert again.page_at(index_of(again, "preview")).status() is PageStatus.TODO
    assert again.page_at(index_of(again, "report")).status() is PageStatus.TODO


def run_the_check(window, qtbot) -> None:
    check = window.page
    assert check.page_id == "check"
    check.run_check()
    qtbot.waitUntil(lambda: not check.running, timeout=WAIT)


def test_map_preview_and_whole_school_survive_a_restart_until_the_mapping_changes(make_window, gui, sandbox,
                                                                                   small_school, shots,
                                                                                   qtbot) -> None:
    sandbox.add(registry.get("tass").emulator(small_school))
    window = make_window(sandbox=sandbox)
    start(window, gui)
    to_check(window, gui)
    run_the_check(window, qtbot)
    statuses = {}
    for page_id in ("mapping", "preview", "report"):
        window.go_next()
        assert window.page.page_id == page_id
        wait_done(window, qtbot)
        statuses[page_id] = window.page.status()
        assert statuses[page_id] in (PageStatus.DONE, PageStatus.ATTENTION)
    window.go_next()
    assert window.page.page_id == "finish"
    session = window.ctx.session
    saved = json.loads((paths.sessions_dir() / f"{session.id}.json").read_text(encoding="utf-8"))
    assert set(saved["progress"]) == {"mapping", "preview", "report"}, "saved with the session, at once"
    assert all(len(fact["for"]) == 32 and fact["at"] for fact in saved["progress"].values())
    resolved = json.dumps(window.ctx.session.resolved_credentials(window.ctx.secrets))
    held = [v for v in resolved.split('"') if len(v) > 12]
    file_text = json.dumps(saved)
    assert held and not any(value in file_text for value in held if value not in json.dumps(saved["credentials"]))
    window.close()

    # a new window on the same home: nothing of the old one's memory, only the saved session
    again = resume(make_window, sandbox, "Riverbend College")
    assert again.ctx.session.id == session.id and again.page.page_id == "finish"
    again.go(index_of(again, "welcome"))
    for page_id in ("finish", "sync"):
        assert needs(again, page_id) == "", f"{page_id} asks for Map/Preview/Whole school again after a restart"
    for page_id, status in statuses.items():
        assert again.page_at(index_of(again, page_id)).status() is status, f"{page_id}'s status was not kept"
    again.sidebar.setCurrentRow(index_of(again, "sync"))
    assert again.page.page_id == "sync"
    again.sidebar.setCurrentRow(index_of(again, "finish"))
    assert again.page.page_id == "finish", "Send is reachable without redoing the steps before it"
    gui.settle()
    assert again.grab().save(str(shots / "resumed-send-reachable.png"))

    # the facts are the session's own: another setup opened in this window has none of them
    again.go(index_of(again, "welcome"))
    again.pages[0].new_button.click()
    gui.choose_system(again, "tass")
    again.go_next()
    gui.fill_school(again, "Hillside Grammar")
    other = again.ctx.session
    assert other.id != session.id and not other.progress
    assert needs(again, "finish") == "Needs: check the keys first"
    assert all(again.page_at(index_of(again, p)).status() is PageStatus.TODO for p in statuses)
    again.ctx.open(again.ctx.store.load(session.id))  # back to Riverbend: its facts again
    assert needs(again, "finish") == ""

    make_the_later_steps_stale(again, qtbot)
    again.close()

    # stale stays stale across another restart
    third = resume(make_window, sandbox, "Riverbend College")
    assert third.page.page_id == "mapping"
    qtbot.waitUntil(lambda: not third.page.reading, timeout=WAIT)
    assert needs(third, "finish") == "Needs: preview the records again first"
    third.sidebar.setCurrentRow(index_of(third, "finish"))
    assert third.page.page_id == "preview", "Send opens the stale step instead"
    assert third.blocked_label.text() == "To open “Send it to the integrator”, preview the records again first."
    wait_done(third, qtbot)
    assert needs(third, "finish") == "Needs: check the whole school again first"
    third.sidebar.setCurrentRow(index_of(third, "finish"))
    assert third.page.page_id == "report"
    wait_done(third, qtbot)
    third.sidebar.setCurrentRow(index_of(third, "finish"))
    assert third.page.page_id == "finish"


def test_a_failed_preview_is_not_remembered_as_done(make_window, gui, sandbox, small_school, qtbot) -> None:
    sandbox.add(registry.get("tass").emulator(small_school))
    window = make_window(sandbox=sandbox)
    start(window, gui)
    run_check(to_check(window, gui), qtbot)
    window.go_next()
    wait_done(window, qtbot)
    window.go_next()
    preview = window.page
    assert preview.page_id == "preview"
    wait_done(window, qtbot)
    assert "preview" in window.ctx.session.progress

    sandbox.inject("tass", Fault(FaultKind.MALFORMED))  # the system's answers stop making sense
    preview.run_preview(preview.widget.target_combo.currentData(), [], 20)
    qtbot.waitUntil(lambda: not preview.running, timeout=WAIT)
    sandbox.clear_faults()
    assert preview.problem and preview.status() is PageStatus.ATTENTION
    assert "preview" not in window.ctx.session.progress, "a failed run forgets the earlier one"
    assert preview.unmet() == "preview the records again first"
    session_id = window.ctx.session.id
    window.close()
    saved = json.loads((paths.sessions_dir() / f"{session_id}.json").read_text(encoding="utf-8"))
    assert "preview" not in saved["progress"] and "mapping" in saved["progress"]
    again = resume(make_window, sandbox, "Riverbend College")
    assert again.page.page_id == "preview", "resumed where it was left, the preview running again"
    assert needs(again, "finish") == "Needs: wait for the preview to finish"
    wait_done(again, qtbot)
    assert "preview" in again.ctx.session.progress and needs(again, "finish").startswith("Needs: check the whole")
