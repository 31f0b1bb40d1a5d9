"""The sync page runs a real sync against the Integris emulator over loopback: progress while the
window stays responsive, a report kept with the previous runs, cancel that keeps the last good
output, and a held removal that asks before anything is written."""

from __future__ import annotations

import copy
import os
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from mis_wizard.ui.pages.sync_page import SyncPage, split_uri, target_uri
from mis_wizard.ui.widgets.run_report import RunReportView
from mis_wizard.vendors import registry
from mis_wizard.vendors.sandbox.kit import Fault, FaultKind
from mis_wizard.wizard.profile import parse
from mis_wizard.wizard.sync.report import RunReport

SYSTEM = "integris"
SHOTS = Path(os.environ.get("MIS_WIZARD_SHOTS") or Path(tempfile.gettempdir()) / "mis-wizard-shots")
"""Screenshots for review: MIS_WIZARD_SHOTS keeps them where you look; otherwise a temp folder."""
OFFSCREEN_DIALOG = "This plugin does not support propagateSizeHints"
"""The offscreen platform says this for every modal dialog shown; it is not our warning."""
PLAIN = parse('[integrator]\nname = "Plain Sync Test"\nsupport_email = "support@plain.example"\n'
              '[handoff]\nremoval_threshold = 0.10\n', "plain", "test profile")


@pytest.fixture
def served(sandbox, small_school):
    school = copy.deepcopy(small_school)
    sandbox.add(registry.get(SYSTEM).emulator(school))
    return sandbox, school


@pytest.fixture
def sync_page(make_window, served):
    """A session with the demo Integris credentials, shown on the sync page."""
    box, _ = served
    window = make_window(profile=PLAIN, sandbox=box)
    session = window.ctx.new_session()
    session.system = SYSTEM
    session.school = {"name": "Riverside Secondary College"}
    session.import_credentials(window.ctx.demo_credentials(), window.ctx.requirements(), window.ctx.secrets)
    window.ctx.save()
    window.go(next(i for i, p in enumerate(window.pages) if p.page_id == "sync"))
    page = window.page
    assert isinstance(page, SyncPage)
    return window, page


def to_csv(page: SyncPage, folder: Path, entities: tuple[str, ...] = ("students",)) -> None:
    page.kind.setCurrentIndex(page.kind.findData("csv"))
    page.path.setText(str(folder))
    for eid, box in page.entity_boxes.items():
        box.setChecked(eid in entities)


def synced_then_fewer(page: SyncPage, served, out: Path, qtbot, keep) -> dict[str, bytes]:
    """One sync of the students to CSV in ``out``, then the school's system serving only the
    students ``keep`` leaves; what the sync wrote."""
    box, school = served
    to_csv(page, out)
    page.run_sync()
    qtbot.waitUntil(lambda: not page.running, timeout=30_000)
    before = snapshot(out)
    smaller = copy.deepcopy(school)
    smaller.students = keep(smaller.students)
    box.replace(registry.get(SYSTEM).emulator(smaller))
    return before


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_sync_writes_reports_and_keeps_runs_while_the_window_stays_live(sync_page, served, tmp_path, qtbot):
    window, page = sync_page
    box, school = served
    assert page.entity_boxes and any(b.isChecked() for b in page.entity_boxes.values())
    box.inject(SYSTEM, Fault(FaultKind.LATENCY, latency_ms=60))
    out = tmp_path / "csv"
    to_csv(page, out, ("students", "staff"))
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    moves: list[tuple[str, int, int, bool]] = []
    page._bridge.moved.connect(lambda *a: moves.append(a))
    page.run_button.click()
    assert page.running and not page.run_button.isEnabled() and page.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not page.running, timeout=30_000)
    timer.stop()
    assert len(ticks) > 10, "the GUI event loop kept turning during the run"
    assert any(not done for *_, done in moves) and {m[0] for m in moves if m[3]} == {"students", "staff"}

    report = page.report_view.report
    assert report is not None and report.status == "ok"
    students = (out / "students.csv").read_text(encoding="utf-8").splitlines()
    assert report.tables["students"].written == report.tables["students"].added == len(students) - 1 > 0
    shown = "\n".join(page.report_view.lines())
    assert "Finished" in shown and f"Students | {len(students) - 1}" in shown
    assert page.progress.item(page.progress_rows["students"], 3).text() == "done"
    assert window.ctx.session.sync["to"] == f"csv:{out}"
    assert window.ctx.session.sync["last_run"]["status"] == "ok"
    qtbot.waitUntil(lambda: len(page.runs) == 1, timeout=5_000)
    assert page.runs[0].sink == f"csv:{out.resolve()}"
    assert page.status().value == "done"

    box.clear_faults()
    page.run_sync()
    qtbot.waitUntil(lambda: not page.running and len(page.runs) == 2, timeout=30_000)
    totals = page.report_view.report.totals()
    assert totals["added"] == totals["changed"] == totals["removed"] == 0
    page.runs_table.selectRow(1)
    assert page.report_view.report.run_id == page.runs[1].run_id


