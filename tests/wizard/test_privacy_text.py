"""Text outside the window follows the same masking rule (wizard/privacy.shown): ``preview --safe``
prints personal values by their shape and structural ones as they are; and the logs and the
support report never carry a record's value, after a check, a preview and a whole-school report
over the Integris and iSAMS emulators."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import re

import pytest

from mis_wizard.vendors import registry
from mis_wizard.vendors.base import Context
from mis_wizard.wizard import checks, logs
from mis_wizard.wizard import profile as profiles
from mis_wizard.wizard.handoff import support
from mis_wizard.wizard.http import build_client
from mis_wizard.wizard.mapping import preview as previewing
from mis_wizard.wizard.mapping.cli import add_preview_arguments, run_preview
from mis_wizard.wizard.session import SessionStore


def personal(school) -> tuple[set[str], set[str]]:
    names: set[str] = set()
    values: set[str] = set()
    for s in school.students:
        names |= {s.first_name, s.last_name, s.preferred_name}
        values |= {s.id, s.code, s.email, s.birth_date.isoformat(), s.birth_date.strftime("%d/%m/%Y")}
    for c in school.contacts:
        names |= {c.first_name, c.last_name}
        values |= {c.id, c.email, c.mobile}
    for p in school.staff:
        names |= {p.first_name, p.last_name}
        values |= {p.id, p.email}
    return {n for n in names if len(n) >= 3}, {v for v in values if v and len(v) >= 5}


def leaks(text: str, names: set[str], values: set[str]) -> set[str]:
    words = {w.strip("'’") for w in re.findall(r"[A-Za-z][A-Za-z'’]*", text)}
    return (words & names) | {v for v in values if v in text} | {n for n in names if " " in n and n in text}


def run(coro_fn):
    async def go():
        async with build_client(backoff=0.01) as http:
            return await coro_fn(Context(http))
    return asyncio.run(go())


def cli_args(*argv):
    parser = argparse.ArgumentParser()
    add_preview_arguments(parser)
    return parser.parse_args(list(argv))


@pytest.mark.parametrize("entity", ["students", "contacts"])
def test_preview_text_with_safe_shows_shapes_and_structure(sandbox, small_school, capsys, entity):
    spec = registry.get("integris")
    hosted = sandbox.add(spec.emulator(small_school))
    creds = hosted.emulator.credentials(hosted.base_url)
    demo = profiles.load_builtin("demo")
    reqs = demo.requirements("integris")
    names, values = personal(small_school)
    outs = {}
    for safe in (False, True):
        argv = ["--entity", entity, "--limit", "10"] + (["--safe"] if safe else [])
        assert run(lambda ctx, a=argv: run_preview(cli_args(*a), spec, ctx, creds, reqs, demo)) in (0, 1)
        outs[safe] = capsys.readouterr().out
    assert leaks(outs[False], names, values), "without --safe the values are printed"
    assert not leaks(outs[True], names, values), sorted(leaks(outs[True], names, values))[:10]
    if entity == "students":
        years = {y.name for y in small_school.years}
        assert any(y in outs[True] for y in years), "year names are printed as they are"
        assert re.search(r"'\d\d••-••-[\d•]•'", outs[True]), "a birth date keeps its form"
    for safe in (False, True):
        argv = ["--entity", entity, "--report"] + (["--safe"] if safe else [])
        run(lambda ctx, a=argv: run_preview(cli_args(*a), spec, ctx, creds, reqs, demo))
        outs[safe] = capsys.readouterr().out
    assert not leaks(outs[True], names, values), sorted(leaks(outs[True], names, values))[:10]


def test_safe_is_explained_in_the_help():
    parser = argparse.ArgumentParser()
    add_preview_arguments(parser)
    said = parser.format_help()
    assert "--safe" in said and "Off by default" in said


@pytest.mark.parametrize("system_id", ["integris", "isams"])
def test_logs_and_support_report_carry_no_record_value(system_id, sandbox, small_school, caplog, tmp_path):
    spec = registry.get(system_id)
    hosted = sandbox.add(spec.emulator(small_school))
    creds = hosted.emulator.credentials(hosted.base_url)
    demo = profiles.load_builtin("demo")
    reqs = demo.requirements(system_id)
    names, values = personal(small_school)
    logs.setup(logging.DEBUG)
    caplog.set_level(logging.DEBUG)

    async def work(ctx):
        results = [r async for r in checks.run(spec, ctx, creds, reqs)]
        shown = await previewing.preview(spec, ctx, creds, reqs, demo, None, "students", 20)
        report = await previewing.validation_report(spec, ctx, creds, reqs, demo)
        return results, shown, report

    results, shown, report = run(work)
    assert shown.records and report.read, "records were read"
    store = SessionStore()
    session = store.new(system=system_id)
    session.school = {"name": "Riverbend", "contact_name": "Jordan Smith", "contact_email": "jordan@riverbend.example"}
    session.checks = checks.record(results, creds, dt.datetime.now(dt.UTC).isoformat())
    store.save(session)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert logged, "the run logged"
    assert not leaks(logged, names, values), sorted(leaks(logged, names, values))[:10]
    text = support.as_text(support.build(session))
    assert not leaks(text, names, values), sorted(leaks(text, names, values))[:10]
    assert "Jordan Smith" not in text
