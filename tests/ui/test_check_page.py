"""The check page against the real TASS emulator over loopback: results stream in per key, a
mistake in one key is reported on that key with what to do, and the results are saved."""

from __future__ import annotations

from window_walk import to_credentials

from mis_wizard.ui.pages.check_page import CheckPage
from mis_wizard.vendors.base import CONNECTION, Status
from mis_wizard.vendors.tass.sandbox import TassEmulator


def _open_check_page(make_window, gui, sandbox, small_school):
    hosted = sandbox.add(TassEmulator(small_school))
    window = make_window(sandbox=sandbox)
    creds = to_credentials(window, gui, "tass")
    assert creds.demo_row.isVisibleTo(creds), "demo mode offers working credentials"
    return window, creds, hosted


def test_one_wrong_token_key_fails_only_that_key(make_window, gui, sandbox, small_school, qtbot):
    window, creds, hosted = _open_check_page(make_window, gui, sandbox, small_school)
    creds.fill_demo()
    scenario = hosted.emulator.scenarios(hosted.base_url)["wrong_token_key"]
    bad_keys = [k for k, v in scenario.credentials.items()
                if isinstance(v, dict) and v != window.ctx.demo_credentials().get(k)]
    assert len(bad_keys) == 1
    bad = bad_keys[0]
    gui.type_value(creds.inputs[(bad, "token_key")].widget, scenario.credentials[bad]["token_key"])
    window.go_next()
    page = window.page
    assert isinstance(page, CheckPage)
    arrivals: list[str] = []
    page.run_button.click()
    assert page.running and not page.run_button.isEnabled()
    page.op._bridge.item.connect(lambda r: arrivals.append(r.key))
    qtbot.waitUntil(lambda: not page.running, timeout=20_000)
    assert len(arrivals) == len(page.results) > 3, "results arrive one by one"

    failed = [r for r in page.results if r.status is Status.FAILED]
    assert {r.key for r in failed} == {bad}
    assert scenario.expect in {r.code for r in failed}
    assert all(r.remedy for r in failed)
    group = page.groups[bad]
    assert any("What to do" in row.plain_text() for row in group.rows)
    assert not any(scenario.expect in row.plain_text() for g in page.groups.values() for row in g.rows), \
        "codes are for support, not on screen"
    page.technical.setChecked(True)
    assert any(scenario.expect in row.plain_text() for row in group.rows), "technical detail names the code"
    page.technical.setChecked(False)
    for key, grp in page.groups.items():
        if key not in (bad, CONNECTION):
            assert grp.rows and all(row.result.status is not Status.FAILED for row in grp.rows)
    saved = window.ctx.session.checks
    assert saved["checked_at"] and len(saved["results"]) == len(page.results)
    assert page.status().value == "attention"
    assert "to fix" in page.summary.text()


def test_good_demo_credentials_pass_and_survive_reopening(make_window, gui, sandbox, small_school, qtbot):
    window, creds, _hosted = _open_check_page(make_window, gui, sandbox, small_school)
    creds.fill_demo()
    window.go_next()
    page = window.page
    page.run_check()
    qtbot.waitUntil(lambda: not page.running, timeout=20_000)
    assert page.results and not [r for r in page.results if r.status is Status.FAILED]
    assert page.status().value == "done"
    # the saved check (and so the bundle's checks.json) says how the network was reached
    network = window.ctx.session.checks["network"]
    assert network["routes"] == {"127.0.0.1": "direct"}
    assert network["setting"].startswith("this computer's proxy settings")
    window.go_back()
    window.go_next()
    assert len(page.results) == len(window.ctx.session.checks["results"])


def test_key_not_entered_says_so_plainly(make_window, gui, sandbox, small_school):
    window, creds, _hosted = _open_check_page(make_window, gui, sandbox, small_school)
    window.go_next()
    assert window.page is creds, "Next waits for the keys the integrator needs"
    window.sidebar.setCurrentRow(window.current + 1)  # the side list still opens the check to look ahead
    page = window.page
    note = page.groups["lms"].note.text()
    assert "not available yet" in note and "nothing has been entered" in note
