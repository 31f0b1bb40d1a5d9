"""Issue 21 item 3 on screen: the All done page says what leaves the school, per kind of record,
with each field's class and the integrator's reason, opened one kind at a time; field names only.

Runs the demo path against the sandbox emulators over loopback, through the real window."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtWidgets import QLabel, QToolButton
from window_walk import start, walk_to_the_end

from mis_wizard.ui.pages.done_page import DonePage
from mis_wizard.vendors import registry
from mis_wizard.wizard.handoff import bundle, receipt
from mis_wizard.wizard.profile import load_builtin

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")


def test_the_last_page_lists_what_leaves_the_school(make_window, gui, sandbox, small_school, tmp_path, shots,
                                                   qtbot) -> None:
    sandbox.add(registry.get("tass").emulator(small_school))
    key = tmp_path / "integrator.key"
    profile = dataclasses.replace(load_builtin(), recipients=(bundle.generate_identity(key),))
    window = make_window(profile=profile, sandbox=sandbox)
    start(window, gui)
    files = walk_to_the_end(window, gui, qtbot, tmp_path, "Riverbend College")
    done = window.page
    assert isinstance(done, DonePage)
    lead, grid = done.sections["leaves"]
    made = receipt.build(registry.get("tass"), profile, window.ctx.session.mapping)
    assert lead.text().startswith(f"{receipt.sent_count(made)} fields go to Demo Integrator")
    assert "never a value" in lead.text()
    toggles = done.findChildren(QToolButton)
    toggles = [t for t in toggles if t.accessibleName().split(":")[0] in {e["label"] for e in made["entities"]}]
    in_tass = [e for e in made["entities"] if e["in_system"]]
    assert [t.accessibleName().split(":")[0] for t in toggles] == [e["label"] for e in made["entities"]]
    students = next(t for t in toggles if t.accessibleName().startswith("Students:"))
    sent = len(in_tass[0]["targets"][0]["sent"])
    assert students.accessibleName() == f"Students: {sent} sent, {len(in_tass[0]['not_sent'])} not sent"
    details = [grid.itemAt(i).widget() for i in range(grid.count())
               if isinstance(grid.itemAt(i).widget(), QLabel) and grid.itemAt(i).widget().text().startswith("•")]
    assert details and not any(d.isVisible() for d in details), "compact: every list starts closed"
    detail = details[0]
    students.click()
    qtbot.waitUntil(detail.isVisible, timeout=2_000)
    assert students.isChecked()
    first_name = profile.target_schema["students"].field("first_name")
    assert f"• First name — personal — {first_name.purpose}" in detail.text()
    assert "• Year level — structural — " in detail.text()
    assert "General details › Preferred name" not in detail.text().split("not asked for: ")[1], "it is sent"
    assert "General details › Other name" in detail.text().split("not asked for: ")[1]
    assert "In TASS.web but not asked for: " in detail.text()
    timetable = next(t for t in toggles if t.accessibleName().startswith("Timetable"))
    assert timetable.accessibleName() == "Timetable: 5 sent, 7 not sent"
    contacts = next(t for t in toggles if t.accessibleName().startswith("Contacts"))
    assert contacts.accessibleName() == "Contacts (parents and carers): not in TASS.web, nothing sent"
    contacts.click()
    assert any(label.isVisible() and label.text() == "TASS.web has none of these, so none is sent."
               for label in done.findChildren(QLabel))

    text = done.summary_text()
    assert "Students: 15 sent, 7 not sent" in text, "each kind of record's line is read out"
    for student in small_school.students[:30]:  # names only: no record of the school is on the page
        assert f" {student.last_name} " not in f" {text} " and student.id not in text

    # the bundle the page points at carries the same list
    opened = bundle.open_bundle(files["bundle"], key)
    assert opened.receipt == made and "What leaves the school: TASS.web to Demo Integrator" in opened.receipt_text

    for size, name in (((1366, 768), "done-receipt-1366x768.png"), ((800, 500), "done-receipt-800x500.png")):
        window.setMinimumSize(0, 0)
        window.resize(*size)
        gui.settle()
        done.scroll_area.ensureWidgetVisible(students)
        gui.settle()
        assert students.mapTo(window, students.rect().topLeft()).x() + 40 < window.width()
        assert detail.width() <= done.scroll_area.viewport().width(), f"{name}: the list wraps, no sideways scroll"
        card = lead.parentWidget()
        assert card.minimumSizeHint().width() < done.scroll_area.viewport().width(), f"{name}: the card fits and wraps"
        assert window.grab().save(str(shots / name))
        done.scroll_area.ensureWidgetVisible(toggles[-1])  # the closed kinds of record, one line each
        gui.settle()
        assert window.grab().save(str(shots / name.replace(".png", "-closed.png")))
    window.close()
