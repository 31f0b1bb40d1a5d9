"""Screen-share safe on every page, for every system: a support engineer watching the screen reads
no secret and no personal value of the synthetic school, yet sees the school's structure.

One walk per system drives the real window against its emulator over loopback, Welcome to All
done, through a check, every preview target, the whole-school report and a sync. On each page
every text a viewer can read (conftest's ``screen_texts``: labels, inputs as displayed, cells,
headers, tooltips, window titles, banners) is read with safe mode on, then off, and a screenshot
of each is saved. With safe mode on no value of a personal field (names, birth dates, e-mails,
phones, student and staff numbers, ids) and no credential secret may appear; every structural
value (year names, houses, class codes, term names) shown with safe mode off must be shown with
it on too. With safe mode off the preview must show the school's personal values, so the test
is not vacuous.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from window_walk import settled, to_credentials_looking, to_done_and_back_looking, to_sync_looking

from mis_wizard.vendors import registry
from mis_wizard.vendors.privacy import PrivacyClass

pytestmark = [pytest.mark.slow, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


def personal_values(school) -> tuple[set[str], set[str]]:
    """(names, matched as whole words; other values, matched anywhere in a text)."""
    names: set[str] = set()
    values: set[str] = set()
    for s in school.students:
        names |= {s.first_name, s.last_name, s.preferred_name}
        values |= {s.id, s.code, s.email, s.birth_date.isoformat(), s.birth_date.strftime("%d/%m/%Y"),
                   s.birth_date.strftime("%m/%d/%Y")}
    for c in school.contacts:
        names |= {c.first_name, c.last_name}
        values |= {c.id, c.email, c.mobile}
    for p in school.staff:
        names |= {p.first_name, p.last_name, p.code, p.code.lower()}
        values |= {p.id, p.email}
    return {v for v in names if v and len(v) >= 3}, {v for v in values if v and len(v) >= 5}


def structural_values(school) -> set[str]:
    return ({y.name for y in school.years} | {h.name for h in school.houses} | {c.code for c in school.classes}
            | {t.name for t in school.terms})


def secret_values(spec, requirements, credentials) -> set[str]:
    out = set()
    for key_set, f in spec.all_fields(requirements):
        held = credentials.get(key_set) if key_set else credentials
        value = held.get(f.id) if isinstance(held, dict) else None
        if f.privacy_class is PrivacyClass.SECRET and isinstance(value, str) and value.strip():
            out.add(value.strip())
    return out


def found_in(texts: list[str], names: set[str], values: set[str]) -> set[str]:
    hits: set[str] = set()
    for text in texts:
        digits = re.sub(r"[\s()+\-.]", "", text)
        hits |= {v for v in values if v in text or (v.isdigit() and len(v) >= 8 and v in digits)}
        words = {w.strip("'’") for w in re.findall(r"[A-Za-z][A-Za-z'’]*|[A-Za-z]{2,}\d+", text)}
        hits |= words & names
        hits |= {n for n in names if " " in n and n in text}
    return hits


def structure_in(texts: list[str], structural: set[str]) -> set[str]:
    joined = "\n".join(texts)
    return {v for v in structural if re.search(rf"(?<![\w]){re.escape(v)}(?![\w])", joined)}


def structural_shown(model) -> list[str]:
    """In the preview's model, a structural column shows each value as it is in safe mode: those values."""
    cells = []
    for col in range(model.columnCount()):
        if model.privacy(col) not in (PrivacyClass.STRUCTURAL, PrivacyClass.CONFIGURATION):
            continue
        for row in range(model.rowCount()):
            value = model.record(row).cells[col].value
            if value:
                heading = model.headerData(col, Qt.Orientation.Horizontal)
                assert model.data(model.index(row, col)) == value, (heading, value)
                cells.append(value)
    return cells


def walk_mapping_to_done(window, qtbot, read, structural_columns_shown, tmp_path) -> None:
    """From the mapping page to All done and back to Welcome, ``read`` on every page and every kind
    of record, a sync run on the way."""
    for page_id in ("mapping", "preview"):
        window.go_next()
        page = window.page
        assert page.page_id == page_id
        settled(qtbot, page)
        combo = page.widget.target_combo
        for i in range(combo.count()):
            combo.setCurrentIndex(i)
            if page_id == "preview":  # a preview is read on asking
                page.widget.go.click()
                settled(qtbot, page)
                structural_columns_shown(page.widget.model)
            read(f"{page_id}-{combo.itemData(i)}")
        if page_id == "mapping":
            combo.setCurrentIndex(0)

    window.go_next()
    report = window.page
    assert report.page_id == "report"
    settled(qtbot, report)
    read("report")
    sync = to_sync_looking(window, qtbot, read)
    sync.path.setText(str(tmp_path / "store.sqlite"))
    sync.run_sync()
    settled(qtbot, sync)
    read("sync-run")
    to_done_and_back_looking(window, read)


