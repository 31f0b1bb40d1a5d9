"""The check page's "Save a trace for support": the same check recorded against the TASS emulator
over loopback, saved where the admin chose, without the keys, and the admin told where it went."""

from __future__ import annotations

import json
from pathlib import Path

from window_walk import to_credentials

from mis_wizard.ui.pages.check_page import CheckPage
from mis_wizard.vendors.tass.sandbox import TassEmulator
from mis_wizard.wizard.trace import record


def _check_page(make_window, gui, sandbox, small_school) -> tuple[object, CheckPage]:
    sandbox.add(TassEmulator(small_school))
    window = make_window(sandbox=sandbox)
    to_credentials(window, gui, "tass").fill_demo()
    window.go_next()
    page = window.page
    assert isinstance(page, CheckPage)
    return window, page


def test_save_a_trace_for_support(make_window, gui, sandbox, small_school, qtbot, tmp_path: Path) -> None:
    window, page = _check_page(make_window, gui, sandbox, small_school)
    asked: list[str] = []
    out = tmp_path / "for support" / "tass-trace.json"
    out.parent.mkdir()

    def choose(suggested: str) -> Path:
        asked.append(suggested)
        return out

    page.choose_trace_path = choose
    assert page.trace_button.isVisible() and page.trace_button.text() == "Save a trace for support"
    page.trace_button.click()
    assert not page.trace_button.isEnabled() and "Recording" in page.trace_note.text()
    qtbot.waitUntil(lambda: page.trace_op is None, timeout=30_000)
    assert asked == ["tass-trace-for-support.json"]
    assert page.trace_button.isEnabled()
    note = page.trace_note.text()
    assert str(out) in note and "read it before you send it" in note
    trace = record.load(out)
    assert trace["system"] == "tass" and trace["exchanges"]
    assert any(r["code"] == "tass.module_ok" for r in trace["results"])
    assert trace["preview"]["students"] == {"records": 3}
    text = out.read_text(encoding="utf-8")
    demo = window.ctx.demo_credentials()
    keys = [v["token_key"] for v in demo.values() if isinstance(v, dict) and v.get("token_key")]
    assert keys and not [k for k in keys if k in text]
    assert json.loads(text)["credentials"]["lms"]["token_key"] not in keys
    for width, height in ((1366, 768), (800, 500)):  # the note wraps beside the button at either size
        window.resize(width, height)
        gui.settle()
        shot = window.grab()
        assert not shot.isNull() and shot.save(str(tmp_path / f"check-trace-{width}.png"))
        assert page.trace_note.isVisible() and page.trace_note.height() > page.trace_button.height() // 2


def test_cancelled_or_unwritable_trace(make_window, gui, sandbox, small_school, qtbot, tmp_path: Path) -> None:
    _window, page = _check_page(make_window, gui, sandbox, small_school)
    page.choose_trace_path = lambda suggested: None
    page.trace_button.click()
    assert page.trace_op is None and page.trace_note.isHidden()
    blocker = tmp_path / "a-file-not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    nowhere = blocker / "trace.json"
    page.choose_trace_path = lambda suggested: nowhere
    page.trace_button.click()
    qtbot.waitUntil(lambda: page.trace_op is None, timeout=30_000)
    assert not nowhere.exists()
    assert "could not be saved" in page.trace_note.text() and "Choose another folder" in page.trace_note.text()
    assert page.trace_button.isEnabled()
