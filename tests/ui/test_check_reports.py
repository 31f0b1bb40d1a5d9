"""Each system's check report in the GUI, with the setup mistake its emulator holds: the code and
the remedy appear on the failing key, and a screenshot is kept for review (MIS_WIZARD_SHOTS)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from window_walk import to_credentials

from mis_wizard.vendors import registry

CASES = [
    ("tass", "wrong_token_key"),
    ("liss", "wrong_password"),
    ("powerschool", "students_not_granted"),
    ("aeries", "no_contacts_permission"),
    ("qmlativ", "field_not_allowed"),
    ("isams", "missing_and_extra"),
    ("integris", "optional_field_off"),
]


@pytest.mark.parametrize(("system", "scenario_id"), CASES)
def test_check_report_shows_the_mistake(system: str, scenario_id: str, make_window, gui, sandbox, small_school,
                                        qtbot, tmp_path: Path) -> None:
    hosted = sandbox.add(registry.get(system).emulator(small_school))
    scenario = hosted.emulator.scenarios(hosted.base_url)[scenario_id]
    window = make_window(sandbox=sandbox)
    to_credentials(window, gui, system)
    window.ctx.session.import_credentials(scenario.credentials, window.ctx.requirements(), window.ctx.secrets)
    window.ctx.save()
    window.page.enter()
    window.go_next()
    window.page.run_check()
    qtbot.waitUntil(lambda: not window.page.running, timeout=30_000)
    gui.settle()
    rows = [row for group in window.page.groups.values() for row in group.rows]
    hits = [row for row in rows if row.result.code == scenario.expect]
    assert hits, [row.result.code for row in rows]
    assert all(row.result.remedy for row in hits)
    if system == "isams":
        statuses = {row.result.code: row.result.status.value for row in rows}
        assert statuses.get("isams.methods_extra") in ("warning", "failed")
    assert all(row.isVisible() for row in hits), [(r.result.code, r.result.status.value, r.isHidden()) for r in hits]
    assert not any(row.isVisible() for row in rows if row.result.status.value == "ok")
    gui.settle()
    folder = Path(os.environ.get("MIS_WIZARD_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(folder / f"check-{system}.png"))
