"""Preview, validation report, field codes and the preview CLI: over datasets from the school,
and end to end over the sandbox with the real Integris and iSAMS connectors."""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import io
import json
import os
import stat

import pytest

from mis_wizard.vendors.base import Context
from mis_wizard.vendors.integris import SPEC as INTEGRIS
from mis_wizard.vendors.integris.sandbox import IntegrisEmulator
from mis_wizard.vendors.isams import SPEC as ISAMS
from mis_wizard.vendors.isams.sandbox import IsamsEmulator
from mis_wizard.wizard import profile as profiles
from mis_wizard.wizard.http import build_client
from mis_wizard.wizard.mapping import filters
from mis_wizard.wizard.mapping.cli import add_preview_arguments, run_preview
from mis_wizard.wizard.mapping.field_codes import field_codes, to_csv
from mis_wizard.wizard.mapping.preview import PreviewError, build_report, preview, validation_report
from mis_wizard.wizard.mapping.schema import parse_targets
from mis_wizard.wizard.mapping.transforms import MapContext

CTX = MapContext(today=dt.date(2026, 11, 22))


def test_report_over_the_school_counts_every_demo_filter_and_field_error(small_school, dataset):
    demo = profiles.load_builtin("demo")
    report = build_report(parse_targets(demo.targets), filters.specs(demo.filters), dataset, map_ctx=CTX)
    by_key = {f.key: f for f in report.filters}
    assert by_key["students.students_in_class"].unavailable == ""
    assert by_key["students.year_collisions"].flagged > 0
    classes = by_key["classes.class_types"]
    assert classes.dropped == classes.reasons["no students"] >= 1  # every kind taken: only empty classes go
    students = next(t for t in report.targets if t.name == "students")
    assert students.kept == len(small_school.students) - by_key["students.students_in_class"].dropped
    text = report.to_text()
    assert "Students in at least one class [students]:" in text and "e.g." in text
    json.dumps(report.to_json())


def test_a_bad_session_rule_shows_as_field_errors_in_the_report(dataset):
    demo = profiles.load_builtin("demo")
    mapping = {"students": {"birth_date": {"kind": "transform", "source": "student.birth_date",
                                           "steps": [{"name": "date", "params": {"order": "MDY"}}]}}}
    report = build_report(parse_targets(demo.targets), [], dataset, mapping, map_ctx=CTX)
    students = next(t for t in report.targets if t.name == "students")
    assert students.with_errors > 0
    assert any(p.startswith("Birth date The value of “Birth date”") for p in students.errors)


def test_field_codes_list_each_source_field_with_its_distinct_values(small_school, dataset):
    rows = list(csv.DictReader(io.StringIO(to_csv(field_codes(dataset["students"])))))
    genders = {r["value"]: int(r["count"]) for r in rows if r["field"] == "student.gender"}
    assert sum(genders.values()) == len(small_school.students) and set(genders) <= {"M", "F", "X"}
    ids = [r for r in rows if r["field"] == "student.id"]
    assert len(ids) == len(small_school.students)
    short = list(csv.DictReader(io.StringIO(to_csv(field_codes(dataset["students"]), max_values=3))))
    assert any("more distinct values" in r["value"] for r in short)


@pytest.fixture
def integris(sandbox, small_school):
    hosted = sandbox.add(IntegrisEmulator(small_school))
    return hosted.emulator.credentials(hosted.base_url)


def run(coro_fn):
    async def go():
        async with build_client(backoff=0.01) as http:
            return await coro_fn(Context(http))
    return asyncio.run(go())


def test_preview_over_the_integris_sandbox_maps_first_n_and_sample_ids(integris, small_school):
    pe = profiles.load_builtin("parents-evenings")
    reqs = INTEGRIS.requirements(pe.systems.get("integris"))
    first = run(lambda ctx: preview(INTEGRIS, ctx, integris, reqs, pe, None, "students", 3, map_ctx=CTX))
    assert len(first.records) == 3 and not first.raw
    cells = {c.field: c for c in first.records[0].cells}
    student = next(s for s in small_school.students if s.id == first.records[0].id)
    assert cells["Date of Birth"].value == student.birth_date.isoformat()
    assert cells["Surname"].value == student.last_name
    wanted = [small_school.students[7].id, "NOPE", small_school.students[2].id]
    picked = run(lambda ctx: preview(INTEGRIS, ctx, integris, reqs, pe, None, "students", 5, wanted))
    assert [r.id for r in picked.records] == [wanted[0], wanted[2]]
    assert picked.missing_samples == ["NOPE"]
    assert "Date of Birth" in picked.to_text()


