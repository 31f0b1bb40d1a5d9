"""``mis-wizard capture``: record a check (and a small preview) against the school's system as a trace."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from mis_wizard.wizard.cli import EXIT_OK, UsageError, add_system_arguments, system_inputs


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("capture", help="record a check (and a small preview) as a trace file for support, "
                       "with keys removed and personal values replaced by made-up ones")
    add_system_arguments(p)
    p.add_argument("--out", required=True, type=Path, help="the trace file to write (JSON)")
    p.add_argument("--preview", type=int, default=0, metavar="N",
                   help="also read up to N records of each kind (0, the default, records the check only)")
    p.set_defaults(handler=cmd_capture)


def cmd_capture(args: argparse.Namespace) -> int:
    from mis_wizard.wizard import checks
    from mis_wizard.wizard.cli import print_result
    from mis_wizard.wizard.trace import record

    if not 0 <= args.preview <= 100:
        raise UsageError("--preview takes a number of records from 0 to 100; a trace is for a small sample")
    spec, credentials, profile, reqs = system_inputs(args)
    trace, results = asyncio.run(record.capture(spec, credentials, reqs, preview=args.preview,
                                                allow_plain_http=profile.allow_plain_http, extra_ca=args.ca_cert))
    for result in results:
        print_result(result)
    try:
        record.write(trace, args.out)
    except OSError as exc:
        raise UsageError(f"cannot write the trace to {args.out}: {exc.strerror or exc}") from exc
    counts = checks.summary(results)
    print(f"\n{spec.name}: {counts['ok']} ok, {counts['warning']} warnings, {counts['failed']} failed.")
    print(f"Saved {len(trace['exchanges'])} requests and answers to {args.out}. Keys and passwords were removed and "
          "people's details replaced by made-up ones; open the file and read it before you send it.")
    return EXIT_OK