def test_sync_into_the_default_store_when_nothing_is_chosen(sync_page, app_home, qtbot):
    _, page = sync_page
    assert page.kind.currentData() == "sqlite" and page.path.text().startswith(str(app_home))
    for eid, box in page.entity_boxes.items():
        box.setChecked(eid == "classes")
    page.run_sync()
    qtbot.waitUntil(lambda: not page.running, timeout=30_000)
    assert page.report_view.report.status == "ok"
    assert page.report_view.report.tables["classes"].written > 0


def test_cancel_stops_and_keeps_the_previous_output(sync_page, served, tmp_path, qtbot):
    window, page = sync_page
    box, _ = served
    out = tmp_path / "csv"
    to_csv(page, out)
    page.run_sync()
    qtbot.waitUntil(lambda: not page.running, timeout=30_000)
    before = snapshot(out)
    box.inject(SYSTEM, Fault(FaultKind.LATENCY, latency_ms=400))
    page.run_sync()
    qtbot.waitUntil(lambda: page._task is not None, timeout=5_000)
    qtbot.wait(300)
    page.cancel_button.click()
    qtbot.waitUntil(lambda: not page.running, timeout=10_000)
    assert "Cancelled" in page.state_label.text()
    assert snapshot(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    qtbot.waitUntil(lambda: len(page.runs) == 2, timeout=5_000)
    assert [r.status for r in page.runs] == ["cancelled", "ok"]
    assert page.run_button.isEnabled()


@pytest.mark.qt_log_ignore(OFFSCREEN_DIALOG)
def test_held_removal_asks_and_goes_ahead_on_yes(sync_page, served, tmp_path, qtbot, gui):
    window, page = sync_page
    out = tmp_path / "csv"
    before = synced_then_fewer(page, served, out, qtbot, lambda students: students[: len(students) // 2])
    asked: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        asked.append(dialog.text())
        SHOTS.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(SHOTS / "sync_page_held.png"))
        dialog.grab().save(str(SHOTS / "sync_removal_dialog.png"))
        assert snapshot(out) == before, "nothing is written while the dialog waits"
        dialog.button(QMessageBox.StandardButton.Yes).click()

    QTimer.singleShot(20, answer)
    page.run_sync()
    qtbot.waitUntil(lambda: bool(asked), timeout=30_000)
    assert "students:" in asked[0] and "removed of" in asked[0]
    qtbot.waitUntil(lambda: not page.running and page.report_view.report.status == "ok", timeout=30_000)
    assert page.report_view.report.tables["students"].removed > 0
    assert snapshot(out) != before
    qtbot.waitUntil(lambda: [r.status for r in page.runs] == ["ok", "held", "ok"], timeout=5_000)


def test_held_removal_refused_writes_nothing(sync_page, served, tmp_path, qtbot, monkeypatch):
    _, page = sync_page
    out = tmp_path / "csv"
    before = synced_then_fewer(page, served, out, qtbot, lambda students: students[:3])
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a: QMessageBox.StandardButton.No))
    page.run_sync()
    qtbot.waitUntil(lambda: not page.running and "nothing was written" in page.state_label.text(), timeout=30_000)
    assert page.held_tables["students"][0] > 0
    assert snapshot(out) == before


def test_a_target_that_cannot_be_used_is_said_before_running(sync_page):
    _, page = sync_page
    page.kind.setCurrentIndex(page.kind.findData("xlsx"))
    page.path.setText("/tmp/not-a-workbook.csv")
    page.run_sync()
    assert not page.running
    assert page.target_error.isVisibleTo(page) and ".xlsx" in page.target_error.text()


def test_liss_target_round_trips_without_the_password(sync_page):
    _, page = sync_page
    page.kind.setCurrentIndex(page.kind.findData("liss"))
    assert page.liss_row.isVisibleTo(page) and not page.path_row.isVisibleTo(page)
    page.liss["url"].setText("https://liss.school.example/liss")
    page.liss["school"].setText("RIVERBEND")
    page.liss["user"].setText("td-sync")
    page.liss["password"].setText("receiver-secret-pw")
    uri = page.chosen_uri()
    assert uri == target_uri("liss", "", {"url": "https://liss.school.example/liss", "school": "RIVERBEND",
                                          "user": "td-sync"})
    assert "receiver-secret-pw" not in uri
    assert split_uri(uri) == ("liss", "", {"url": "https://liss.school.example/liss", "school": "RIVERBEND",
                                           "user": "td-sync"})