def texts_both_ways(gui, widget, set_safe, show) -> dict[bool, list[str]]:
    """What ``widget`` shows with screen-share safe mode on, then off, after ``show()`` each time."""
    seen = {}
    for safe in (True, False):
        set_safe(safe)
        show()
        gui.settle()
        seen[safe] = [t for _w, t in gui.screen_texts(widget) if t]
    return seen


@pytest.mark.parametrize("system_id", registry.SYSTEM_IDS)
def test_no_personal_value_or_secret_on_any_page_in_safe_mode(system_id, make_window, gui, sandbox, small_school,
                                                              qtbot, tmp_path):
    shots = Path(os.environ.get("MIS_WIZARD_SHOTS") or tmp_path) / "safe"
    shots.mkdir(parents=True, exist_ok=True)
    spec = registry.get(system_id)
    hosted = sandbox.add(spec.emulator(small_school))
    names, values = personal_values(small_school)
    credentials = hosted.emulator.credentials(hosted.base_url)
    window = make_window(sandbox=sandbox)
    secrets = secret_values(spec, window.ctx.profile.requirements(system_id), credentials)
    assert secrets, "every system has a secret to hide"
    structural = structural_values(small_school)
    assert window.ctx.screen_safe, "on by default"
    leaked: list[str] = []
    open_personal: set[str] = set()
    open_structure: set[str] = set()
    safe_structure: set[str] = set()
    structural_cells: list[str] = []

    def read(name: str) -> None:
        gui.settle()
        page = window.page.page_id
        for safe in (True, False):
            window.safe_switch.setChecked(safe)
            gui.settle()
            texts = [t for _where, t in gui.screen_texts(window) if t]
            assert window.grab().save(str(shots / f"{system_id}-{name}-{'safe' if safe else 'open'}.png"))
            secret_hits = {s for s in secrets if any(s in t for t in texts)}
            if secret_hits:
                leaked.append(f"{name} (safe {'on' if safe else 'off'}): a secret shows")
            hits = found_in(texts, names, values)
            if safe:
                if hits:
                    leaked.append(f"{name}: {sorted(hits)[:8]} in "
                                  f"{[t[:100] for t in texts if found_in([t], names, values)][:4]}")
                safe_structure.update(structure_in(texts, structural))
            else:
                if page in ("preview", "mapping", "report"):
                    open_personal.update(hits)
                open_structure.update(structure_in(texts, structural))
        window.safe_switch.setChecked(True)
        gui.settle()

    to_credentials_looking(window, gui, system_id, read)
    window.page.fill_demo()
    read("credentials")
    window.go_next()
    window.page.run_check()
    settled(qtbot, window.page)
    for group in window.page.groups.values():
        if group.toggle is not None:
            group.toggle.setChecked(True)
    window.page.technical.setChecked(True)
    read("check")
    window.page.technical.setChecked(False)

    walk_mapping_to_done(window, qtbot, read, lambda model: structural_cells.extend(structural_shown(model)), tmp_path)

    assert not leaked, "\n".join(leaked)
    assert open_personal, "with safe mode off the preview shows the school's personal values"
    assert structural_cells, "the preview shows structural values"
    assert open_structure <= safe_structure, f"hidden in safe mode: {sorted(open_structure - safe_structure)}"


