"""Checks: every key of the largest key set (iSAMS: seven Batch API keys plus REST, as the demo
profile asks) against the emulator with 200 ms added to every request.

Everything runs the way the window runs it: through the GUI's background runner (QueryOp on the
asyncio loop thread, results back through Qt signals), with a 10 ms QTimer on the GUI thread
recording the longest gap between its ticks. Two figures:

- ``checks_wall``: the wall time of all keys together ÷ the slowest single key's check run
  alone (each key alone, with only that key in the requirements). Target ≤ 1.3: keys are
  checked concurrently, so all of them take about as long as the slowest one.
- ``checks_gui_stall``: the longest tick gap over the whole run ÷ 50 ms. Target ≤ 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from figures import exit_code, figure, median  # noqa: E402
from PySide6.QtCore import QEventLoop, QObject  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from served import served  # noqa: E402
from ticks import TickGaps  # noqa: E402

from mis_wizard.ui.async_runner import QueryOp  # noqa: E402
from mis_wizard.vendors.base import CheckResult, Context, Status  # noqa: E402
from mis_wizard.vendors.isams import SPEC  # noqa: E402
from mis_wizard.wizard import checks  # noqa: E402
from mis_wizard.wizard.http import build_client  # noqa: E402


def only(requirements: dict[str, Any], key: str) -> dict[str, Any]:
    """The requirements with one key set: one Batch key, or REST alone."""
    batch = requirements["batch_keys"]
    rest = dict(requirements.get("rest") or {})
    return {**requirements, "batch_keys": {key: batch[key]} if key in batch else {},
            "rest": {**rest, "wanted": key == "rest"}}


def run_in_gui(
    parent: QObject, credentials: dict[str, Any], requirements: dict[str, Any]
) -> tuple[float, list[CheckResult]]:
    """Seconds until the last result reached the GUI thread, and the results."""

    async def op() -> AsyncIterator[CheckResult]:
        async with build_client() as http:  # the client belongs to the loop the op runs on
            async for result in checks.run(SPEC, Context(http), credentials, requirements):
                yield result

    done = QEventLoop()
    out: list[CheckResult] = []

    def finished(results: list[CheckResult]) -> None:
        out.extend(results)
        done.quit()

    def failed(exc: BaseException) -> None:
        print(f"the checks raised {type(exc).__name__}", file=sys.stderr)
        done.quit()

    started = time.perf_counter()
    QueryOp(parent=parent, op=op, success=finished).failure(failed).run_in_background()
    done.exec()
    return time.perf_counter() - started, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a tiny school, 20 ms and one run, for the smoke test")
    args = parser.parse_args(argv)
    if args.quick:
        args.students, args.latency_ms, args.runs = 50, 20, 1
    app = QApplication.instance() or QApplication([])  # noqa: F841 - the GUI thread's application
    holder = QObject()
    requirements = SPEC.requirements()
    keys = [ks.id for ks in SPEC.key_sets(requirements)]
    gaps = TickGaps()
    with served("isams", args.students, latency_ms=args.latency_ms) as box:
        credentials = box["credentials"]
        run_in_gui(holder, credentials, requirements)  # the emulator renders its replies once
        gaps.start()
        alone = {k: median([run_in_gui(holder, credentials, only(requirements, k))[0] for _ in range(args.runs)])
                 for k in keys}
        together = [run_in_gui(holder, credentials, requirements) for _ in range(args.runs)]
        gaps.stop()
    failed = [r.code for _, results in together for r in results if r.status is Status.FAILED]
    if failed:
        print(f"the good credentials failed: {sorted(set(failed))}", file=sys.stderr)
        return 2
    slowest = max(alone, key=lambda k: alone[k])
    all_s = median([s for s, _ in together])
    return exit_code([
        figure("checks_wall", all_s / alone[slowest], "<=", 1.3, all_ms=all_s * 1000,
               slowest_alone_ms=alone[slowest] * 1000, slowest_key=slowest, keys=len(keys),
               results=len(together[0][1]), latency_ms=args.latency_ms, students=args.students, runs=args.runs),
        figure("checks_gui_stall", gaps.longest * 1000 / 50, "<=", 1, longest_gap_ms=gaps.longest * 1000,
               timer_ms=10, limit_ms=50),
    ])


if __name__ == "__main__":
    sys.exit(main())