def test_screen_share_safe_hides_record_level_examples(qtbot):
    view = RunReportView()
    qtbot.addWidget(view)
    report = RunReport(system=SYSTEM, sink="csv:/x", status="ok")
    report.table("students").error("STU-Jordan-Smith", "birth_date", "'31/02/2012' is not a date")
    view.set_screen_safe(True)
    view.show_report(report)
    shown = "\n".join(view.lines())
    assert "Birth date" in shown and "birth_date" not in shown
    assert "STU-Jordan-Smith" not in shown and "31/02/2012" not in shown
    view.set_screen_safe(False)
    assert "STU-Jordan-Smith" in "\n".join(view.lines())


def test_screenshot_of_the_sync_report(sync_page, served, tmp_path, qtbot, gui):
    window, page = sync_page
    to_csv(page, tmp_path / "csv", ("students", "staff", "classes", "class_memberships"))
    page.run_sync()
    qtbot.waitUntil(lambda: not page.running, timeout=30_000)
    page.run_sync()
    qtbot.waitUntil(lambda: not page.running and len(page.runs) == 2, timeout=30_000)
    gui.settle()
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SHOTS / "sync_page.png"))
    bar = page.scroll_area.verticalScrollBar()
    bar.setValue(bar.maximum())
    gui.settle()
    assert window.grab().save(str(SHOTS / "sync_page_report.png"))


def test_a_sync_that_leaves_out_every_student_is_red_with_the_reason(make_window, served, tmp_path, qtbot):
    """Integris sends no status; a profile taking only "current" would leave out the whole school."""
    box, school = served
    strict = parse('[integrator]\nname = "Strict"\nsupport_email = "s@strict.example"\n'
                   '[[filters]]\nname = "field_values"\n'
                   'params = { concept = "student.status", values = ["current"] }\n', "strict", "test profile")
    window = make_window(profile=strict, sandbox=box)
    session = window.ctx.new_session()
    session.system = SYSTEM
    session.import_credentials(window.ctx.demo_credentials(), window.ctx.requirements(), window.ctx.secrets)
    window.ctx.save()
    window.go(next(i for i, p in enumerate(window.pages) if p.page_id == "sync"))
    page = window.page
    assert isinstance(page, SyncPage)
    out = tmp_path / "csv"
    to_csv(page, out)
    page.run_sync()
    qtbot.waitUntil(lambda: not page.running, timeout=30_000)
    text = page.state_label.text()
    assert text.startswith("Failed.") and page.state_label.objectName() == "FieldError"
    on_roll = sum(s.status == "current" for s in school.students)
    assert f"students: {on_roll} of {on_roll} left out" in text and "nothing was written" in text
    assert "left out" in page.report_view.summary.text() and "Failed" in page.report_view.summary.text()
    assert not out.exists() or not any(out.iterdir())


def test_both_oneroster_versions_are_offered_and_written(sync_page, served, tmp_path, qtbot, gui):
    """The page offers OneRoster 1.2 (School Data Sync) and 1.1 by who takes them; each writes its version."""
    import zipfile

    from mis_wizard.vendors.oneroster.csv_spec import check_bulk_package, package_version

    window, page = sync_page
    labels = {page.kind.itemData(i): page.kind.itemText(i) for i in range(page.kind.count())}
    assert "Microsoft School Data Sync" in labels["oneroster"] and "1.2" in labels["oneroster"]
    assert "1.1" in labels["oneroster11"]
    for kind, version in (("oneroster", "1.2"), ("oneroster11", "1.1")):
        path = tmp_path / f"roster-{version}.zip"
        page.kind.setCurrentIndex(page.kind.findData(kind))
        page.path.setText(str(path))
        assert page.chosen_uri() == f"{kind}:{path}" and split_uri(page.chosen_uri())[0] == kind
        page.run_sync()
        qtbot.waitUntil(lambda: not page.running, timeout=30_000)
        assert page.report_view.report.status == "ok", page.report_view.report.message
        assert package_version(path) == version and check_bulk_package(path) == []
        assert ("roles.csv" in zipfile.ZipFile(path).namelist()) == (version == "1.2")
    page.kind.setCurrentIndex(page.kind.findData("oneroster"))
    page.path.setText(str(tmp_path / "roster-1.2.zip"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    for w, h in ((1366, 768), (800, 500)):
        window.resize(w, h)
        gui.settle()
        assert window.grab().save(str(SHOTS / f"sync_page_oneroster_{w}x{h}.png"))
