"""Memory: peak RSS growth from a 5,000- to a 250,000-student sync into SQLite.

Each sync runs in a fresh process (``--child N``) against the PowerSchool emulator serving the
synthetic school's district size in another process, through the sync engine with the demo
profile's students target into a new SQLite store, and reports its own peak RSS (ru_maxrss).
Figure ``memory_growth``: the 250,000-student peak minus the 5,000-student peak, ÷ 150 MB.
Target ≤ 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from figures import exit_code, figure
from served import served


def child(students: int) -> None:
    from mis_wizard.vendors.base import Context
    from mis_wizard.wizard.http import build_client
    from mis_wizard.wizard.profile import load as load_profile
    from mis_wizard.wizard.subject import from_credentials
    from mis_wizard.wizard.sync import engine
    from mis_wizard.wizard.sync.sinks.sqlite_sink import SqliteSink

    with served("powerschool", students, district=True) as box, tempfile.TemporaryDirectory() as out:
        subject = from_credentials("powerschool", box["credentials"], load_profile("demo"))
        plan = engine.Plan(subject, SqliteSink(Path(out) / "store.sqlite"), ["students"])

        async def go() -> int:
            async with build_client() as http:
                report = await engine.run(plan, Context(http))
                return report.table("students").written

        written = asyncio.run(go())
    print(json.dumps({"written": written, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def peak(students: int) -> tuple[int, int]:
    """(peak RSS in KiB, students written) of one sync in a fresh process."""
    out = subprocess.run([sys.executable, __file__, "--child", str(students)], capture_output=True, text=True,
                         check=True)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return data["maxrss_kb"], data["written"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=5000)
    parser.add_argument("--large", type=int, default=250_000)
    parser.add_argument("--limit-mb", type=float, default=150)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="300 and 3,000 students, for the smoke test")
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
        return 0
    if args.quick:
        args.small, args.large = 300, 3000
    small_kb, small_n = peak(args.small)
    large_kb, large_n = peak(args.large)
    if (small_n, large_n) != (args.small, args.large):
        print(f"wrote {small_n} and {large_n} students", file=sys.stderr)
        return 2
    growth_mb = (large_kb - small_kb) / 1024
    return exit_code([figure("memory_growth", growth_mb / args.limit_mb, "<=", 1, growth_mb=growth_mb,
                             small_peak_mb=small_kb / 1024, large_peak_mb=large_kb / 1024,
                             small=args.small, large=args.large, limit_mb=args.limit_mb)])


if __name__ == "__main__":
    sys.exit(main())
