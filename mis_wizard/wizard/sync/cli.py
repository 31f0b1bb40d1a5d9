"""`sync` and `schedule` subcommands; progress on stderr, the report on stdout."""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from mis_wizard.vendors.errors import VendorError
from mis_wizard.vendors.oneroster.csv_spec import check_bulk_package, package_version
from mis_wizard.wizard.cli import EXIT_FAILED, EXIT_OK, UsageError, new_context
from mis_wizard.wizard.handoff.cli import subject_from
from mis_wizard.wizard.session import SessionProblem, SessionStore, now_iso
from mis_wizard.wizard.subject import Subject
from mis_wizard.wizard.sync import engine, history, schedule
from mis_wizard.wizard.sync.report import RunReport
from mis_wizard.wizard.sync.schedule import Schedule, ScheduleError
from mis_wizard.wizard.sync.sinks import SinkError, parse_uri
from mis_wizard.wizard.sync.state import set_aside_shared

EXIT_HELD = 3


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("sync", help="pull, map and write the school's records on this computer")
    p.add_argument("system", nargs="?", help="system id, with --credentials (or use --session)")
    p.add_argument("--session", help="a saved session id")
    p.add_argument("--credentials", type=Path)
    p.add_argument("--profile", dest="sub_profile")
    p.add_argument("--to", default="", help="sqlite:PATH (default store), csv:DIR, xlsx:FILE, "
                   "oneroster:ZIP (OneRoster 1.2), oneroster11:ZIP (OneRoster 1.1), liss:URL")
    p.add_argument("--entities", nargs="+", default=[], help="only these entities")
    p.add_argument("--confirm-removals", action="store_true", help="go ahead even when many records disappear")
    p.add_argument("--concurrency", type=int, default=4, help="requests at once to the school's system (1–16)")
    p.add_argument("--ca-cert", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_sync)

    v = sub.add_parser("validate", help="check a file the wizard (or anything else) wrote, as its consumers will")
    v.add_argument("format", choices=["oneroster"],
                   help="oneroster: a OneRoster 1.1 or 1.2 bulk CSV zip or folder (its manifest gives the version)")
    v.add_argument("path", type=Path)
    v.add_argument("--json", action="store_true", help="the problems as JSON (file, line, column, message)")
    v.set_defaults(handler=cmd_validate)

    r = sub.add_parser("runs", help="list a setup's sync runs: when, result, counts, and why one failed")
    r.add_argument("--session", required=True, help="the saved session (setup)")
    r.add_argument("--limit", type=int, default=20, help=f"at most this many, newest first (up to {history.MAX_RUNS})")
    r.add_argument("--json", action="store_true")
    r.set_defaults(handler=cmd_runs)

    s = sub.add_parser("schedule", help="run the sync daily with Windows Task Scheduler (or list or remove it)")
    s.add_argument("--session", help="the saved session (setup) to sync")
    s.add_argument("--daily", metavar="HH:MM", help="time of day, 24-hour (e.g. 02:30)")
    s.add_argument("--to", default="")
    s.add_argument("--when-signed-out", action="store_true",
                   help="run whether or not anyone is signed in (Windows asks for this account's password once); "
                        "the default runs only while you are signed in")
    s.add_argument("--xml-out", type=Path, metavar="FILE",
                   help="write the Task Scheduler definition to FILE instead of creating the task")
    what = s.add_mutually_exclusive_group()
    what.add_argument("--remove", action="store_true", help="remove the session's scheduled sync")
    what.add_argument("--list", action="store_true", help="list this program's scheduled syncs")
    s.set_defaults(handler=cmd_schedule)


def cmd_sync(args: argparse.Namespace) -> int:
    if not 1 <= args.concurrency <= 16:
        raise UsageError("--concurrency must be between 1 and 16")
    subject = subject_from(args)
    setup = engine.setup_of(subject)
    moved = set_aside_shared()
    if moved:
        print(moved, file=sys.stderr)
    to = args.to or (subject.session.sync.get("to", "") if subject.session else "")
    try:
        sink = parse_uri(to, setup)
        entities = engine.entities_for(subject, args.entities)
    except SinkError as exc:
        if subject.session is not None:  # a scheduled run's only trace is its history
            history.append(subject.session.id, history.failure(subject.spec.id, to, str(exc)))
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
    version = package_version(args.path)
    name = f"OneRoster {version}" if version in ("1.1", "1.2", "1.2.1") else "OneRoster"
    if args.json:
        print(json.dumps([{"file": p.file, "line": p.line, "column": p.column, "message": p.message}
                          for p in problems], indent=2))
    elif problems:
        print(f"{args.path} is not a valid {name} bulk package ({len(problems)} problems):")
        for p in problems:
            print(f"  {p}")
    else:
        print(f"{args.path} is a valid {name} bulk package.")
    return EXIT_FAILED if problems else EXIT_OK


