"""The GUI starts without the cycle collector (mis_wizard.main) and the window turns it back on,
with what the start made frozen, once it has been painted."""

from __future__ import annotations

import gc


def test_window_turns_the_collector_back_on_after_its_first_paint(make_window, qtbot) -> None:
    gc.disable()
    try:
        make_window()
        qtbot.waitUntil(gc.isenabled, timeout=5000)
        assert gc.get_freeze_count() > 0, "the start's objects are frozen, not walked by every collection"
    finally:
        gc.unfreeze()  # what other tests left behind is collected now, on the GUI thread, as it would have been
        gc.enable()
        gc.collect()


def test_a_window_opened_with_the_collector_on_leaves_it_alone(make_window, qtbot) -> None:
    window = make_window()
    qtbot.waitUntil(lambda: window._painted, timeout=5000)
    qtbot.wait(50)
    assert gc.isenabled() and gc.get_freeze_count() == 0