def test_preview_of_an_entity_without_a_target_shows_raw_fields_with_concepts(integris):
    pe = profiles.load_builtin("parents-evenings")
    out = run(lambda ctx: preview(INTEGRIS, ctx, integris, INTEGRIS.requirements(), pe, None,
                                  "group_memberships", 2))
    assert out.raw and any("(group_membership.group_id)" in f for f in out.fields)
    with pytest.raises(PreviewError, match="No target or entity"):
        run(lambda ctx: preview(INTEGRIS, ctx, integris, INTEGRIS.requirements(), pe, None, "lockers", 2))


def test_validation_report_over_the_integris_sandbox(integris, small_school):
    pe = profiles.load_builtin("parents-evenings")
    reqs = INTEGRIS.requirements(pe.systems.get("integris"))
    report = run(lambda ctx: validation_report(INTEGRIS, ctx, integris, reqs, pe, map_ctx=CTX))
    assert report.read["students"] == len(small_school.current_students())
    by_key = {f.key: f for f in report.filters}
    # every current student has a registration group, which Integris sends as a class
    assert by_key["students.students_in_class"].dropped == 0
    assert by_key["contact_links.parental_responsibility"].dropped > 0
    assert by_key["contacts.split_combined"].unavailable == ""
    assert not report.not_read
    text = json.dumps(report.to_json()) + report.to_text()
    for _key_set, f in INTEGRIS.all_fields(reqs):
        if f.secret:
            secret = (integris.get(_key_set) or {}).get(f.id) if _key_set else integris.get(f.id)
            assert secret and secret not in text


def test_activities_report_over_the_isams_sandbox_flags_emails(sandbox, small_school):
    hosted = sandbox.add(IsamsEmulator(small_school))
    creds = hosted.emulator.credentials(hosted.base_url)
    act = profiles.load_builtin("activities")
    reqs = ISAMS.requirements(act.systems.get("isams"))
    report = run(lambda ctx: validation_report(ISAMS, ctx, creds, reqs, act, map_ctx=CTX))
    by_key = {f.key: f for f in report.filters}
    assert by_key["contacts.unique_email"].before > 0
    # iSAMS sends no contact type a source confirms (it applies the profile's types as the Contacts
    # filter instead), so the rule says it could not run rather than dropping every contact.
    assert by_key["contacts.contact_types"].dropped == 0
    assert by_key["contacts.contact_types"].unavailable == "this system sends no contact types"
    assert "staff.unique_email" in by_key


def cli_args(*argv):
    parser = argparse.ArgumentParser()
    add_preview_arguments(parser)
    return parser.parse_args(list(argv))


def test_cli_prints_mapped_records_with_errors_as_text_and_json(integris, capsys, tmp_path, small_school):
    pe = profiles.load_builtin("parents-evenings")
    reqs = INTEGRIS.requirements()
    code = run(lambda ctx: run_preview(cli_args("--entity", "contacts", "--limit", "4"), INTEGRIS, ctx,
                                       integris, reqs, pe))
    out = capsys.readouterr().out
    assert code in (0, 1) and "contacts (contacts): 4 mapped records" in out
    code = run(lambda ctx: run_preview(cli_args("--entity", "students", "--json", "--sample",
                                                small_school.students[0].id), INTEGRIS, ctx, integris, reqs, pe))
    data = json.loads(capsys.readouterr().out)
    assert data["records"][0]["id"] == small_school.students[0].id
    csv_path = tmp_path / "codes.csv"
    assert run(lambda ctx: run_preview(cli_args("--entity", "students", "--field-codes", str(csv_path)),
                                       INTEGRIS, ctx, integris, reqs, pe)) == 0
    assert "student.last_name" in csv_path.read_text(encoding="utf-8")
    assert os.name != "posix" or stat.S_IMODE(csv_path.stat().st_mode) == 0o600, "holds pupils' data: user only"
    assert run(lambda ctx: run_preview(cli_args("--entity", "students", "--sample", *"abcdef"), INTEGRIS, ctx,
                                       integris, reqs, pe)) == 2
    assert "at most 5" in capsys.readouterr().out


def test_cli_report_and_refusal(integris, capsys):
    pe = profiles.load_builtin("parents-evenings")
    code = run(lambda ctx: run_preview(cli_args("--entity", "students", "--report"), INTEGRIS, ctx, integris,
                                       INTEGRIS.requirements(), pe))
    assert code in (0, 1) and "Students in at least one class" in capsys.readouterr().out
    wrong = json.loads(json.dumps(integris))
    for value in wrong.values():
        if isinstance(value, dict):
            for field in value:
                if "secret" in field:
                    value[field] = "wrong-" + value[field]
    code = run(lambda ctx: run_preview(cli_args("--entity", "students"), INTEGRIS, ctx, wrong,
                                       INTEGRIS.requirements(), pe))
    out = capsys.readouterr().out
    assert code == 2 and "refused" in out and "wrong-" not in out
