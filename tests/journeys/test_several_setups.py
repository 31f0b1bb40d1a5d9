"""Journey (a): one admin sets up three schools' systems one after another in one run of the demo
wizard — TASS, then iSAMS, then PowerSchool, and the other way round — each through check,
preview, the whole-school check, a sync and All done, then Start another setup. Every page shows
only the open setup's own facts; going back to the first shows its facts again."""

from __future__ import annotations

import pytest

from mis_wizard.vendors import registry
from mis_wizard.wizard.profile import load_builtin

SETUPS = (
    ("tass", "Riverbend College"),
    ("isams", "Hillside Grammar"),
    ("powerschool", "Lakeview High School"),
)
ORDERS = {"tass-isams-powerschool": SETUPS, "powerschool-isams-tass": SETUPS[::-1]}


def own_words(system: str) -> set[str]:
    """What only this system's pages say: its name and the key sets the demo profile asks for."""
    spec = registry.get(system)
    return {ks.label for ks in spec.key_sets(load_builtin().requirements(system))} | {spec.name}


def foreign(system: str, school: str) -> set[str]:
    """Words that belong to the other setups: their systems' key sets, their schools, their stores."""
    mine = own_words(system)
    words = {w for other, _ in SETUPS if other != system for w in own_words(other)} - mine
    schools = {s for _, s in SETUPS if s != school}
    return words | schools | {s.lower().replace(" ", "-") for s in schools}


def only_its_own(j, system: str, school: str) -> None:
    """The page on screen says nothing of another setup, and the header names this one."""
    assert j.header() == f"{school} — {registry.get(system).name}"
    text = j.text()
    for word in foreign(system, school):
        assert word not in text, f"{j.page.title} for {school} shows {word!r} of another setup:\n{text}"


def sync_once(j, system: str, school: str) -> None:
    """The sync page opens clean for this setup, holds Next until a sync has run, then runs one."""
    sync = j.at("Sync on this computer")
    assert sync.scroll_area.verticalScrollBar().value() == 0, "opened where another setup's page was scrolled to"
    assert school.lower().replace(" ", "-") in sync.path.text()
    j.qtbot.wait(200)  # the runs are read in the background: time for another setup's to (wrongly) arrive
    assert j.read(sync.state_label) == "Not run yet."
    assert "No runs yet." in j.texts(sync) and "No run yet." in j.texts(sync)
    assert not sync.runs
    only_its_own(j, system, school)
    j.click(j.window.next_button)  # Next before any sync or bundle: held, with what to do
    j.at("Sync on this computer")
    assert j.read(sync.state_label).startswith("To finish, run the sync here")
    first, *rest = sync.entity_boxes.values()
    for box in rest:
        if box.isChecked():
            j.click(box)
    if not first.isChecked():
        j.click(first)
    j.press("Run the sync")
    j.wait(lambda: not sync.running and sync.runs)
    assert j.read(sync.state_label) == "Finished."
    assert j.read(sync.report_view.summary).startswith("Finished — ")
    j.scroll_to_end()  # the admin reads down to the previous runs before going on
    j.shot(f"{system}-synced")
    j.next()


def walk_one_setup(j, system: str, school: str) -> None:
    """System → … → All done, as an admin clicks and types it, each page checked for its own facts."""
    spec = registry.get(system)
    assert j.header().startswith("Unnamed school — ")
    j.pick_system(system)
    j.fill_school(school)
    assert j.header() == f"{school} — {spec.name}"
    j.tick_every_step()

    creds = j.at("Enter the keys")
    assert j.step("Check the keys").endswith("to do"), "a new setup has checked nothing"
    assert j.needs("Sync on this computer"), "nothing can be synced before the keys are checked"
    j.press("Fill demo credentials")
    assert {ks for ks, _ in creds.inputs if ks} == {ks.id for ks in spec.key_sets(j.window.ctx.requirements())}
    assert not [item for item in creds.inputs.values() if item.error.isVisibleTo(creds)]
    only_its_own(j, system, school)
    j.shot(f"{system}-keys")
    j.next()

    check = j.at("Check the keys")
    assert j.check_summary().startswith("Not checked yet")
    only_its_own(j, system, school)
    j.run_check()
    summary = j.check_summary()
    assert "passed" in summary and "to fix" not in summary, summary
    assert not [r for g in check.groups.values() for r in g.rows if r.result.status.value == "failed"]
    only_its_own(j, system, school)
    j.next()

    j.at("Map the fields")
    j.idle()
    assert "could not be read" not in j.text()
    j.shot(f"{system}-mapping")
    j.next()

    preview = j.at("Preview the records")
    j.idle()
    status = preview.widget.status.text()
    assert " records · " in status and not status.startswith("0 records"), status
    assert preview.widget.model.rowCount() > 0
    j.shot(f"{system}-preview")
    j.next()

    j.at("Check the whole school")
    j.idle()
    j.shot(f"{system}-whole-school")
    j.next()

    finish = j.at("Send it to the integrator")
    assert finish.receipt_labels["system"].text() == spec.name
    assert "Saved" not in j.text() and ".age" not in j.text(), "another setup's bundle"
    only_its_own(j, system, school)
    j.next()

    sync_once(j, system, school)

    done = j.at("All done")
    assert j.read(done.state_note) == "This setup is finished."
    j.says(f"Checked live against {spec.name}", "No daily sync is scheduled.")
    only_its_own(j, system, school)
    assert not j.window.next_button.isVisible(), "the last page ends with its own buttons"
    j.shot(f"{system}-all-done")


@pytest.mark.parametrize("order", ORDERS)
def test_three_setups_one_after_another_each_keep_to_their_own(order, open_window, demo_box) -> None:
    setups = ORDERS[order]
    j = open_window(sandbox=demo_box, name=f"three-setups-{order}")
    j.at("Welcome")
    j.shot("welcome")
    j.press("Start a new setup")
    for n, (system, school) in enumerate(setups):
        if n:
            j.press("Start another setup")
        walk_one_setup(j, system, school)

    welcome = j.go_to("Welcome")
    assert sorted(j.rows(welcome.sessions)) == sorted(s for _, s in SETUPS)
    j.shot("three-saved")

    system, school = setups[0]
    j.choose(welcome.sessions, school)
    j.press("Resume selected setup")
    done = j.at("All done")  # where this setup was left
    assert j.read(done.state_note) == "This setup is finished."
    only_its_own(j, system, school)
    j.shot(f"{system}-resumed")

    j.go_to("School details")
    assert j.page.edits["name"].text() == school
    j.go_to("Check the keys")
    assert "passed" in j.check_summary()
    only_its_own(j, system, school)
    # Map, Preview and Whole school were done for these keys and this mapping: Sync opens at once
    assert j.try_to_open("Sync on this computer") == "Sync on this computer"
    sync = j.at("Sync on this computer")
    j.wait(lambda: sync.runs)
    assert j.read(sync.state_label).startswith("Last run finished")
    assert len(j.table(sync.runs_table)) == 2, "this setup's one run, and no other's"
    only_its_own(j, system, school)
    j.shot(f"{system}-resumed-sync")
