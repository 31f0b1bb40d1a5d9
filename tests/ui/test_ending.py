"""Issue 15 items 4 and 5: Next stops at what is missing and says so at the field; the side list
marks steps not possible yet and never opens past Map / Preview / Whole school; the wizard ends
on a page that sums up this setup only, with Open folder and Start another setup.

Everything runs against the sandbox emulators over loopback, through the real window."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from window_walk import WAIT, focused, index_of, run_check, start, to_check, walk_to_the_end

from mis_wizard.ui.pages.done_page import DonePage
from mis_wizard.vendors import registry
from mis_wizard.wizard import paths
from mis_wizard.wizard.handoff import bundle
from mis_wizard.wizard.profile import load_builtin
from mis_wizard.wizard.sync import history

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")


@pytest.fixture
def integrator_key(tmp_path: Path) -> str:
    return bundle.generate_identity(tmp_path / "integrator.key")


def test_next_stays_on_an_empty_school_name_and_says_so_at_the_field(make_window, gui, shots, qtbot) -> None:
    window = make_window()
    school = start(window, gui)
    school.edits["contact_name"].setText("Jordan Smith")
    school.edits["contact_email"].setText("jordan.smith@riverbend.example")
    window.activateWindow()
    window.next_button.setFocus()
    assert window.next_button.isEnabled(), "Next can be pressed; it says what is missing instead of greying out"
    window.next_button.click()
    assert window.page is school
    error = school.errors["name"]
    assert error.isVisibleTo(school) and error.text() == "School name is needed."
    assert school.edits["name"].property("invalid") is True
    assert school.edits["name"].accessibleDescription().startswith("School name is needed.")
    qtbot.waitUntil(lambda: focused(school.edits["name"]), timeout=2_000)
    assert not school.errors["contact_name"].isVisibleTo(school), "only the missing field is marked"
    gui.settle()
    assert window.grab().save(str(shots / "held-school.png"))

    school.edits["name"].setText("Riverbend College")
    assert not error.isVisibleTo(school)
    window.go_next()
    assert window.page.page_id == "steps"


def test_a_required_key_failing_the_check_stops_next_and_names_the_key(make_window, gui, sandbox, small_school,
                                                                        shots, qtbot) -> None:
    hosted = sandbox.add(registry.get("tass").emulator(small_school))
    window = make_window(sandbox=sandbox)
    start(window, gui)
    check = to_check(window, gui)
    window.go_next()
    assert window.page is check and check.held.isVisibleTo(check)
    assert check.held.text().startswith("Run the check before going on")

    scenario = hosted.emulator.scenarios(hosted.base_url)["wrong_token_key"]
    window.ctx.session.import_credentials(scenario.credentials, window.ctx.requirements(), window.ctx.secrets)
    window.ctx.save()
    run_check(check, qtbot)
    bad = check.failing_required()
    assert len(bad) == 1
    label = next(ks.label for ks in window.ctx.spec.key_sets(window.ctx.requirements()) if ks.id == bad[0])
    window.go_next()
    assert window.page is check, "a failing required key holds Next"
    assert f"The check failed for “{label}”" in check.held.text() and "Fix it" in check.held.text()
    group = check.groups[bad[0]]
    assert group.held.isVisibleTo(check) and label in group.held.text()
    qtbot.waitUntil(lambda: focused(check.run_button), timeout=2_000)
    for size, name in (((1366, 768), "held-check.png"), ((800, 500), "held-check-800x500.png")):
        window.setMinimumSize(0, 0)
        window.resize(*size)
        gui.settle()
        assert window.grab().save(str(shots / name))
    mapping = index_of(window, "mapping")
    assert window.sidebar.needs(mapping) == "Needs: fix the keys that failed the check first"

    window.ctx.session.import_credentials(window.ctx.demo_credentials(), window.ctx.requirements(),
                                          window.ctx.secrets)
    window.ctx.save()
    run_check(check, qtbot)
    assert not check.held.isVisibleTo(check)
    window.go_next()
    assert window.page.page_id == "mapping"


def test_the_side_list_marks_what_is_not_possible_yet_and_never_opens_past_it(make_window, gui, sandbox,
                                                                             small_school, shots, qtbot) -> None:
    sandbox.add(registry.get("tass").emulator(small_school))
    window = make_window(sandbox=sandbox)
    school = start(window, gui)
    finish, mapping, steps = index_of(window, "finish"), index_of(window, "mapping"), index_of(window, "steps")
    item = window.sidebar.item(mapping)
    assert item.text() == "Map the fields" and window.sidebar.needs(mapping) == "Needs: check the keys first"
    assert item.accessibleDescription() == "Needs: check the keys first"
    assert "Not possible yet: check the keys first" in item.accessibleText()
    assert item.toolTip().endswith("\nNeeds: check the keys first") and item.isEnabled()
    assert window.sidebar.needs(finish) == "Needs: fill in the school details first"
    assert window.sidebar.needs(steps) == "", "reading ahead needs nothing"

    gui.settle()
    assert window.grab().save(str(shots / "side-list-needs.png"))
    window.sidebar.setCurrentRow(steps)  # looking ahead is allowed
    assert window.page.page_id == "steps"
    window.sidebar.setCurrentRow(finish)
    assert window.page is school, "Send needs the school details: they are asked for first"
    assert window.blocked_label.text() == "To open “Send it to the integrator”, fill in the school details first."
    assert school.errors["name"].isVisibleTo(school)

    check = to_check(window, gui)
    window.sidebar.setCurrentRow(finish)
    assert window.page is check and "check the keys first" in window.blocked_label.text()
    run_check(check, qtbot)
    assert window.sidebar.needs(mapping) == ""
    for page_id, need in (("mapping", "map the fields first"), ("preview", "preview the records first"),
                          ("report", "check the whole school first")):
        window.sidebar.setCurrentRow(finish)
        assert window.page.page_id == page_id, f"Send opened past {page_id}"
        assert window.blocked_label.text() == f"To open “Send it to the integrator”, {need}."
        page = window.page
        qtbot.waitUntil(lambda page=page: not page.unmet(), timeout=WAIT)
    window.sidebar.setCurrentRow(finish)
    assert window.page.page_id == "finish"
    done = index_of(window, "done")
    assert window.sidebar.needs(done) == "Needs: create the bundle or run a sync first"


def test_sync_page_next_asks_for_a_bundle_or_a_sync_before_the_end(make_window, gui, qtbot) -> None:
    window = make_window()
    start(window, gui)
    gui.fill_school(window)
    window.go(index_of(window, "sync"))  # as a resumed setup opens it
    sync = window.page
    window.go_next()
    assert window.page is sync
    assert sync.state_label.text().startswith("To finish, run the sync here, or go Back and create the encrypted")
    qtbot.waitUntil(lambda: focused(sync.run_button), timeout=2_000)


def shoot_at_two_sizes(window, gui, done, shots) -> None:
    """At 1366x768 and 800x500 the last page's buttons stay inside the window; each size is saved,
    top and bottom."""
    for size, name in (((1366, 768), "done-1366x768.png"), ((800, 500), "done-800x500.png")):
        window.setMinimumSize(0, 0)
        window.resize(*size)
        gui.settle()
        for button in (done.open_button, done.another_button):
            top_left = button.mapTo(window, button.rect().topLeft())
            assert 0 <= top_left.x() and top_left.x() + button.width() <= window.width(), f"{name}: {button.text()}"
        assert window.grab().save(str(shots / name))
        done.scroll_area.verticalScrollBar().setValue(done.scroll_area.verticalScrollBar().maximum())
        gui.settle()
        assert window.grab().save(str(shots / name.replace(".png", "-end.png")))
        done.scroll_area.verticalScrollBar().setValue(0)
    window.resize(1366, 768)


def resume_after_a_restart(make_window, profile, sandbox, files, runs) -> None:
    """After a restart, resuming A opens its last page with its files and runs, read from disk."""
    again = make_window(profile=profile, sandbox=sandbox)
    welcome = again.pages[0]
    row = next(r for r in range(welcome.sessions.count()) if "Riverbend" in welcome.sessions.item(r).text())
    welcome.sessions.setCurrentRow(row)
    welcome.resume_button.click()
    assert again.page.page_id == "done"
    again.go(index_of(again, "welcome"))
    assert again.sidebar.needs(index_of(again, "done")) == "", "a finished setup's summary can always be read"
    assert again.sidebar.needs(index_of(again, "finish")) == "", \
        "Map, Preview and Whole school were saved as done with the session: not asked for again"
    again.sidebar.setCurrentRow(index_of(again, "done"))
    assert again.page.page_id == "done"
    text = again.page.summary_text()
    assert text.startswith("This setup is finished.") and str(files["bundle"]) in text
    assert history.in_words(runs[0]) in text and "Hillside" not in text


def test_the_last_page_sums_up_this_setup_and_ends_it(make_window, gui, sandbox, small_school, integrator_key,
                                                      tmp_path, shots, qtbot) -> None:
    sandbox.add(registry.get("tass").emulator(small_school))
    sandbox.add(registry.get("isams").emulator(small_school))
    profile = dataclasses.replace(load_builtin(), recipients=(integrator_key,))
    window = make_window(profile=profile, sandbox=sandbox)
    start(window, gui)
    files = walk_to_the_end(window, gui, qtbot, tmp_path, "Riverbend College")
    done = window.page
    assert isinstance(done, DonePage)
    session = window.ctx.session
    text = done.summary_text()
    checked = session.checks["results"]
    assert "Checked live against TASS.web on " in text
    assert f"{sum(r['status'] == 'ok' for r in checked)} passed" in text
    assert str(files["bundle"]) in text and str(files["workbook"]) in text
    assert integrator_key[:10] in text and "Only they can open it." in text
    assert profile.integrator.support_email in text
    assert "No: safe to print or file" in text, "the workbook was written without secrets"
    assert "every day at 02:30" in text
    assert str(files["store"]) in text, "where the records go"
    runs = history.runs(session.id)
    assert len(runs) == 1 and history.in_words(runs[0]) in text, "the Welcome page's wording of the last run"
    assert runs[0]["how"] == "by hand" and "scheduled" not in history.in_words(runs[0]), "run from the window"
    assert f"E-mail {files['bundle'].name} to {profile.integrator.support_email}" in text
    assert "Riverbend College (TASS.web)" in text and text.startswith("This setup is finished.")
    assert not window.next_button.isVisible() and window.back_button.isEnabled()
    qtbot.waitUntil(lambda: focused(done.open_button), timeout=2_000)
    assert window.sidebar.needs(window.current) == "" and window.sidebar.item(window.current).text() == "All done"
    assert done.status().value == "done"

    shoot_at_two_sizes(window, gui, done, shots)

    asked: list[Path] = []
    done.opener = asked.append
    done.open_button.click()
    assert asked == [files["bundle"].parent]

    a = session
    done.another_button.click()
    assert window.page.page_id == "system" and window.ctx.session.id != a.id
    assert a.id in {s.id for s in window.ctx.store.list()}, "the finished setup stays saved"

    # setup B: another school and system; its last page shows nothing of A
    gui.choose_system(window, "isams")
    window.go_next()
    gui.fill_school(window, "Hillside Grammar")
    b = window.ctx.session
    window.go(index_of(window, "done"))
    text = done.summary_text()
    for leaked in (files["bundle"].name, files["workbook"].name, str(files["store"]), "Riverbend", "TASS",
                   history.in_words(runs[0]), "02:30"):
        assert leaked not in text, f"setup B shows A's {leaked!r}"
    assert "Nothing was sent from this setup" in text and "No sync has run for this setup yet." in text
    assert "The keys were not checked in this setup." in text and "This setup is not finished yet" in text
    asked.clear()
    done.open_button.click()
    assert asked == [paths.data_dir()], "B has no files of its own yet: the wizard's folder, not A's"

    window.ctx.open(window.ctx.store.load(a.id))  # back to A: its own facts again
    window.go(index_of(window, "done"))
    assert str(files["bundle"]) in done.summary_text() and "Hillside" not in done.summary_text()
    assert window.ctx.session.id == a.id != b.id
    window.close()

    resume_after_a_restart(make_window, profile, sandbox, files, runs)
