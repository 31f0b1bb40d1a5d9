"""The Transformation editor: an admin builds concatenate, fixed-value and default-when-blank chains
with pickers, sees the sample values change, and finds them again after reopening the window; a
bad parameter says what a right one looks like and keeps OK disabled."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QListWidget, QPushButton, QWidget

from mis_wizard.ui.pages.mapping_page import COL_HOW, COL_KIND, COL_SAMPLES, MappingPage
from mis_wizard.ui.pages.mapping_step import MappingStep
from mis_wizard.ui.widgets.transform_editor import TransformEditor, chain_problems, describe, new_step
from mis_wizard.wizard.mapping.schema import parse_targets
from mis_wizard.wizard.mapping.transforms import REGISTRY, step_problems
from mis_wizard.wizard.profile import load_builtin

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")

SHOTS = Path(os.environ.get("MIS_WIZARD_SHOTS") or Path(tempfile.gettempdir()) / "mis-wizard-shots")
"""Screenshots for review: MIS_WIZARD_SHOTS keeps them where you look; otherwise a temp folder."""
WAIT = 20_000


def students(school) -> list[dict]:
    return [{"student.id": s.id, "student.first_name": s.first_name, "student.last_name": s.last_name,
             "student.birth_date": s.birth_date.isoformat(), "student.gender": s.gender,
             "student.house": "Banksia"} for s in school.students[:5]]


@pytest.fixture
def page(qtbot, small_school) -> MappingPage:
    page = MappingPage()
    qtbot.addWidget(page)
    page.set_data(parse_targets(load_builtin("demo").targets), {}, {"students": students(small_school)})
    return page


def row_of(page: MappingPage, name: str) -> int:
    return [f.name for f in page.target.fields].index(name)


def open_editor(page: MappingPage, name: str) -> TransformEditor:
    """Make ``name`` a Transformation (if it is not one) and pick "Edit the steps…" in its How cell."""
    row = row_of(page, name)
    kind = page.table.cellWidget(row, COL_KIND)
    if kind.currentData() != "transform":
        kind.setCurrentIndex(kind.findData("transform"))
    how = page.table.cellWidget(row, COL_HOW)
    how.setCurrentIndex(how.findText("Edit the steps…"))
    assert page.transform_dialog is not None and page.transform_dialog.isVisible()
    return page.transform_dialog


def replace_steps(dialog: TransformEditor, name: str) -> None:
    """Remove every step with the Remove button, then add ``name`` from the picker."""
    while dialog.step_list.count():
        dialog.step_list.setCurrentRow(0)
        dialog.remove_button.click()
    assert not dialog.ok_button.isEnabled(), "an empty chain cannot be saved"
    dialog.add_combo.setCurrentIndex(dialog.add_combo.findData(name))
    dialog.add_button.click()


def line_edit(dialog: TransformEditor, param: str) -> QLineEdit:
    edit = dialog._param_widgets[param]
    assert isinstance(edit, QLineEdit)
    return edit


def build_three(page: MappingPage, qtbot, school) -> None:
    """Preferred name = first + last joined by " / "; house fixed; form "Unassigned" when blank."""
    dialog = open_editor(page, "preferred_name")
    replace_steps(dialog, "concat")
    assert not dialog.ok_button.isEnabled()
    for source in ("student.first_name", "student.last_name"):
        dialog.source_picker.setCurrentIndex(dialog.source_picker.findData(source))
        dialog.add_source_button.click()
    line_edit(dialog, "separator").setText(" / ")
    first = school.students[0]
    assert dialog.preview_values()[0] == f"{first.first_name} / {first.last_name}", "the preview is live"
    with qtbot.waitSignal(page.mapping_changed) as changed:
        dialog.ok_button.click()
    assert changed.args[0]["students"]["preferred_name"]["steps"] == [
        {"name": "concat", "params": {"sources": ["student.first_name", "student.last_name"], "separator": " / "}}]

    dialog = open_editor(page, "house")
    replace_steps(dialog, "fixed")
    line_edit(dialog, "value").setText("Banksia House")
    dialog.ok_button.click()

    dialog = open_editor(page, "form")
    replace_steps(dialog, "default")
    line_edit(dialog, "value").setText("Unassigned")
    dialog.ok_button.click()
    assert page.transform_dialog is None


def assert_three(page: MappingPage, school) -> None:
    first = school.students[0]
    assert page.table.item(row_of(page, "preferred_name"), COL_SAMPLES).text() == \
        f"{first.first_name} / {first.last_name}"
    assert page.table.item(row_of(page, "house"), COL_SAMPLES).text() == "Banksia House"
    assert page.table.item(row_of(page, "form"), COL_SAMPLES).text() == "Unassigned"
    how = page.table.cellWidget(row_of(page, "house"), COL_HOW)
    assert how.currentText() == "Fixed value: value “Banksia House”"


def test_concatenate_fixed_and_default_built_in_the_editor_change_the_samples(page, qtbot, small_school):
    assert page.table.item(row_of(page, "house"), COL_SAMPLES).text() == "Banksia"
    build_three(page, qtbot, small_school)
    assert_three(page, small_school)
    saved = page.mapping()["students"]
    assert saved["house"] == {"kind": "transform", "source": "student.house",
                              "steps": [{"name": "fixed", "params": {"value": "Banksia House"}}]}
    assert saved["form"]["steps"] == [{"name": "default", "params": {"value": "Unassigned"}}]


def test_a_blank_fixed_value_says_what_to_type_and_keeps_ok_disabled(page, qtbot):
    dialog = open_editor(page, "house")
    replace_steps(dialog, "fixed")
    message = dialog.step_problem.text()
    assert message.startswith("Value must not be blank") and '"Active"' in message
    assert dialog.step_problem.isVisible()
    assert not dialog.ok_button.isEnabled()
    line_edit(dialog, "value").setText("   ")
    assert not dialog.ok_button.isEnabled()
    line_edit(dialog, "value").setText("Banksia House")
    assert dialog.ok_button.isEnabled() and not dialog.step_problem.isVisible()
    with qtbot.assertNotEmitted(page.mapping_changed):
        dialog.reject()
    assert page.table.cellWidget(row_of(page, "house"), COL_KIND).currentData() == "transform"
    how = page.table.cellWidget(row_of(page, "house"), COL_HOW)
    assert how.currentText() == "Trim spaces", "Cancel keeps the chain it had"


def test_steps_reorder_and_every_choice_is_a_picker(page, qtbot):
    dialog = open_editor(page, "birth_date")
    for name in ("trim", "case", "split_name", "school_year"):
        dialog.add_combo.setCurrentIndex(dialog.add_combo.findData(name))
        dialog.add_button.click()
    assert [s["name"] for s in dialog.steps()] == ["date", "trim", "case", "split_name", "school_year"]
    dialog.step_list.setCurrentRow(4)
    dialog.up_button.click()
    assert [s["name"] for s in dialog.steps()][3:] == ["school_year", "split_name"]
    month = dialog._param_widgets["start_month"]
    assert isinstance(month, QComboBox) and month.currentText() == "The school's setting"
    month.setCurrentIndex(month.findText("August"))
    assert dialog.steps()[3] == {"name": "school_year", "params": {"format": "start", "start_month": 8}}
    dialog.step_list.setCurrentRow(0)
    order = dialog._param_widgets["order"]
    order.setCurrentIndex(order.findData("MDY"))
    assert dialog.steps()[0] == {"name": "date", "params": {"order": "MDY"}}
    for widget in dialog.findChildren(QWidget):
        if isinstance(widget, QComboBox | QLineEdit | QListWidget) and widget.isVisibleTo(dialog):
            assert widget.accessibleName(), f"{type(widget).__name__} has no accessible name"
    labels = [w for w in dialog.findChildren(QLabel) if w.buddy() is not None]
    assert {w.buddy() for w in labels} >= {dialog.step_list, dialog.add_combo, order}
    dialog.reject()


def test_screen_share_safe_masks_the_preview_by_privacy_class(page):
    page.set_screen_share_safe(True)
    dialog = open_editor(page, "house")
    values = dialog.preview_values()
    assert values and all(v == "—" or "•" not in v for v in values), "a house is structural: shown as it is"
    ids = [dialog.preview_table.item(r, 0).text() for r in range(dialog.preview_table.rowCount())]
    assert all(not any(ch.isdigit() for ch in i) for i in ids), "a student's id shows only its shape"
    dialog.reject()
    dialog = open_editor(page, "first_name")
    names = [v for v in dialog.preview_values() if v != "—"]
    assert names and all(v[0].isalpha() and set(v[1:]) <= {"•", " ", "-", "'"} for v in names)
    dialog.reject()
    dialog = open_editor(page, "house")
    replace_steps(dialog, "concat")
    for source in ("student.house", "student.first_name"):
        dialog.source_picker.setCurrentIndex(dialog.source_picker.findData(source))
        dialog.add_source_button.click()
    joined = [v for v in dialog.preview_values() if v != "—"]
    assert joined and all("•" in v for v in joined), "a house joined with a name is masked as the name is"
    dialog.reject()


def test_parameter_metadata_and_step_problems():
    assert step_problems({"name": "default", "params": {"value": " "}}, "s") == [
        ("s.params.value", 'must not be blank; type the value to use, e.g. "Unknown" or "student"')]
    assert step_problems({"name": "fixed", "params": {"value": "AU"}}, "s") == []
    assert chain_problems([new_step("concat")]) == [
        (0, "Fields needs at least one field to join; pick one and press Add field")]
    assert chain_problems([]) == [(-1, "Add at least one step.")]
    assert all(chain_problems([new_step(n)]) == [] for n, t in REGISTRY.items()
               if not any(p.required for p in t.params))
    assert describe({"name": "case", "params": {"to": "upper"}}) == "Change case: UPPER CASE"
    assert describe({"name": "school_year", "params": {"format": "span", "start_month": 8}}) == \
        "School year: Both years (2026-2027), August"


def test_built_in_the_window_they_survive_reopening_it(make_window, gui, qtbot, sandbox, small_school, tmp_path):
    sys.path.insert(0, str(Path(__file__).parent))
    from test_mapping_wiring import walk_to_mapping  # the admin's walk from the check into mapping

    window, _hosted = walk_to_mapping(make_window, gui, qtbot, sandbox, small_school)
    window.safe_switch.setChecked(False)
    grid = window.page.widget
    first_record = grid._samples["students"][0]
    dialog = open_editor(grid, "preferred_name")
    replace_steps(dialog, "concat")
    for source in ("student.first_name", "student.last_name"):
        dialog.source_picker.setCurrentIndex(dialog.source_picker.findData(source))
        dialog.add_source_button.click()
    line_edit(dialog, "separator").setText(" / ")
    expected = f"{first_record['student.first_name']} / {first_record['student.last_name']}"
    assert dialog.preview_values()[0] == expected
    screenshot(window, dialog, gui, SHOTS if SHOTS.is_dir() else tmp_path)
    dialog.ok_button.click()
    dialog = open_editor(grid, "house")
    replace_steps(dialog, "fixed")
    line_edit(dialog, "value").setText("Banksia House")
    dialog.ok_button.click()
    assert window.ctx.session.mapping["students"]["house"]["steps"][0]["name"] == "fixed"
    session_id = window.ctx.session.id
    window.close()

    second = make_window(sandbox=sandbox)
    second.pages[0].sessions.setCurrentRow(0)
    second.pages[0].resume_button.click()
    assert second.ctx.session.id == session_id
    step = second.page
    assert isinstance(step, MappingStep)
    qtbot.waitUntil(lambda: not step.reading, timeout=WAIT)
    grid = step.widget
    second.safe_switch.setChecked(False)
    assert grid.table.item(row_of(grid, "preferred_name"), COL_SAMPLES).text() == expected
    assert grid.table.item(row_of(grid, "house"), COL_SAMPLES).text() == "Banksia House"


def screenshot(window, dialog: TransformEditor, gui, folder: Path) -> None:
    """The window with the dialog over it, centred and the window dimmed, as the admin sees it."""
    gui.settle()
    picture = window.grab()
    painter = QPainter(picture)
    painter.fillRect(picture.rect(), QColor(0, 0, 0, 70))
    shown = dialog.grab()
    corner = QPoint((picture.width() - shown.width()) // 2, (picture.height() - shown.height()) // 2)
    painter.drawPixmap(corner, shown)
    painter.setPen(QColor("#8a94a6"))
    painter.drawRect(corner.x() - 1, corner.y() - 1, shown.width() + 1, shown.height() + 1)
    painter.end()
    assert picture.save(str(folder / "mapping-transform-dialog.png"))


def test_keyboard_alone_builds_a_fixed_value(page, qtbot):
    dialog = open_editor(page, "house")
    dialog.activateWindow()
    dialog.step_list.setFocus()
    qtbot.keyClick(dialog.remove_button, Qt.Key.Key_Space)
    dialog.add_combo.setFocus()
    dialog.add_combo.setCurrentIndex(dialog.add_combo.findData("fixed"))
    qtbot.keyClick(dialog.add_button, Qt.Key.Key_Space)
    edit = line_edit(dialog, "value")
    edit.setFocus()
    qtbot.keyClicks(edit, "Oak")
    assert dialog.ok_button.isEnabled()
    with qtbot.waitSignal(page.mapping_changed) as changed:
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert changed.args[0]["students"]["house"]["steps"] == [{"name": "fixed", "params": {"value": "Oak"}}]
    assert isinstance(page.table.cellWidget(row_of(page, "house"), COL_HOW), QComboBox | QPushButton)
