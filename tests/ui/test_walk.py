"""An admin walks choose system → steps → credentials for every system the wizard knows."""

from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QApplication, QCheckBox

from mis_wizard.ui.pages import PageStatus
from mis_wizard.vendors import registry
from mis_wizard.vendors.base import FieldKind, form_results
from mis_wizard.wizard import paths

BASE_URL = "https://mis.school.example"


def _spec_or_skip(system_id: str):
    try:
        return registry.get(system_id)
    except ImportError as exc:  # a vendor package still being written
        pytest.skip(f"{system_id} package does not import yet: {exc}")


@pytest.mark.parametrize("system_id", registry.SYSTEM_IDS)
def test_walk_choose_system_steps_credentials(system_id, make_window, gui, small_school, qtbot):
    spec = _spec_or_skip(system_id)
    window = make_window()
    assert window.page.page_id == "welcome"
    qtbot.mouseClick(window.pages[0].new_button, qtbot_button())
    assert window.page.page_id == "system"
    assert window.pages[1].choices.count() == len(registry.SYSTEM_IDS)
    gui.choose_system(window, system_id)
    window.go_next()
    gui.fill_school(window)
    assert window.page.status() is PageStatus.DONE
    window.go_next()

    steps = window.page
    assert steps.page_id == "steps"
    assert steps.boxes, f"{system_id} steps.md has no items to tick"
    for box in steps.boxes.values():
        box.setChecked(True)
    assert steps.status() is PageStatus.DONE
    for label, value, button in steps.copy_buttons:
        assert button.accessibleName() == f"Copy {label}"
        button.click()
        assert QApplication.clipboard().text() == value
    window.go_next()

    creds_page = window.page
    assert creds_page.page_id == "credentials"
    requirements = window.ctx.requirements()
    expected = {(None, f.id) for f in spec.fields}
    expected |= {(ks.id, f.id) for ks in spec.key_sets(requirements) for f in ks.fields}
    assert set(creds_page.inputs) == expected
    good = spec.emulator(small_school).credentials(BASE_URL)
    for (key_set, field_id), item in creds_page.inputs.items():
        source = good if key_set is None else good.get(key_set, {})
        if field_id in source:
            gui.type_value(item.widget, str(source[field_id]))
    session = window.ctx.session
    resolved = session.resolved_credentials(window.ctx.secrets)
    assert form_results(spec, resolved, requirements) == []
    assert creds_page.status() is PageStatus.DONE
    window.go_next()
    assert window.page.page_id == "check"

    saved = json.loads((paths.sessions_dir() / f"{session.id}.json").read_text(encoding="utf-8"))
    assert saved["system"] == system_id
    assert saved["steps_done"] and all(saved["steps_done"].values())
    for key_set, f in spec.all_fields(requirements):
        stored = saved["credentials"] if key_set is None else saved["credentials"].get(key_set, {})
        if f.secret and stored.get(f.id):
            assert set(stored[f.id]) == {"$secret"}, f"{f.id} must be a reference, not the value"


@pytest.mark.parametrize("system_id", registry.SYSTEM_IDS)
def test_wrong_value_says_what_right_looks_like(system_id, make_window, gui, qtbot):
    spec = _spec_or_skip(system_id)
    window = make_window()
    window.pages[0].new_button.click()
    gui.choose_system(window, system_id)
    window.go(window.pages.index(next(p for p in window.pages if p.page_id == "credentials")))
    gui.settle()
    page = window.page
    patterned = [(k, item) for k, item in page.inputs.items()
                 if (item.field.pattern or item.field.kind is FieldKind.URL)
                 and item.field.kind is not FieldKind.CHOICE]
    assert patterned or not page.inputs
    said = 0
    for _key, item in patterned:
        gui.type_value(item.widget, "not right !")
        message = item.field.validate("not right !")
        assert item.error.isVisibleTo(page) == bool(message)
        if message:
            said += 1
            assert item.error.text() == message
            assert item.field.label in message
            assert item.field.secret or not item.field.example or item.field.example in message \
                or item.field.kind is FieldKind.URL
    assert said or not patterned
    assert spec.id in window.ctx.session.system


def test_unchecked_steps_and_choices_are_keyboard_reachable(make_window, gui):
    window = make_window()
    window.pages[0].new_button.click()
    gui.choose_system(window, "tass")
    window.go_next()
    gui.fill_school(window)  # Next stays on School details until its required fields are filled
    window.go_next()
    boxes = window.page.findChildren(QCheckBox)
    assert boxes and all(b.focusPolicy() != 0 for b in boxes)


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton
