"""`bundle`, `keygen`, `template` and `support-report` subcommands."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from mis_wizard.wizard import atomic
from mis_wizard.wizard.cli import EXIT_FAILED, EXIT_OK, UsageError, get_profile, read_credentials
from mis_wizard.wizard.handoff import bundle, support, workbook
from mis_wizard.wizard.secret_store import SecretStore
from mis_wizard.wizard.session import SessionProblem, SessionStore
from mis_wizard.wizard.subject import Subject, from_credentials, from_session


def add_subject_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("system", nargs="?", help="system id, with --credentials (or use --session)")
    p.add_argument("--session", help="a saved session id")
    p.add_argument("--credentials", type=Path, help="JSON file of the system's fields")
    p.add_argument("--profile", dest="sub_profile", help="integrator profile (built-in name or TOML file)")


def subject_from(args: argparse.Namespace) -> Subject:
    if args.session:
        if args.system or args.credentials:
            raise UsageError("give either --session ID or SYSTEM --credentials FILE, not both")
        try:
            return from_session(SessionStore().load(args.session))
        except SessionProblem as exc:
            raise UsageError(str(exc)) from exc
    if not (args.system and args.credentials):
        raise UsageError("say what to use: --session ID, or SYSTEM --credentials FILE")
    from mis_wizard.wizard.cli import get_spec

    spec = get_spec(args.system)
    return from_credentials(spec.id, read_credentials(args.credentials),
                            get_profile(args.sub_profile or args.profile))


def secret_from_env(name: str | None, what: str) -> str | None:
    if not name:
        return None
    value = os.environ.get(name, "")
    if not value:
        raise UsageError(f"environment variable {name} (the {what}) is empty or not set")
    return value


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("bundle", help="create or open an encrypted bundle")
    actions = p.add_subparsers(dest="bundle_action", required=True, metavar="ACTION")
    c = actions.add_parser("create", help="encrypt credentials, checks and mapping for the integrator")
    add_subject_arguments(c)
    c.add_argument("--recipient", action="append", default=[], help="an age public key (age1…); repeatable")
    c.add_argument("--replace-recipients", action="store_true",
                   help="use only the --recipient keys, not the profile's")
    c.add_argument("--passphrase-env", metavar="NAME", help="encrypt to the passphrase in this variable")
    c.add_argument("--out", type=Path, required=True)
    c.set_defaults(handler=cmd_bundle_create)
    o = actions.add_parser("open", help="decrypt a bundle (the integrator's side)")
    o.add_argument("file", type=Path)
    o.add_argument("--identity", type=Path, help="the age identity file from `mis-wizard keygen`")
    o.add_argument("--passphrase-env", metavar="NAME")
    o.add_argument("--out", type=Path, help="folder to write the opened parts to")
    o.add_argument("--json", action="store_true")
    o.set_defaults(handler=cmd_bundle_open)

    k = sub.add_parser("keygen", help="make an integrator identity and print its public key")
    k.add_argument("--out", type=Path, required=True)
    k.set_defaults(handler=cmd_keygen)

    t = sub.add_parser("template", help="export or import the credentials workbook")
    tactions = t.add_subparsers(dest="template_action", required=True, metavar="ACTION")
    e = tactions.add_parser("export", help="write the credentials workbook (xlsx)")
    add_subject_arguments(e)
    e.add_argument("--out", type=Path, required=True)
    e.add_argument("--include-secrets", action="store_true",
                   help="write secrets into the workbook in plain text (you will be warned)")
    e.set_defaults(handler=cmd_template_export)
    i = tactions.add_parser("import", help="start a new session from a filled workbook")
    i.add_argument("file", type=Path)
    i.set_defaults(handler=cmd_template_import)

    s = sub.add_parser("support-report", help="write a report for the integrator's support (no secrets)")
    s.add_argument("--session", required=True)
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--json", action="store_true", help="write JSON rather than text")
    s.set_defaults(handler=cmd_support_report)


def cmd_bundle_create(args: argparse.Namespace) -> int:
    subject = subject_from(args)
    recipients = None
    if args.recipient:
        recipients = list(args.recipient) + ([] if args.replace_recipients else list(subject.profile.recipients))
    elif args.replace_recipients:
        raise UsageError("--replace-recipients needs at least one --recipient")
    try:
        out = bundle.create(subject, args.out, recipients, secret_from_env(args.passphrase_env, "passphrase"))
    except bundle.BundleError as exc:
        raise UsageError(str(exc)) from exc
    print(f"Wrote {out} for {subject.profile.integrator.name}. It is safe to e-mail.")
    return EXIT_OK


def cmd_bundle_open(args: argparse.Namespace) -> int:
    try:
        opened = bundle.open_bundle(args.file, args.identity, secret_from_env(args.passphrase_env, "passphrase"))
    except bundle.BundleError as exc:
        print(f"mis-wizard: {exc} [{exc.code}]", file=sys.stderr)
        return EXIT_FAILED
    if args.out:
        for path in bundle.write_opened(opened, args.out):
            print(f"Wrote {path}", file=sys.stderr)
    if args.json:
        print(json.dumps({"manifest": opened.manifest, "credentials": opened.credentials,
                          "checks": opened.checks, "mapping": opened.mapping, "receipt": opened.receipt}, indent=2))
    else:
        m = opened.manifest
        print(f"{m['system']['name']} for {m['profile']['integrator']} — school {m['school'].get('name', '')!r}, "
              f"created {m['created']} by {m['ran_by']}; data areas: {', '.join(m['data_areas'])}")
    return EXIT_OK


def cmd_keygen(args: argparse.Namespace) -> int:
    try:
        public = bundle.generate_identity(args.out)
    except bundle.BundleError as exc:
        raise UsageError(str(exc)) from exc
    print(f"Identity written to {args.out} (keep it private). Public key for your profile's recipients:",
          file=sys.stderr)
    print(public)
    return EXIT_OK


def cmd_template_export(args: argparse.Namespace) -> int:
    subject = subject_from(args)
    if args.include_secrets:
        print("Warning: this workbook will contain secrets in plain text. Do not e-mail it; "
              "send the encrypted bundle instead.", file=sys.stderr)
    workbook.export(subject, args.out, include_secrets=args.include_secrets)
    print(f"Wrote {args.out}")
    return EXIT_OK


def cmd_template_import(args: argparse.Namespace) -> int:
    try:
        system, profile_id, school, credentials = workbook.read(args.file)
    except workbook.WorkbookError as exc:
        raise UsageError(str(exc)) from exc
    profile = get_profile(profile_id)
    store = SessionStore()
    session = store.new(profile=profile.ref, system=system)
    session.school = school
    secrets = SecretStore()
    session.import_credentials(credentials, profile.requirements(system), secrets)
    store.save(session)
    print(f"Created session {session.id}: {session.title}")
    if not secrets.persistent and _has_secret(session.credentials):
        print("Note: this computer has no credential store the wizard can use, so the secrets from the workbook "
              "were held in memory only while this command ran and are not saved with the session. Enter them "
              "again in the wizard before checking or exporting, or set up a credential store and import again.",
              file=sys.stderr)
    return EXIT_OK


def _has_secret(credentials: object) -> bool:
    from mis_wizard.wizard.secret_store import is_ref

    if is_ref(credentials):
        return True
    return isinstance(credentials, dict) and any(_has_secret(v) for v in credentials.values())


def cmd_support_report(args: argparse.Namespace) -> int:
    try:
        session = SessionStore().load(args.session)
    except SessionProblem as exc:
        raise UsageError(str(exc)) from exc
    report = support.build(session)
    text = json.dumps(report, indent=2) if args.json else support.as_text(report)
    atomic.write_bytes(args.out, text.encode("utf-8"))
    print(f"Wrote {args.out}")
    return EXIT_OK
