"""Journey (a): one admin sets up three schools' systems one after another in one run of the demo
wizard — TASS, then iSAMS, then PowerSchool, and the other way round — each through check and
preview, and every page shows only the open setup's own facts; going back to the first shows its
facts again."""

from __future__ import annotations

import pytest

from mis_wizard.vendors import registry
from mis_wizard.wizard.profile import load_builtin

SETUPS = (
    ("tass", "Riverbend College"),
    ("isams", "Hillside Grammar"),
    ("powerschool", "Lakeview High School"),
)


def own_words(system: str) -> set[str]:
    """What only this system's pages say: the titles of the key sets the demo profile asks for."""
    spec = registry.get(system)
    return {ks.label for ks in spec.key_sets(load_builtin().requirements(system))} | {spec.name}


def others_words(system: str) -> set[str]:
    mine = own_words(system)
    return {w for other, _ in SETUPS if other != system for w in own_words(other)} - mine


def walk_to_preview(j, system: str, school: str) -> None:
    """Welcome → … → Preview the records, as an admin clicks and types it."""
    j.start_new_setup()
    assert j.header().startswith("Unnamed school — ")
    j.pick_system(system)
    j.fill_school(school)
    assert j.header() == f"{school} — {registry.get(system).name}"
    j.tick_every_step()

    creds = j.at("Enter the keys")
    assert j.step("Check the keys").endswith("to do"), "a new setup has checked nothing"
    j.press("Fill demo credentials")
    assert j.step("Enter the keys") == "current page"
    j.shot(f"{system}-keys")
    assert not [item for item in creds.inputs.values() if item.error.isVisibleTo(creds)]
    j.next()

    check = j.at("Check the keys")
    assert j.check_summary().startswith("Not checked yet")
    j.run_check()
    summary = j.check_summary()
    assert "passed" in summary and "to fix" not in summary, summary
    assert not [r for g in check.groups.values() for r in g.rows if r.result.status.value == "failed"]
    j.next()

    mapping = j.at("Map the fields")
    j.wait(lambda: not mapping.reading)
    j.shot(f"{system}-mapping")
    assert "could not be read" not in j.text()
    j.next()

    preview = j.at("Preview the records")
    j.wait(lambda: not preview.running and not preview.widget.loading and preview.result is not None)
    status = preview.widget.status.text()
    assert " records · " in status and not status.startswith("0 records"), status
    assert preview.widget.model.rowCount() > 0
    j.shot(f"{system}-preview")
    assert j.step("Check the keys") == "done"
    assert j.step("Preview the records") == "current page"


def shows_only_its_own(j, system: str, school: str, *, synced: bool) -> None:
    """Every page the admin opens speaks of this setup and of no other. A setup not ``synced`` yet
    is synced here (one kind of record), so the next setup has another's run to wrongly show."""
    foreign = others_words(system)
    other_schools = {s for _, s in SETUPS if s != school}
    assert j.header() == f"{school} — {registry.get(system).name}"

    page = j.go_to("School details")
    assert page.edits["name"].text() == school
    for title in ("Enter the keys", "Check the keys", "Send it to the integrator", "Sync on this computer"):
        j.go_to(title)
        text = j.text()
        for word in foreign | other_schools:
            assert word not in text, f"{title} for {school} shows {word!r} of another setup:\n{text}"
        for word in other_schools:
            assert word.lower().replace(" ", "-") not in text
    keys = j.go_to("Enter the keys")
    assert {ks for ks, _ in keys.inputs if ks} == {ks.id for ks in registry.get(system).key_sets(
        load_builtin().requirements(system))}
    j.go_to("Check the keys")
    assert "passed" in j.check_summary()
    finish = j.go_to("Send it to the integrator")
    assert finish.receipt_labels["system"].text() == registry.get(system).name
    assert "Saved" not in j.text() and ".age" not in j.text()
    sync = j.go_to("Sync on this computer")
    assert sync.scroll.verticalScrollBar().value() == 0, "opened where another setup's page was scrolled to"
    assert school.lower().replace(" ", "-") in sync.path.text()
    assert j.step("Send it to the integrator").endswith("to do")
    if synced:
        j.wait(lambda: sync.runs)
        assert j.read(sync.state_label).startswith("Last run finished")
        assert len(j.table(sync.runs_table)) == 2, "this setup's one run, and no other's"
        j.go_to("Send it to the integrator")
        assert j.step("Sync on this computer") == "done"
        j.go_to("Sync on this computer")
    else:
        j.qtbot.wait(200)  # the runs are read in the background: time for another setup's to (wrongly) arrive
        assert j.read(sync.state_label) == "Not run yet."
        assert "No runs yet." in j.texts(sync) and "No run yet." in j.texts(sync)
        assert not sync.runs and not sync.runs_table.isVisibleTo(sync)
        assert j.step("Sync on this computer") == "current page"
        j.go_to("Send it to the integrator")
        assert j.step("Sync on this computer").endswith("to do")
        sync = j.go_to("Sync on this computer")
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
    j.shot(f"{system}-own-facts")
    j.scroll_to_end()  # the admin reads down to the previous runs before moving on


ORDERS = {"tass-isams-powerschool": SETUPS, "powerschool-isams-tass": SETUPS[::-1]}


@pytest.mark.parametrize("order", ORDERS)
def test_three_setups_one_after_another_each_keep_to_their_own(order, open_window, demo_box) -> None:
    setups = ORDERS[order]
    j = open_window(sandbox=demo_box, name=f"three-setups-{order}")
    j.at("Welcome")
    j.shot("welcome")
    for system, school in setups:
        walk_to_preview(j, system, school)
        shows_only_its_own(j, system, school, synced=False)

    welcome = j.go_to("Welcome")
    assert sorted(j.rows(welcome.sessions)) == sorted(s for _, s in SETUPS)
    j.shot("three-saved")

    first_system, first_school = setups[0]
    j.choose(welcome.sessions, first_school)
    j.press("Resume selected setup")
    j.at("Sync on this computer")  # where this setup was left
    shows_only_its_own(j, first_system, first_school, synced=True)
