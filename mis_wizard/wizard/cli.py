"""The `mis-wizard` command line: the same program as the GUI, for scripts, support and CI.

Exit codes: 0 done, 1 a check (or the thing asked for) failed, 2 unusable input.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from mis_wizard import APP_NAME, __version__
from mis_wizard.vendors import registry
from mis_wizard.wizard import logs
from mis_wizard.wizard.profile import Profile, ProfileError
from mis_wizard.wizard.profile import load as load_profile

if TYPE_CHECKING:  # the vendor contract is imported by the commands that use it, not by the GUI's start
    from mis_wizard.vendors.base import CheckResult, Context, VendorSpec

# The GUI starts through this module, so what only a command needs (asyncio, httpx, the mapping
# preview, the handoff and sync modules with openpyxl and age) is imported by that command, not here.

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
STATUS_MARK = {"ok": "ok  ", "warning": "warn", "failed": "FAIL", "skipped": "skip"}
"""By ``Status`` value (a StrEnum, so the members are these strings)."""


class UsageError(Exception):
    """Input the command cannot use; printed as one line and exit 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


Handler = Callable[[argparse.Namespace], int]
FEATURE_MODULES: tuple[str, ...] = ("mis_wizard.wizard.handoff.cli", "mis_wizard.wizard.sync.cli",
                                    "mis_wizard.wizard.trace.cli", "mis_wizard.wizard.proxy_cli")
"""Modules that add their own subcommands with ``add_commands(subparsers)``, so this file stays small."""


class _NotJustOptions(Exception):
    """The command line is more than the GUI's options; the full parser will say what it is."""


class _OptionsParser(Parser):
    def error(self, message: str) -> NoReturn:
        raise _NotJustOptions(message)


def add_options(parser: argparse.ArgumentParser) -> None:
    """The options before any command; with only these, the GUI opens."""
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--profile", help="integrator profile: a built-in name or a TOML file (default: demo)")
    parser.add_argument("--demo", action="store_true", help="open the wizard against the built-in sandbox")
    parser.add_argument("--self-test", action="store_true", help="check this installation and exit")


def gui_arguments(argv: list[str]) -> argparse.Namespace | None:
    """The parsed options when ``argv`` opens the GUI, else None.

    Building every command's parser imports every command's module, which the GUI does not
    need, so a command line of options alone is read without them; and none at all (how the
    wizard is started from its shortcut) needs no parser.
    """
    if not argv:
        return argparse.Namespace(profile=None, demo=False, self_test=False, command=None)
    parser = _OptionsParser(prog="mis-wizard", add_help=False)
    add_options(parser)
    try:
        args, rest = parser.parse_known_args(argv)
    except _NotJustOptions:
        return None
    if rest:
        return None
    args.command = None
    return args