def test_match_codes_show_the_values_of_a_personal_field_by_their_shape(qtbot, gui, small_school):
    """The Match codes table lists the values seen in the school's records: a personal field's
    values (here first names matched to codes) show only their shape in safe mode, in clear when off."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from mis_wizard.ui.pages.mapping_page import COL_HOW, MappingPage, MatchCodesDialog
    from mis_wizard.wizard.mapping.schema import parse_targets
    from mis_wizard.wizard.profile import load_builtin

    names, values = personal_values(small_school)
    records = [{"student.id": s.id, "student.first_name": s.first_name, "student.gender": s.gender}
               for s in small_school.students[:5]]
    mapping = {"students": {"gender": {"kind": "match", "source": "student.first_name", "table": {}}}}
    page = MappingPage()
    qtbot.addWidget(page)
    page.set_data(parse_targets(load_builtin("demo").targets), mapping, {"students": records})
    page.show()
    row = [f.name for f in page.target.fields].index("gender")
    seen: dict[bool, list[str]] = {}

    for safe in (True, False):
        page.set_screen_share_safe(safe)

        def look(safe: bool = safe) -> None:
            dialog = next(w for w in QApplication.topLevelWidgets()
                          if isinstance(w, MatchCodesDialog) and w.isVisible())
            seen[safe] = [t for _w, t in gui.screen_texts(dialog) if t]
            dialog.reject()

        QTimer.singleShot(0, look)
        page.table.cellWidget(row, COL_HOW).click()
        assert safe in seen, "the Match codes table opened"
    first_names = {r["student.first_name"] for r in records}
    assert not found_in(seen[True], names, values), seen[True]
    assert first_names & found_in(seen[False], names, values), "with safe mode off the values show"
    assert any(t and t[0] in {n[0] for n in first_names} and set(t[1:]) == {"•"} for t in seen[True]), seen[True]


def test_a_keep_only_filter_on_a_personal_field_quotes_its_values_by_their_shape(qtbot, gui, small_school):
    """A keep-only filter ("Only given values of a field") quotes the values it did not take, in its
    reasons and its suggestion: on the whole-school page those of a personal field show their shape
    in safe mode, and in clear when it is off; a structural field's values show as they are."""
    from mis_wizard.ui.pages.report_page import ReportPage
    from mis_wizard.wizard.mapping import filters as filtering
    from mis_wizard.wizard.mapping.preview import build_report
    from mis_wizard.wizard.mapping.schema import parse_targets
    from mis_wizard.wizard.profile import load_builtin

    names, values = personal_values(small_school)
    years = {y.name for y in small_school.years}
    dataset = {"students": [{"student.id": s.id, "student.first_name": s.first_name, "student.year_name":
                             next(y.name for y in small_school.years if y.id == s.year_id)}
                            for s in small_school.students]}
    targets = parse_targets(load_builtin("demo").targets)
    specs = filtering.specs([
        {"name": "field_values", "entity": "students",
         "params": {"concept": "student.year_name", "values": ["Year 7"]}},
        {"name": "field_values", "entity": "students",
         "params": {"concept": "student.first_name", "values": ["Nobody"]}},
    ])
    report = build_report({"students": targets["students"]}, specs, dataset)
    assert report.filters[1].suggestion and report.filters[1].privacy is PrivacyClass.PERSONAL
    page = ReportPage()
    qtbot.addWidget(page)
    page.show()
    seen = texts_both_ways(gui, page, page.set_screen_share_safe, lambda: page.set_report(report))
    assert not found_in(seen[True], names, values), [t for t in seen[True] if found_in([t], names, values)][:5]
    assert found_in(seen[False], names, values), "with safe mode off the reasons quote the first names"
    assert any("Suggestion:" in t and "'" in t for t in seen[True])
    assert structure_in(seen[True], years - {"Year 7"}), "a structural field's values show as they are"


def test_a_sync_report_shows_record_ids_and_quoted_values_by_their_shape(qtbot, gui, small_school):
    """The sync page's run report: a record error's id and a reason's quoted value go through the
    one rule (unclassified there, so masked as personal) in safe mode; in clear when it is off."""
    from mis_wizard.ui.widgets.run_report import RunReportView
    from mis_wizard.wizard.sync.report import RunReport, TableReport

    names, values = personal_values(small_school)
    s = small_school.students[0]
    report = RunReport("integris", "sqlite", status="ok", tables={"students": TableReport(
        pulled=3, written=2, excluded={f"first_name {s.first_name!r} not taken": 1},
        errors=[{"id": s.id, "field": "birth_date", "error": "is not a real calendar date"}], error_count=1)})
    view = RunReportView()
    qtbot.addWidget(view)
    view.show()
    seen = texts_both_ways(gui, view, view.set_screen_safe, lambda: view.show_report(report))
    assert not found_in(seen[True], names, values), seen[True]
    assert {s.id, s.first_name} <= found_in(seen[False], names, values)
    assert any("is not a real calendar date" in t and "#" in t for t in seen[True]), "the error and the id's shape"


def test_preview_tooltips_say_the_source_value_by_the_one_rule(qtbot, small_school):
    """A preview cell's tooltip says where its value came from ("From raw:…: 'value'"): the value
    through wizard/privacy.shown — a raw field of unknown class is masked, a structural concept shown."""
    from mis_wizard.ui.preview_model import TOOLTIP, PreviewTableModel
    from mis_wizard.wizard.mapping.mapper import Cell, MappedRecord

    s = small_school.students[0]
    model = PreviewTableModel()
    model.reset(["first_name", "year_name"], [PrivacyClass.PERSONAL, PrivacyClass.STRUCTURAL], PrivacyClass.PERSONAL)
    model.append_rows([MappedRecord(s.id, (
        Cell("first_name", "raw:general_details.first_name", s.first_name, s.first_name, "Direct"),
        Cell("year_name", "student.year_name", "Year 7", "Year 7", "Direct")))])
    for safe in (True, False):
        model.set_screen_share_safe(safe)
        name_tip = model.data(model.index(0, 0), TOOLTIP)
        year_tip = model.data(model.index(0, 1), TOOLTIP)
        assert (s.first_name in name_tip) is not safe, name_tip
        assert "'Year 7'" in year_tip
        assert year_tip.startswith("Rule: Direct\nFrom Year name") and "raw:" not in name_tip, "words, not ids"
    model.set_screen_share_safe(True)
    assert f"'{s.first_name[0]}{'•' * (len(s.first_name) - 1)}'" in model.data(model.index(0, 0), TOOLTIP)
