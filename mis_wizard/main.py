"""The `mis-wizard` entry point: commands go to wizard/cli.py, the GUI to ui/.

It sits above the layers so wizard/ never imports ui/.
"""

from __future__ import annotations

import argparse
import gc
import sys


def _gui(args: argparse.Namespace) -> int:
    if not args.self_test:
        # Opening the window makes tens of thousands of objects (Qt's enums among them) and frees
        # almost none, so the cycle collector only costs time until then; the window turns it
        # back on after its first paint (MainWindow._after_first_paint).
        gc.disable()
    from mis_wizard.wizard.cli import get_profile, start_sandbox

    profile = get_profile(args.profile)
    if args.self_test:
        from mis_wizard.ui.self_test import run_self_test

        return run_self_test()
    from mis_wizard.ui.app import run_gui

    if not args.demo:
        return run_gui(profile, demo=False)
    with start_sandbox() as box:
        return run_gui(profile, demo=True, sandbox=box)


def main(argv: list[str] | None = None) -> int:
    from mis_wizard.wizard import cli

    return cli.main(argv, gui=_gui)


if __name__ == "__main__":
    sys.exit(main())
