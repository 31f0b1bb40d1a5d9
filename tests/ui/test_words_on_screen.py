"""Words for a school admin on every page, for every system, in demo mode: no check codes, no
``True``/``False``, no ``raw:`` field paths or snake_case ids, no exception class names and no
"1 students" on screen. The walk drives the real window against the sandbox over loopback, with
good keys and with each system's setup mistake, through a sync that works and one that fails.

What a screen reader or a tooltip says is not scanned here: codes stay available for support in
the check page's technical detail (off by default) and in ``--json``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from window_walk import settled, to_credentials_looking, to_done_and_back_looking, to_sync_looking

from mis_wizard.vendors import registry
from mis_wizard.vendors.sandbox.kit import Fault, FaultKind

SCENARIOS = {
    "tass": "wrong_token_key",
    "liss": "wrong_password",
    "powerschool": "students_not_granted",
    "aeries": "no_contacts_permission",
    "qmlativ": "field_not_allowed",
    "isams": "missing_and_extra",
    "integris": "optional_field_off",
}
CODE_PREFIXES = "|".join(sorted({*registry.SYSTEM_IDS, "oneroster", "wizard", "form", "sync"}))
DOTTED_CODE = re.compile(rf"(?<![\w/.@-])(?:{CODE_PREFIXES})\.[a-z_]+\b(?![.\w])")
BOOLEAN = re.compile(r"\b(?:True|False|None)\b")
EXCEPTION = re.compile(r"\b[A-Z][a-zA-Z]+(?:Error|Exception)\b")
SNAKE_ID = re.compile(r"(?<![\w/.@-])[a-z]+_[a-z_]+\b(?![\w/.@-])")
ONE_PLURAL = re.compile(r"(?<![\d.,])\b1 (?!of\b)([a-z]+s)\b")
AFFIRMS = re.compile(r"(?<!not) (?:accepted|granted|enabled|answers(?: as \w+)?)$|^(?:Every|School has granted) ")
NOT_PLURAL = frozenset({"class", "address", "access", "process", "status", "campus", "bus", "series", "yes",
                        "gas", "this", "is", "has", "was", "does", "its", "as", "us", "plus", "thus"})


def problems(screen: Iterable[tuple[str, str]], codes: set[str], page: str,
             allowed: frozenset[str] = frozenset()) -> list[str]:
    """What on screen (conftest's ``screen_texts`` without tooltips or typed values) is not for a
    school admin; ``allowed`` are values the admin is asked to type as they are (the Security Role
    name the steps suggest may well be ``acme_api``)."""
    found = []
    for where, text in screen:
        if not text or text in allowed:
            continue
        said = []
        if any("_" in m.group(0) for m in DOTTED_CODE.finditer(text)) or any(code in text for code in codes):
            said.append("check code")
        if BOOLEAN.search(text):
            said.append("boolean")
        if "raw:" in text:
            said.append("raw field path")
        if EXCEPTION.search(text):
            said.append("exception name")
        if SNAKE_ID.search(text):
            said.append(f"id {SNAKE_ID.search(text).group(0)!r}")  # type: ignore[union-attr]
        if "(s)" in text or any(m.group(1) not in NOT_PLURAL and not m.group(1).endswith("ss")
                                for m in ONE_PLURAL.finditer(text)):
            said.append("plural")
        if said:
            found.append(f"{page}: {where}: {', '.join(said)}: {text[:160]!r}")
    return found


def check_the_mistake_reads_plainly(page) -> None:
    """A red or amber result never reads as passed, codes show only in technical detail, and every
    group's passed rows are shown for the look that follows."""
    rows = [row for group in page.groups.values() for row in group.rows]
    wrong = [row for row in rows if row.result.status.value in ("failed", "warning")]
    assert wrong, "the mistake shows"
    for row in wrong:
        said = row.plain_text().split("</b>", 1)[0]
        assert not AFFIRMS.search(said), f"a red or amber result must not read as passed: {said!r}"
    assert not any(row.result.code in row.plain_text() for row in rows), "codes only in technical detail"
    page.technical.setChecked(True)
    assert all(row.result.code in row.plain_text() for row in rows), "technical detail names each code"
    page.technical.setChecked(False)
    for group in page.groups.values():
        if group.toggle is not None:
            group.toggle.setChecked(True)


@pytest.mark.parametrize("system_id", registry.SYSTEM_IDS)
def test_every_page_speaks_plainly(system_id, make_window, gui, sandbox, small_school, qtbot, tmp_path):
    def words(root):
        return gui.screen_texts(root, tooltips=False, typed=False)

    shots = Path(os.environ.get("MIS_WIZARD_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    spec = registry.get(system_id)
    hosted = sandbox.add(spec.emulator(small_school))
    scenario = hosted.emulator.scenarios(hosted.base_url)[SCENARIOS[system_id]]
    window = make_window(sandbox=sandbox)
    window.ctx.set_screen_safe(False)  # the most text: values and check detail shown
    found: list[str] = []
    codes: set[str] = {scenario.expect}

    def look(name: str) -> None:
        gui.settle()
        codes.update(r.get("code", "") for r in (window.ctx.session.checks.get("results", [])
                                                 if window.ctx.session else []))
        codes.discard("")
        typed = frozenset(value for _label, value, _button in getattr(window.page, "copy_buttons", ()))
        found.extend(problems(words(window), codes, name, typed))
        if system_id == "powerschool":  # one system's pictures, for looking at (MIS_WIZARD_SHOTS)
            assert window.grab().save(str(shots / f"words-{name.replace(' ', '-').replace(',', '')}.png"))

    creds = to_credentials_looking(window, gui, system_id, look)
    window.ctx.session.import_credentials(scenario.credentials, window.ctx.requirements(), window.ctx.secrets)
    window.ctx.save()
    creds.enter()
    look("credentials (mistake)")
    window.go_next()
    window.page.run_check()
    settled(qtbot, window.page)
    look("check (mistake)")
    check_the_mistake_reads_plainly(window.page)
    look("check (mistake, passed shown)")

    window.go(window.pages.index(creds))
    creds.fill_demo()
    look("credentials (good)")
    window.go_next()
    window.page.run_check()
    settled(qtbot, window.page)
    look("check (good)")
    sync = to_sync_looking(window, qtbot, look)
    assert sync.page_id == "sync"
    sync.path.setText(str(tmp_path / "store.sqlite"))
    sync.run_sync()
    settled(qtbot, sync)
    look("sync (good)")
    sandbox.inject(system_id, Fault(FaultKind.DROP))
    sync.run_sync()
    settled(qtbot, sync)
    sandbox.clear_faults(system_id)
    look("sync (dropped)")
    to_done_and_back_looking(window, look)
    assert not found, "\n".join(dict.fromkeys(found))


def test_the_transformation_editor_names_fields_in_words(qtbot, gui, small_school):
    """The editor a Transformation opens in: its source fields as words, not concept paths or raw:."""
    from mis_wizard.ui.pages.mapping_page import COL_HOW, COL_KIND, MappingPage
    from mis_wizard.wizard.mapping.schema import parse_targets
    from mis_wizard.wizard.profile import load_builtin

    page = MappingPage()
    qtbot.addWidget(page)
    page.system_name = "TASS.web"
    records = [{"student.id": s.id, "student.first_name": s.first_name, "student.last_name": s.last_name,
                "raw:general_details.first_name": s.first_name} for s in small_school.students[:3]]
    page.set_data(parse_targets(load_builtin("demo").targets), {}, {"students": records},
                  {"students": ["raw:general_details.first_name"]})
    page.show()
    row = [f.name for f in page.target.fields].index("preferred_name")
    page.table.cellWidget(row, COL_KIND).setCurrentIndex(page.table.cellWidget(row, COL_KIND).findData("transform"))
    how = page.table.cellWidget(row, COL_HOW)
    how.setCurrentIndex(how.findText("Edit the steps…"))
    dialog = page.transform_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.add_combo.setCurrentIndex(dialog.add_combo.findData("concat"))
    dialog.add_button.click()
    for source in ("student.first_name", "raw:general_details.first_name"):
        dialog.source_picker.setCurrentIndex(dialog.source_picker.findData(source))
        dialog.add_source_button.click()
    assert [dialog.source_list.item(i).text() for i in range(dialog.source_list.count())] == \
        ["First name", "Your system: general details › first name"]
    assert problems(gui.screen_texts(dialog, tooltips=False, typed=False), set(), "transformation editor") == []
    assert problems(gui.screen_texts(page, tooltips=False, typed=False), set(), "mapping") == []
    dialog.reject()
