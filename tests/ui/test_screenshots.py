"""Every page rendered at 1366×768, with ordinary and with very long names, saved as PNG.

Set MIS_WIZARD_SHOTS=/some/dir to keep the pictures for looking at; otherwise they go to the
test's temporary folder. Long names must never widen the window or push the buttons off it.
"""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtWidgets import QWidget

from mis_wizard.vendors.tass.sandbox import TassEmulator
from mis_wizard.wizard.profile import load_builtin

LONG_SCHOOL = ("St Aloysius' College of the Holy Family and the Blessed Martyrs of the Northern Suburbs "
               "— Senior Campus (Years 10 to 12)")
LONG_INTEGRATOR = "The Extraordinarily Long-Named International Educational Technology Consortium Pty Ltd"
LONG_PRODUCT = "Super Learning Analytics Platform for Schools, Districts and Trusts Everywhere"


def _inside(window, widget: QWidget) -> bool:
    top_left = widget.mapTo(window, widget.rect().topLeft())
    return 0 <= top_left.x() and top_left.x() + widget.width() <= window.width()


@pytest.mark.parametrize("long_names", [False, True], ids=["normal", "long"])
def test_every_page_at_1366x768(long_names, make_window, gui, sandbox, small_school, shots, qtbot):
    profile = load_builtin()
    if long_names:
        profile = dataclasses.replace(profile, integrator=dataclasses.replace(
            profile.integrator, name=LONG_INTEGRATOR, product=LONG_PRODUCT))
    hosted = sandbox.add(TassEmulator(small_school))
    prefix = "ui-long-" if long_names else "ui-"
    window = make_window(profile=profile, sandbox=sandbox)

    def shoot(name: str) -> None:
        gui.settle()
        assert window.size().width() == 1366 and window.size().height() == 768
        for button in (window.next_button, window.back_button, window.help_button, window.safe_switch):
            assert _inside(window, button), f"{name}: {button.text()} pushed off the window"
        assert window.grab().save(str(shots / f"{prefix}{name}.png"))

    shoot("welcome")
    window.pages[0].new_button.click()
    shoot("system")
    gui.choose_system(window, "tass")
    window.go_next()
    gui.fill_school(window, LONG_SCHOOL if long_names else "Riverside Secondary College")
    shoot("school")
    window.go_next()
    for box in list(window.page.boxes.values())[:4]:
        box.setChecked(True)
    shoot("steps")
    window.go_next()
    window.page.fill_demo()
    scenario = hosted.emulator.scenarios(hosted.base_url)["permission_missing"]
    window.ctx.session.import_credentials(scenario.credentials, window.ctx.requirements(), window.ctx.secrets)
    window.ctx.save()
    window.page.enter()
    shoot("credentials")
    window.go_next()
    window.page.run_check()
    qtbot.waitUntil(lambda: not window.page.running, timeout=20_000)
    failing = next(g for g in window.page.groups.values() if any(r.result.status.value == "failed" for r in g.rows))
    window.page.scroll_area.ensureWidgetVisible(failing, 0, 0)
    shoot("check")
    window.go(next(i for i, p in enumerate(window.pages) if p.page_id == "done"))  # as a resumed setup opens it
    assert "The check failed" not in window.page.summary_text() and "Nothing was sent" in window.page.summary_text()
    shoot("done")
    window.close()
    second = make_window(profile=profile, sandbox=sandbox)
    gui.settle()
    assert second.grab().save(str(shots / f"{prefix}welcome-resume.png"))
    second.help_button.click()
    gui.settle()
    assert second.help_holder.isVisible() and "Stuck? Contact" in second.help_text.text()
    assert second.grab().save(str(shots / f"{prefix}help.png"))
