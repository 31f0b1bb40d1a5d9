"""`sync` and `schedule` subcommands; progress on stderr, the report on stdout."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from mis_wizard.vendors.errors import VendorError
from mis_wizard.vendors.oneroster.csv_spec import check_bulk_package
from mis_wizard.wizard.cli import EXIT_FAILED, EXIT_OK, UsageError, new_context
from mis_wizard.wizard.handoff.cli import subject_from
from mis_wizard.wizard.session import SessionProblem, SessionStore, now_iso
from mis_wizard.wizard.subject import Subject
from mis_wizard.wizard.sync import engine
from mis_wizard.wizard.sync.report import RunReport
from mis_wizard.wizard.sync.schedule import Schedule, ScheduleError, install
from mis_wizard.wizard.sync.sinks import SinkError, parse_uri
from mis_wizard.wizard.sync.state import set_aside_shared

EXIT_HELD = 3


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("sync", help="pull, map and write the school's records on this computer")
    p.add_argument("system", nargs="?", help="system id, with --credentials (or use --session)")
    p.add_argument("--session", help="a saved session id")
    p.add_argument("--credentials", type=Path)
    p.add_argument("--profile", dest="sub_profile")
    p.add_argument("--to", default="", help="sqlite:PATH (default store), csv:DIR, xlsx:FILE, oneroster:ZIP, liss:URL")
    p.add_argument("--entities", nargs="+", default=[], help="only these entities")
    p.add_argument("--confirm-removals", action="store_true", help="go ahead even when many records disappear")
    p.add_argument("--concurrency", type=int, default=4, help="requests at once to the school's system (1–16)")
    p.add_argument("--ca-cert", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_sync)

    v = sub.add_parser("validate", help="check a file the wizard (or anything else) wrote, as its consumers will")
    v.add_argument("format", choices=["oneroster"], help="oneroster: a OneRoster 1.1 bulk CSV zip or folder")
    v.add_argument("path", type=Path)
    v.add_argument("--json", action="store_true", help="the problems as JSON (file, line, column, message)")
    v.set_defaults(handler=cmd_validate)

    s = sub.add_parser("schedule", help="run the sync daily (Task Scheduler on Windows; prints a cron line elsewhere)")
    s.add_argument("--session", required=True)
    s.add_argument("--daily", required=True, metavar="HH:MM")
    s.add_argument("--to", default="")
    s.set_defaults(handler=cmd_schedule)


def cmd_sync(args: argparse.Namespace) -> int:
    if not 1 <= args.concurrency <= 16:
        raise UsageError("--concurrency must be between 1 and 16")
    subject = subject_from(args)
    setup = engine.setup_of(subject)
    moved = set_aside_shared()
    if moved:
        print(moved, file=sys.stderr)
    try:
        sink = parse_uri(args.to or (subject.session.sync.get("to", "") if subject.session else ""), setup)
    except SinkError as exc:
        raise UsageError(str(exc)) from exc
    try:
        entities = engine.entities_for(subject, args.entities)
    except SinkError as exc:
        raise UsageError(str(exc)) from exc
    plan = engine.Plan(subject, sink, entities, args.confirm_removals, setup=setup)

    live = sys.stderr.isatty()

    def progress(entity: str, records: int, pages: int, done: bool) -> None:
        if live:
            print(f"\r{entity}: {records} records, {pages} pages   ", end="\n" if done else "", file=sys.stderr,
                  flush=True)
        elif done:
            print(f"{entity}: {records} records, {pages} pages", file=sys.stderr, flush=True)

    async def go() -> RunReport:
        ctx = new_context(subject.profile, args.ca_cert, concurrency=args.concurrency)
        async with ctx.http:
            return await engine.run(plan, ctx, progress)

    try:
        report = asyncio.run(go())
        code = EXIT_OK
    except engine.RemovalsHeld as exc:
        report, code = exc.report, EXIT_HELD
        print(f"{exc} Run again with --confirm-removals.", file=sys.stderr)
        _remember(subject, {**report.to_json(), "status": "held", "message": str(exc)})
    except engine.TooManyExcluded as exc:
        print(f"Sync failed: {exc}", file=sys.stderr)
        print(json.dumps(exc.report.to_json(), indent=2) if args.json else exc.report.as_text())
        _remember(subject, {"status": "failed", "message": f"{exc} The last good output was kept.",
                            "finished": now_iso()})
        return EXIT_FAILED
    except (VendorError, SinkError) as exc:
        reason = f"{exc.message} {exc.remedy}" if isinstance(exc, VendorError) else str(exc)
        print(f"Sync failed: {getattr(exc, 'message', str(exc))}", file=sys.stderr)
        _remember(subject, {"status": "failed", "message": f"{reason} The last good output was kept.",
                            "finished": now_iso()})
        return EXIT_FAILED
    if subject.session is not None and code == EXIT_OK:
        subject.session.sync = {**subject.session.sync, "to": args.to or subject.session.sync.get("to", ""),
                                "last_run": report.to_json()}
        SessionStore().save(subject.session)
    print(json.dumps(report.to_json(), indent=2) if args.json else report.as_text())
    return code


def cmd_validate(args: argparse.Namespace) -> int:
    if not args.path.exists():
        raise UsageError(f"{args.path} does not exist")
    problems = check_bulk_package(args.path)
    if args.json:
        print(json.dumps([{"file": p.file, "line": p.line, "column": p.column, "message": p.message}
                          for p in problems], indent=2))
    elif problems:
        print(f"{args.path} is not a valid OneRoster 1.1 bulk package ({len(problems)} problems):")
        for p in problems:
            print(f"  {p}")
    else:
        print(f"{args.path} is a valid OneRoster 1.1 bulk package.")
    return EXIT_FAILED if problems else EXIT_OK


def _remember(subject: Subject, last_run: dict[str, Any]) -> None:
    """A held or failed run stays with its session, so the wizard shows it (red, with the reason)."""
    if subject.session is not None:
        subject.session.sync = {**subject.session.sync, "last_run": last_run}
        SessionStore().save(subject.session)


def cmd_schedule(args: argparse.Namespace) -> int:
    try:
        SessionStore().load(args.session)
        print(install(Schedule(args.session, args.daily, args.to)))
    except (SessionProblem, ScheduleError) as exc:
        raise UsageError(str(exc)) from exc
    return EXIT_OK
