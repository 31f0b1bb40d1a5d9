"""The mapping, preview and report pages, and the preview model at 50,000 rows."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QComboBox, QPushButton

from mis_wizard.ui.pages.mapping_page import COL_KIND, COL_OVERWRITE, COL_SAMPLES, MappingPage, MatchCodesDialog
from mis_wizard.ui.pages.preview_page import PreviewPage
from mis_wizard.ui.pages.report_page import ReportPage
from mis_wizard.ui.preview_model import BatchFeeder, PreviewTableModel
from mis_wizard.vendors.privacy import PrivacyClass
from mis_wizard.wizard.mapping import filters
from mis_wizard.wizard.mapping.mapper import Mapper, effective_rules
from mis_wizard.wizard.mapping.preview import PreviewResult, build_report
from mis_wizard.wizard.mapping.rules import Rule, RuleKind
from mis_wizard.wizard.mapping.schema import parse_targets
from mis_wizard.wizard.mapping.transforms import MapContext
from mis_wizard.wizard.privacy import id_class, target_classes
from mis_wizard.wizard.profile import load_builtin
from mis_wizard.wizard.session import SessionStore

# The offscreen platform says this when a top-level widget is shown; it is not about our widgets.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")

SHOTS = Path(os.environ.get("MIS_WIZARD_SHOTS") or Path(tempfile.gettempdir()) / "mis-wizard-shots")
"""Screenshots for review: MIS_WIZARD_SHOTS keeps them where you look; otherwise a temp folder."""
LONG = "Wolfeschlegelsteinhausenbergerdorff-Montgomery-Smythe"


def students(school, long_names: bool = False) -> list[dict]:
    campus = {c.id: c.name for c in school.campuses}
    years = {y.id: y.name for y in school.years}
    out = []
    for i, s in enumerate(school.students):
        out.append({"student.id": s.id, "student.code": s.code, "student.first_name": s.first_name,
                    "student.last_name": LONG if long_names and i == 0 else s.last_name,
                    "student.preferred_name": s.preferred_name, "student.birth_date": s.birth_date.strftime("%d/%m/%Y"),
                    "student.gender": s.gender, "student.year_level": s.year_level,
                    "student.year_name": years[s.year_id], "student.campus": campus[s.campus_id],
                    "student.email": s.email if i != 1 else "not-an-email", "student.status": s.status,
                    "student.entry_date": s.entry_date.isoformat(), "student.house": "Banksia"})
    return out


@pytest.fixture
def demo_targets():
    return parse_targets(load_builtin("demo").targets)


def shot(widget, name: str, tmp_path: Path) -> Path:
    widget.resize(1366, 768)
    widget.show()
    QCoreApplication.processEvents()
    path = (SHOTS if SHOTS.is_dir() else tmp_path) / name
    assert widget.grab().save(str(path))
    return path


def mapped_rows(school, demo_targets, n: int):
    mapper = Mapper.for_session(demo_targets["students"], None, MapContext(today=dt.date(2026, 11, 22)))
    base = [mapper.map(r) for r in students(school)]
    return [dataclasses.replace(base[i % len(base)], id=f"S{i:06d}") for i in range(n)]


def test_fifty_thousand_rows_open_and_scroll_to_the_end_fast(qtbot, small_school, demo_targets):
    rows = mapped_rows(small_school, demo_targets, 50_000)
    page = PreviewPage()
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    start = time.perf_counter()
    page.begin([f.name for f in demo_targets["students"].fields])
    page.append(rows)
    page.view.scrollToBottom()
    QCoreApplication.processEvents()
    elapsed = time.perf_counter() - start
    assert page.model.rowCount() == 50_000
    assert elapsed < 0.2, f"{elapsed * 1000:.0f} ms"
    assert "50,000 records" in page.status.text()


def test_the_event_loop_keeps_turning_while_fifty_thousand_rows_load(qtbot, small_school, demo_targets):
    rows = mapped_rows(small_school, demo_targets, 50_000)
    model = PreviewTableModel([f.name for f in demo_targets["students"].fields])
    ticks = []
    timer = QTimer()
    timer.setInterval(0)
    timer.timeout.connect(lambda: ticks.append(model.rowCount()))
    timer.start()
    feeder = BatchFeeder(model, rows, batch=2000)
    with qtbot.waitSignal(feeder.finished, timeout=10_000):
        feeder.start()
    timer.stop()
    assert model.rowCount() == 50_000
    loading = [t for t in ticks if 0 < t < 50_000]
    assert len(set(loading)) >= 10, "the timer ticked between batches, not only before and after"


def test_the_row_header_fits_the_longest_record_id_whichever_batch_brings_it(qtbot, small_school, demo_targets):
    rows = mapped_rows(small_school, demo_targets, 30_000)
    rows[-1] = dataclasses.replace(rows[-1], id="STUDENT-WITH-A-VERY-LONG-RECORD-ID-0001")
    page = PreviewPage()
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    page.begin([f.name for f in demo_targets["students"].fields])
    page.append(rows[:25_000])
    QCoreApplication.processEvents()
    short = page.view.verticalHeader().width()
    assert short >= page.view.fontMetrics().horizontalAdvance("S000000")
    page.append(rows[25_000:])
    page.view.scrollToBottom()
    QCoreApplication.processEvents()
    header = page.view.verticalHeader()
    assert header.width() > short
    assert header.width() >= header.fontMetrics().horizontalAdvance(rows[-1].id)
    page.set_screen_share_safe(True)
    QCoreApplication.processEvents()
    assert header.width() >= header.fontMetrics().horizontalAdvance(page.model.headerData(
        29_999, Qt.Orientation.Vertical, Qt.ItemDataRole.DisplayRole))


def test_errors_sit_in_their_cell_and_screen_share_safe_masks_by_privacy_class(qtbot, small_school, demo_targets):
    target = demo_targets["students"]
    names = [f.name for f in target.fields]
    classes = target_classes(target, effective_rules(target, None))
    model = PreviewTableModel()
    model.reset(names, [classes[n] for n in names], id_class("students"))
    rows = mapped_rows(small_school, demo_targets, 3)
    model.append_rows(rows)
    email_col = names.index("email")
    bad = model.index(1, email_col)
    assert "not a valid e-mail" in model.data(bad, Qt.ItemDataRole.ToolTipRole)
    assert model.data(bad, Qt.ItemDataRole.BackgroundRole) is not None
    assert model.data(model.index(0, email_col), Qt.ItemDataRole.BackgroundRole) is None
    first = model.index(0, names.index("first_name"))
    name = model.data(first, Qt.ItemDataRole.DisplayRole)
    model.set_screen_share_safe(True)
    assert model.data(bad, Qt.ItemDataRole.BackgroundRole) is not None, "the cell's error still shows"
    assert "not a valid e-mail" in model.data(bad, Qt.ItemDataRole.ToolTipRole)
    for col, field in enumerate(names):
        value = rows[0].cells[col].value
        shown = model.data(model.index(0, col), Qt.ItemDataRole.DisplayRole)
        if classes[field] is PrivacyClass.STRUCTURAL:
            assert shown == ("—" if value is None else value), f"{field} is structural and shows as it is"
        elif value:
            assert shown != value and len(shown) == len(value), f"{field} shows only its shape"
    assert model.data(first, Qt.ItemDataRole.DisplayRole) == name[0] + "•" * (len(name) - 1)
    assert name not in model.data(first, Qt.ItemDataRole.ToolTipRole)
    email = rows[0].cells[email_col].value
    assert model.data(model.index(0, email_col)) == "•" * email.index("@") + email[email.index("@"):]
    assert model.data(model.index(0, names.index("birth_date"))).startswith("20••-••-")
    assert model.headerData(0, Qt.Orientation.Vertical) == "S######", "a record id keeps its form"


def test_mapping_page_edits_with_pickers_show_sample_values_and_survive_a_restart(qtbot, small_school, demo_targets,
                                                                                 tmp_path):
    page = MappingPage()
    qtbot.addWidget(page)
    samples = {"students": students(small_school, long_names=True)[:5]}
    page.set_data(demo_targets, {}, samples)
    fields = [f.name for f in demo_targets["students"].fields]
    row = fields.index("birth_date")
    assert page.table.item(row, COL_SAMPLES).text() == small_school.students[0].birth_date.isoformat()
    kind = page.table.cellWidget(row, COL_KIND)
    assert isinstance(kind, QComboBox) and kind.currentData() == "transform"
    with qtbot.waitSignal(page.mapping_changed) as changed:
        kind.setCurrentIndex(kind.findData("direct"))
    assert changed.args[0]["students"]["birth_date"] == {"kind": "direct", "source": "student.birth_date"}
    assert page.table.item(row, COL_SAMPLES).background().color().name() == "#fde2e1"  # not YYYY-MM-DD
    overwrite = page.table.cellWidget(fields.index("preferred_name"), COL_OVERWRITE)
    assert isinstance(overwrite, QCheckBox)
    overwrite.setChecked(True)
    shot(page, "mapping_page.png", tmp_path)

    store = SessionStore()
    session = store.new()
    session.mapping = page.mapping()
    store.save(session)
    again = MappingPage()
    qtbot.addWidget(again)
    again.set_data(demo_targets, SessionStore().load(session.id).mapping, samples)
    assert again.table.cellWidget(row, COL_KIND).currentData() == "direct"
    assert again.table.cellWidget(fields.index("preferred_name"), COL_OVERWRITE).isChecked()


def test_transformation_presets_and_match_codes(qtbot, small_school, demo_targets, monkeypatch):
    page = MappingPage()
    qtbot.addWidget(page)
    page.set_data(demo_targets, {}, {"students": students(small_school)[:3]})
    fields = [f.name for f in demo_targets["students"].fields]
    how = page.table.cellWidget(fields.index("birth_date"), 3)
    with qtbot.waitSignal(page.mapping_changed) as changed:
        how.setCurrentIndex(how.findText("Date to YYYY-MM-DD (from US MM/DD/YYYY)"))
    assert changed.args[0]["students"]["birth_date"]["steps"] == [{"name": "date", "params": {"order": "MDY"}}]
    gender = page.table.cellWidget(fields.index("gender"), 3)
    assert isinstance(gender, QPushButton) and gender.text().startswith("3 codes")

    rule = Rule(RuleKind.MATCH, "student.gender", table={"M": "Male"}, default=None)
    dialog = MatchCodesDialog("gender", rule, ["M", "F", "X"], ["Male", "Female", "Other"])
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 3
    combos = dict(dialog._combos)
    combos["F"].setCurrentIndex(combos["F"].findData("Female"))
    dialog.default.setCurrentIndex(dialog.default.findData("Other"))
    made = dialog.rule("student.gender", False)
    assert made.table == {"M": "Male", "F": "Female"} and made.default == "Other"


def test_preview_page_asks_for_sample_ids_and_shows_the_result(qtbot, small_school, demo_targets, tmp_path):
    page = PreviewPage()
    qtbot.addWidget(page)
    page.set_targets([("students", "Students"), ("contacts", "Contacts")])
    page.set_sample_ids(["S000001", "S000004"])
    with qtbot.waitSignal(page.preview_requested) as asked:
        page.go.click()
    assert asked.args == ["students", ["S000001", "S000004"], 20]
    rows = mapped_rows(small_school, demo_targets, 40)
    page.show_result(PreviewResult("students", "students", [f.name for f in demo_targets["students"].fields],
                                   rows, missing_samples=["S999999"]))
    assert "not found: S999999" in page.status.text()
    shot(page, "preview_page.png", tmp_path)
    page.set_screen_share_safe(True)
    assert "S999999" not in page.status.text() and "not found: S######" in page.status.text()
    assert [e.displayText() for e in page.sample_edits[:2]] == ["S######", "S######"]
    assert page.sample_ids() == ["S000001", "S000004"], "the ids themselves are kept"
    shot(page, "preview_page_safe.png", tmp_path)


def test_report_page_shows_counts_and_examples(qtbot, small_school, tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "wizard" / "mapping"))
    from conftest import school_dataset  # the mapping tests' dataset from the school

    demo = load_builtin("demo")
    report = build_report(parse_targets(demo.targets), filters.specs(demo.filters), school_dataset(small_school),
                          map_ctx=MapContext(today=dt.date(2026, 11, 22)), not_read={"timetable": "not asked"})
    page = ReportPage()
    qtbot.addWidget(page)
    page.set_report(report)
    top = page.tree.topLevelItem(0)
    assert top.childCount() == len(demo.filters)
    labels = [top.child(i).text(0) for i in range(top.childCount())]
    assert any(label.startswith("Students in at least one class") for label in labels)
    assert "leave out" in page.summary.text()
    shot(page, "report_page.png", tmp_path)
