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


def test_style_sheet_settings_reach_the_widgets(make_window, qtbot) -> None:
    """app.qss sets what Python would need Qt's enums for (see widgets/step_list.py)."""
    from PySide6.QtCore import Qt

    window = make_window()
    qtbot.waitUntil(lambda: window._painted, timeout=5000)
    assert window.sidebar.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    assert window.page.scroll_area.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAsNeeded, \
        "a page wider than a small window scrolls sideways"
    assert window.page.scroll_area.focusPolicy() == Qt.FocusPolicy.NoFocus, "the page's scroll area is no Tab stop"
    for label in (window.integrator_label, window.support_label, window.blocked_label):
        assert label.alignment() & Qt.AlignmentFlag.AlignRight, label.objectName()
    assert window.support_label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    assert not window.sidebar.item(1).isEnabled() and not window.sidebar.item(1).isSelectable()
    assert window.sidebar.item(0).accessibleText() == "Welcome, current page"


def test_long_header_text_is_shortened_to_fit_and_kept_whole_for_screen_readers(make_window, qtbot) -> None:
    from mis_wizard.ui.widgets.elided_label import ELLIPSIS, elide_right

    window = make_window()
    qtbot.waitUntil(lambda: window._painted, timeout=5000)
    label = window.session_label
    long = "St Aloysius' College of the Holy Family and the Blessed Martyrs of the Northern Suburbs " * 3
    label.setText(long)
    shown = label.text()
    assert shown.endswith(ELLIPSIS) and long.startswith(shown[:-1])
    assert label.fontMetrics().horizontalAdvance(shown) <= label.contentsRect().width()
    assert label.full_text() == long and label.toolTip() == long and label.accessibleName() == long
    metrics = label.fontMetrics()
    assert elide_right(metrics, "short", 500) == "short"
    assert elide_right(metrics, "x" * 50, 0) == ELLIPSIS


def test_the_first_paint_does_not_build_qts_namespace_enums(tmp_path) -> None:
    """Building any Qt.* enum in Python builds all of them (~25 ms); the first window avoids them."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    benchmarks = Path(__file__).resolve().parents[2] / "benchmarks"
    probe = (
        "import enum, os, sys\n"
        f"sys.path.insert(0, {str(benchmarks)!r})\n"
        "built = []\n"
        "create = enum.EnumType._create_\n"
        "def watch(cls, name, *args, **kwargs):\n"
        "    made = create(cls, name, *args, **kwargs)\n"
        "    if name == 'Key' and len(made.__members__) > 400:\n"
        "        built.append(name)\n"
        "    return made\n"
        "enum.EnumType._create_ = watch\n"
        "import first_paint\n"
        "first_paint._painted = lambda: (print('namespace' if built else 'clean', flush=True), os._exit(0))\n"
        "first_paint.app()\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MIS_WIZARD_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60)
    assert done.stdout.strip() == "clean", done.stdout + done.stderr


def test_no_command_line_opens_the_gui_with_the_options_parsers_defaults() -> None:
    """``mis-wizard`` alone skips the options parser; what it gives is what parsing nothing would."""
    from mis_wizard.wizard import cli

    parser = cli._OptionsParser(prog="mis-wizard", add_help=False)
    cli.add_options(parser)
    parsed = vars(parser.parse_args([])) | {"command": None}
    assert vars(cli.gui_arguments([])) == parsed
    assert vars(cli.gui_arguments(["--demo"])) == parsed | {"demo": True}
    assert cli.gui_arguments(["systems"]) is None