def _remember(subject: Subject, last_run: dict[str, Any]) -> None:
    """A held or failed run stays with its session, so the wizard shows it (red, with the reason)."""
    if subject.session is not None:
        subject.session.sync = {**subject.session.sync, "last_run": last_run}
        SessionStore().save(subject.session)


def cmd_runs(args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= history.MAX_RUNS:
        raise UsageError(f"--limit must be between 1 and {history.MAX_RUNS}")
    try:
        session = SessionStore().load(args.session)
    except SessionProblem as exc:
        raise UsageError(str(exc)) from exc
    runs = history.runs(session.id, args.limit)
    if args.json:
        print(json.dumps({"session": session.id, "runs": runs}, indent=2, ensure_ascii=False))
        return EXIT_OK
    if not runs:
        print(f"No sync has run for setup {session.id} yet.")
        return EXIT_OK
    print(f"Sync runs of setup {session.id}, newest first:")
    for record in runs:
        print(history.as_text(record))
    return EXIT_OK


NOT_WINDOWS = ("Scheduling the sync needs Windows: this computer is not Windows, so no task was created. "
               "On Windows, the wizard would create the task with:")


def cmd_schedule(args: argparse.Namespace) -> int:
    try:
        if args.list:
            return _list_schedules()
        if not args.session:
            raise UsageError("say which setup: --session ID (see `mis-wizard sessions`)")
        if args.remove:
            if not schedule.ON_WINDOWS:
                print("Scheduled syncs are Windows tasks and this computer is not Windows, so there is nothing "
                      "to remove here. On Windows the wizard would run:")
                print("  " + subprocess.list2cmdline(["schtasks", "/Delete", "/TN",
                                                      f"{schedule.TASK_PREFIX} {args.session}", "/F"]))
                return EXIT_FAILED
            print(schedule.remove(args.session))
            return EXIT_OK
        if not args.daily:
            raise UsageError("say when: --daily HH:MM (24-hour, e.g. 02:30)")
        SessionStore().load(args.session)
        plan = Schedule(args.session, args.daily, args.to, when_signed_out=args.when_signed_out)
        return _create(plan, args.xml_out)
    except (SessionProblem, ScheduleError) as exc:
        raise UsageError(str(exc)) from exc


def _create(plan: Schedule, xml_out: Path | None) -> int:
    if xml_out is not None:
        plan.write_xml(xml_out)
        print(f"Wrote the Task Scheduler definition for a daily sync at {plan.time} to {xml_out}.")
        print("On Windows, create the task from it with:")
        print("  " + subprocess.list2cmdline(plan.schtasks_args(xml_out)))
        print(plan.explanation)
        return EXIT_OK
    if not schedule.ON_WINDOWS:
        print(NOT_WINDOWS)
        print("  " + subprocess.list2cmdline(plan.schtasks_args("task.xml")))
        print("from this task definition (task.xml; --xml-out FILE writes it to a file):")
        print(plan.task_xml())
        print(f"The task would run: {subprocess.list2cmdline(plan.command())}")
        print(plan.explanation)
        print("To run it daily on this computer instead, add this line to the crontab of the account that "
              "runs the wizard (crontab -e):")
        print(plan.cron_line())
        return EXIT_FAILED
    print(plan.explanation)
    if plan.when_signed_out:
        print("Windows now asks for the password of this account, once; it is kept by Windows with the task.",
              flush=True)
    print(schedule.install(plan))
    print(f"See its results with: mis-wizard runs --session {plan.session_id}")
    return EXIT_OK


def _list_schedules() -> int:
    if not schedule.ON_WINDOWS:
        print("Scheduled syncs are Windows tasks and this computer is not Windows, so there are none to list. "
              "On Windows the wizard reads them with:")
        print("  schtasks /Query /FO CSV /NH")
        return EXIT_FAILED
    tasks = schedule.list_tasks()
    if not tasks:
        print("No scheduled syncs on this computer.")
    for t in tasks:
        print(f"{t['session']}  next run {t['next_run']}  ({t['status']})")
    return EXIT_OK