def build_parser() -> Parser:
    parser = Parser(prog="mis-wizard", description=f"{APP_NAME}: connect your school's management system "
                    "to an education app. With no command, opens the wizard.")
    add_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    p = sub.add_parser("systems", help="list the school systems and the keys each needs")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_systems)

    p = sub.add_parser("sessions", help="list, show or delete saved sessions")
    p.add_argument("action", choices=("list", "show", "delete"))
    p.add_argument("session_id", nargs="?")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_sessions)

    p = sub.add_parser("check", help="check a system's keys live")
    add_system_arguments(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_check)

    from mis_wizard.wizard.mapping.cli import add_preview_arguments

    p = sub.add_parser("preview", help="show records as the integrator will receive them")
    add_system_arguments(p)
    add_preview_arguments(p)
    p.set_defaults(handler=cmd_preview)

    p = sub.add_parser("sandbox", help="serve emulated school systems on this computer")
    p.add_argument("--host", default="127.0.0.1", help="loopback only (127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="first port (0 picks free ports)")
    p.add_argument("--size", default="small", help="small, medium, large or a number of students (10–50000)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--tls", action="store_true", help="serve HTTPS with a generated self-signed certificate")
    p.add_argument("--json", action="store_true", help="print one JSON line describing the systems first")
    p.add_argument("--replay", type=Path, action="append", metavar="TRACE",
                   help="serve a trace from `mis-wizard capture` instead of the emulators (may be given again)")
    p.set_defaults(handler=cmd_sandbox)

    from mis_wizard.wizard import liss_receiver

    p = sub.add_parser("liss-serve", help="receive what a timetabler publishes over LISS (for on-premises use)")
    liss_receiver.add_arguments(p)
    p.set_defaults(handler=liss_receiver.run)

    for module in FEATURE_MODULES:
        importlib.import_module(module).add_commands(sub)
    return parser


def add_system_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("system", help=f"one of: {', '.join(registry.SYSTEM_IDS)}")
    p.add_argument("--credentials", required=True, type=Path, help="JSON file of the system's fields")
    p.add_argument("--profile", dest="sub_profile", help="integrator profile (built-in name or TOML file)")
    p.add_argument("--ca-cert", type=Path, help="extra certificate authority to trust (e.g. the sandbox's)")


def system_inputs(args: argparse.Namespace) -> tuple[VendorSpec, dict[str, Any], Profile, dict[str, Any]]:
    spec = get_spec(args.system)
    profile = get_profile(getattr(args, "sub_profile", None) or args.profile)
    credentials = read_credentials(args.credentials)
    return spec, credentials, profile, profile.requirements(spec.id)


def get_spec(system: str) -> VendorSpec:
    try:
        return registry.get(system)
    except KeyError as exc:
        raise UsageError(exc.args[0]) from exc


def get_profile(name: str | None) -> Profile:
    try:
        return load_profile(name)
    except ProfileError as exc:
        raise UsageError(f"profile problem: {exc}") from exc


def read_credentials(path: Path) -> dict[str, Any]:
    import json  # where used: the GUI's start has no use for it

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read credentials file {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise UsageError(f"credentials file {path} is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise UsageError(f"credentials file {path} is nested too deeply to be a credentials file; it should hold "
                         "one JSON object of field ids and values") from exc
    if not isinstance(data, dict):
        raise UsageError(f"credentials file {path} must hold a JSON object of field ids and values")
    return data


def new_context(profile: Profile, ca_cert: Path | None = None, **kwargs: Any) -> Context:
    """Call inside the event loop that will use it."""
    from mis_wizard.vendors.base import Context
    from mis_wizard.wizard.http import build_client

    return Context(http=build_client(allow_plain_http=profile.allow_plain_http, extra_ca=ca_cert), **kwargs)


def cmd_systems(args: argparse.Namespace) -> int:
    import json

    profile = get_profile(args.profile)
    rows: list[dict[str, Any]] = []
    for spec in registry.all_specs():
        reqs = profile.requirements(spec.id)
        rows.append({
            "id": spec.id, "name": spec.name, "region": spec.region, "summary": spec.summary,
            "live_check": spec.connector is not None,
            "fields": [_field_json(f) for f in spec.fields],
            "key_sets": [{"id": ks.id, "label": ks.label, "required": ks.required, "purpose": ks.purpose,
                          "fields": [_field_json(f) for f in ks.fields]} for ks in spec.key_sets(reqs)],
        })
    if args.json:
        print(json.dumps({"systems": rows}, indent=2))
        return EXIT_OK
    for row in rows:
        print(f"{row['id']:<12} {row['name']} ({row['region']}) — {row['summary']}")
        for f in row["fields"]:
            print(f"    {f['id']:<22} {f['label']} [{f['kind']}]")
        for ks in row["key_sets"]:
            print(f"    {ks['id']}: {ks['label']}{'' if ks['required'] else ' (optional)'}")
            for f in ks["fields"]:
                print(f"        {f['id']:<18} {f['label']} [{f['kind']}]")
    return EXIT_OK


def _field_json(f: Any) -> dict[str, Any]:
    return {"id": f.id, "label": f.label, "kind": f.kind.value, "required": f.required,
            "format": f.format_hint, "example": "" if f.secret else f.example}


def cmd_sessions(args: argparse.Namespace) -> int:
    import json

    from mis_wizard.wizard.secret_store import SecretStore
    from mis_wizard.wizard.session import SessionProblem, SessionStore

    store = SessionStore()
    if args.action == "list":
        sessions = store.list()
        for problem in store.problems:
            print(problem, file=sys.stderr)
        if args.json:
            print(json.dumps([{"id": s.id, "title": s.title, "system": s.system, "profile": s.profile,
                               "updated": s.updated} for s in sessions], indent=2))
        elif not sessions:
            print("No saved sessions.")
        for s in [] if args.json else sessions:
            print(f"{s.id}  {s.updated}  {s.title}")
        return EXIT_OK
    if not args.session_id:
        raise UsageError(f"sessions {args.action} needs a session id (see `mis-wizard sessions list`)")
    try:
        session = store.load(args.session_id)
        if args.action == "delete":
            store.delete(session.id, SecretStore())
            print(f"Deleted session {session.id} and its stored secrets.")
            return EXIT_OK
    except SessionProblem as exc:
        raise UsageError(str(exc)) from exc
    from dataclasses import asdict

    print(json.dumps(asdict(session), indent=2))
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    import asyncio
    import json

    from mis_wizard.wizard import checks

    spec, credentials, profile, reqs = system_inputs(args)

    from mis_wizard.wizard import proxy

    network: dict[str, Any] | None = None

    async def go() -> list[CheckResult]:
        nonlocal network
        ctx = new_context(profile, args.ca_cert)
        results = []
        async with ctx.http:
            async for result in checks.run(spec, ctx, credentials, reqs):
                results.append(result)
                if not args.json:
                    print_result(result)
            network = proxy.report_for(ctx.http)
        return results

    results = asyncio.run(go())
    ok = checks.passed(results)
    if args.json:
        print(json.dumps({"system": spec.id, "ok": ok, "results": [
            {k: r.to_json()[k] for k in ("key", "check", "status", "code", "message", "remedy", "elapsed_ms")}
            for r in results], "network": network}, indent=2))
    else:
        counts = checks.summary(results)
        print(f"\n{spec.name}: {counts['ok']} ok, {counts['warning']} warnings, {counts['failed']} failed, "
              f"{counts['skipped']} skipped.")
        print(proxy.describe_for_admin(network))
    return EXIT_OK if ok else EXIT_FAILED


def cmd_preview(args: argparse.Namespace) -> int:
    import asyncio

    from mis_wizard.wizard.mapping.cli import run_preview

    spec, credentials, profile, reqs = system_inputs(args)
    if spec.connector is None:
        raise UsageError(f"{spec.name} records cannot be read by this version of the wizard yet")

    async def go() -> int:
        ctx = new_context(profile, args.ca_cert)
        async with ctx.http:
            return await run_preview(args, spec, ctx, credentials, reqs, profile)

    return asyncio.run(go())


def print_result(r: CheckResult) -> None:
    print(f"[{STATUS_MARK[r.status]}] {r.key}: {r.check} — {r.message} ({r.code}, {r.elapsed_ms} ms)")
    if r.remedy and r.status in ("failed", "warning"):
        print(f"        What to do: {r.remedy}")


def start_sandbox(size: str | int = "small", seed: int = 1, port: int = 0, tls: bool = False,
                  host: str = "127.0.0.1") -> Any:
    """Start every emulator; shared by `sandbox` and `--demo`."""
    from mis_wizard.vendors.sandbox import school as school_model
    from mis_wizard.vendors.sandbox.kit import Sandbox
    from mis_wizard.wizard import paths

    school = school_model.generate(seed=seed, size=size)
    box = Sandbox(host=host, tls_dir=paths.data_dir() / "sandbox-tls" if tls else None)
    i = 0
    for spec in registry.all_specs():
        if spec.emulator is not None:
            box.add(spec.emulator(school), port=port + i if port else 0)
            i += 1
    return box


def start_replay(traces: list[Path], port: int = 0, tls: bool = False, host: str = "127.0.0.1") -> Any:
    """Serve each trace as its system's emulator (a TraceError is a ValueError: unusable input)."""
    from mis_wizard.vendors.sandbox.kit import Sandbox
    from mis_wizard.wizard import paths
    from mis_wizard.wizard.trace import record, replay

    emulators = [replay.ReplayEmulator(record.load(path)) for path in traces]
    systems = [e.system for e in emulators]
    if len(set(systems)) < len(systems):
        raise ValueError("Two of these traces are from the same system; serve one of them at a time.")
    box = Sandbox(host=host, tls_dir=paths.data_dir() / "sandbox-tls" if tls else None)
    for i, emulator in enumerate(emulators):
        hosted = box.add(emulator, port=port + i if port else 0)
        emulator.credentials(hosted.base_url)  # tells the replay its own address, for {origin}
    return box


def cmd_sandbox(args: argparse.Namespace) -> int:
    import json
    import threading

    try:
        box = start_replay(args.replay, args.port, args.tls, args.host) if args.replay else \
            start_sandbox(args.size, args.seed, args.port, args.tls, args.host)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    with box:
        if args.json:
            print(json.dumps(box.describe()), flush=True)
        else:
            for sid, info in box.describe()["systems"].items():
                print(f"{sid:<12} {info['base_url']}  ({len(info['scenarios'])} mistake scenarios)", flush=True)
            print("Serving until interrupted (Ctrl+C).", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return EXIT_OK


def main(argv: list[str] | None = None, gui: Callable[[argparse.Namespace], int] | None = None) -> int:
    """Run a command; with none, hand over to ``gui`` (the ui layer passes itself in).

    A reader that stops early (``mis-wizard … --json | head``) closes the output: the command
    then ends quietly with exit 0, as other command-line tools do.
    """
    if (sys.argv[1:] if argv is None else argv) == ["--pac-worker"]:  # the frozen program's PAC evaluator
        from mis_wizard.wizard import pac_worker

        return pac_worker.serve(sys.stdin, sys.stdout)
    try:
        return _main(argv, gui)
    except OSError as exc:
        if not _output_closed(exc):
            raise
        _silence_stdout()
        return EXIT_OK


def _output_closed(exc: BaseException) -> bool:
    """A write to stdout failed because its reader went away (EINVAL is how Windows says so for a pipe)."""
    if isinstance(exc, BrokenPipeError):
        return True
    if isinstance(exc, OSError) and exc.errno == errno.EINVAL and sys.platform == "win32":
        try:
            sys.stdout.flush()
        except OSError:
            return True
    return False


def _silence_stdout() -> None:
    """Point stdout at the null device, so the interpreter's last flush at exit has nowhere to fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real stdout (the windowed program)
        pass


def _main(argv: list[str] | None, gui: Callable[[argparse.Namespace], int] | None) -> int:
    args = gui_arguments(sys.argv[1:] if argv is None else argv) if gui is not None else None
    if args is None:
        args = build_parser().parse_args(argv)
    log_path = logs.setup()
    try:
        if args.command is None:
            if gui is None:
                raise UsageError("the GUI is not available in this entry point; run `mis-wizard`")
            return gui(args)
        handler: Handler = args.handler
        code = handler(args)
        if sys.stdout is not None:
            sys.stdout.flush()  # here, where a closed output is recognised, not at the interpreter's exit
        return code
    except UsageError as exc:
        print(f"mis-wizard: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("mis-wizard: interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:
        if _output_closed(exc):
            logging.getLogger("mis_wizard").info("%s: the output was closed by its reader; stopped", args.command)
            raise
        from mis_wizard.wizard.session import SessionProblem

        if isinstance(exc, SessionProblem):
            print(f"mis-wizard: {exc}", file=sys.stderr)
            return EXIT_USAGE
        logging.getLogger("mis_wizard").exception("unexpected error in %s", args.command or "gui")
        print(f"mis-wizard: unexpected error; the details are in the log ({log_path}). "
              "Please send `mis-wizard support-report` to the integrator.", file=sys.stderr)
        return EXIT_FAILED
