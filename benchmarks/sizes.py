"""A benchmark's command line: its sizes (``--rows 50000``) and ``--quick``, the tiny sizes the
smoke test runs (tests/benchmarks/test_scripts.py)."""

from __future__ import annotations

import argparse


def parse(argv: list[str] | None, doc: str | None, quick_help: str, **sizes: tuple[int, int]) -> argparse.Namespace:
    """``sizes`` maps each option to (its default, its value with --quick)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name, (default, _quick) in sizes.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=default)
    parser.add_argument("--quick", action="store_true", help=quick_help)
    args = parser.parse_args(argv)
    if args.quick:
        for name, (_default, quick) in sizes.items():
            setattr(args, name, quick)
    return args
