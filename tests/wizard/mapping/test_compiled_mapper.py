"""The generated row function gives exactly what the field-by-field loop gives, and what the profile
or the admin typed reaches it only as data.

Every system's emulator is read over the sandbox with the demo and OneRoster profiles, and each
target's records go through a compiled Mapper and an interpreted one (``compiled=False``), as
read and spoilt (blank, wrong types, impossible dates, unknown codes, long and multi-line text),
with the profiles' own rules and with Overwrite turned on. Values, errors, ids and the unmatched
match codes must be the same, and the same as the preview's Cells.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from mis_wizard.vendors import registry
from mis_wizard.vendors.base import Context
from mis_wizard.vendors.sandbox.kit import Sandbox
from mis_wizard.wizard.http import build_client
from mis_wizard.wizard.mapping.mapper import Mapper, effective_rules
from mis_wizard.wizard.mapping.rules import Rule
from mis_wizard.wizard.mapping.schema import Target, TargetField, parse_targets, target_problems
from mis_wizard.wizard.mapping.transforms import MapContext
from mis_wizard.wizard.profile import load_builtin
from mis_wizard.wizard.subject import from_credentials
from mis_wizard.wizard.sync import engine
from mis_wizard.wizard.sync.report import RunReport

PROFILES = ("demo", "oneroster")
CTX = MapContext(today=dt.date(2026, 11, 22), date_order="DMY", school_year_start_month=2)


@pytest.fixture(scope="module")
def pulled(small_school) -> dict[tuple[str, str], dict[str, list[dict[str, Any]]]]:
    """(profile, system) → the canonical records a sync reads."""
    out = {}
    with Sandbox() as box:
        for spec in registry.all_specs():
            box.add(spec.emulator(small_school))
        described = box.describe()["systems"]
        for profile_name in PROFILES:
            profile = load_builtin(profile_name)
            for system in registry.SYSTEM_IDS:
                if system not in described or not profile.offers(system):
                    continue
                subject = from_credentials(system, described[system]["credentials"], profile)

                async def pull(subject: Any = subject) -> dict[str, list[dict[str, Any]]]:
                    async with build_client(backoff=0.01) as http:
                        return await engine.pull(subject, Context(http=http), engine.entities_for(subject, []),
                                                 RunReport(system=subject.spec.id, sink="test"))

                out[(profile_name, system)] = asyncio.run(pull())
    return out


def spoilt(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records as read, then copies with every value replaced by something a field's rule or
    check has to say something about."""
    bad_values = ["", "   ", None, 17, True, ["a", "b"], "31/02/2010", "2010-13-45", "x\ny", "é" * 80,
                  " Unknown code ", "not an e-mail", "M", "f", "current", "Y"]
    out = list(records)
    for i, record in enumerate(records[:40]):
        for j, bad in enumerate(bad_values):
            out.append({k: (v if (i + j + n) % 3 else bad) for n, (k, v) in enumerate(record.items())})
        out.append({k: bad_values[(i + n) % len(bad_values)] for n, k in enumerate(record)})
    return out


def overwriting(target: Target) -> dict[str, Rule]:
    """The target's rules with Overwrite on, so blanks are sent as blanks."""
    rules = effective_rules(target, None)
    return {name: Rule.from_json({**rule.to_json(), "overwrite": True}) if rule.kind != "skip" else rule
            for name, rule in rules.items()}


def compare(target: Target, rules: dict[str, Rule], records: list[dict[str, Any]]) -> int:
    compiled, interpreted = Mapper(target, rules, CTX), Mapper(target, rules, CTX, compiled=False)
    assert compiled.row_source and not interpreted.row_source
    errors = 0
    for record in records:
        ours, theirs = compiled.row(record), interpreted.row(record)
        assert ours == theirs, (target.name, record)
        cells = interpreted.map(record)
        assert ours[1] == cells.values() and dict(ours[2]) == cells.errors and ours[0] == cells.id
        errors += len(ours[2])
    # map() counted the unmatched codes once more on the interpreted side
    assert {k: {c: n * 2 for c, n in v.items()} for k, v in compiled.unmatched.items()} == interpreted.unmatched
    return errors


@pytest.mark.parametrize("profile_name", PROFILES)
def test_compiled_rows_are_the_interpreted_rows_for_every_system(pulled, profile_name: str) -> None:
    profile = load_builtin(profile_name)
    seen_errors = compared = 0
    systems = [system for (name, system) in pulled if name == profile_name]
    assert len(systems) >= 3, systems
    for system in systems:
        dataset = pulled[(profile_name, system)]
        for target in profile.target_schema.values():
            records = dataset.get(target.entity, [])
            if not records:
                continue
            for rules in (effective_rules(target, None), overwriting(target)):
                seen_errors += compare(target, rules, spoilt(records))
                compared += 1
    assert compared >= len(systems)
    assert seen_errors > 100  # the spoilt copies did reach the error paths


def test_unmatched_codes_and_their_errors_are_counted_the_same() -> None:
    target = Target("students", "students", (
        TargetField("id", "student.id", required=True, format="code"),
        TargetField("gender", "student.gender", format="code", values=("Male", "Female"),
                    rule=Rule.from_json({"kind": "match", "source": "student.gender",
                                         "table": {"M": "Male", "F": "Female", "X": "Other", " Q ": "Male"}})),
        TargetField("house", "student.house", rule=Rule.from_json(
            {"kind": "match", "source": "student.house", "table": {"B": "Banksia"}, "default": "Unknown"})),
    ))
    rules = effective_rules(target, None)
    records = [{"student.id": str(i), "student.gender": g, "student.house": h}
               for i, (g, h) in enumerate([("M", "B"), ("m", "b"), ("X", "W"), (" Q ", ""), ("Q", None), ("Z", "W"),
                                           ("", 3), (" f ", "B ")])]
    compiled, interpreted = Mapper(target, rules, CTX), Mapper(target, rules, CTX, compiled=False)
    rows = [compiled.row(r) for r in records]
    assert rows == [interpreted.row(r) for r in records]
    assert rows[2][2] == {"gender": "is not one of the codes the integrator accepts (Male, Female)"}
    assert rows[5][2] == {"gender": "has no match code for this value; add it to the table"}
    assert compiled.unmatched == interpreted.unmatched
    assert compiled.unmatched["house"] == {"W": 2, "3": 1}
    assert compiled.unmatched["gender"] == {"Z": 1}


HOSTILE = ['"); __import__("os").system("echo pwned") #', "'\n__import__('os')\n'", '\\"\n\tx = 1',
           "{__import__}", "\"\"\"", "${{}}"]


def test_what_a_profile_types_is_data_and_never_reaches_the_generated_source() -> None:
    """Field names, sources, fixed values, separators and match-code tables with quotes, newlines
    and ``__import__``: the generated source holds none of them, and the values come out as typed."""
    data = {"id": "hostile", "name": "Hostile", "targets": {"students": {"entity": "students", "fields": [
        f for i, text in enumerate(HOSTILE) for f in (
            {"name": text, "concept": "student.code", "purpose": "A hostile name.", "rule": {
                "kind": "transform", "steps": [
                    {"name": "fixed", "params": {"value": text}}, {"name": "default", "params": {"value": text}}]}},
            {"name": f"match {i} {text}", "format": "code", "purpose": "A hostile table.", "rule": {
                "kind": "match", "source": "raw:" + text, "table": {text: text, "other": "x"}, "default": text}},
            {"name": f"join {i}", "purpose": "A hostile separator.", "rule": {
                "kind": "transform", "source": "raw:" + text, "steps": [
                    {"name": "trim"}, {"name": "concat", "params": {"sources": ["raw:" + text, "student.first_name"],
                                                                    "separator": text}}]}},
        )]}}}
    assert not target_problems(data["targets"])
    target = parse_targets(data["targets"])["students"]
    mapper = Mapper(target, effective_rules(target, None), CTX)
    for text in HOSTILE:
        assert text not in mapper.row_source
        assert repr(text)[1:-1] not in mapper.row_source
    assert "__import__" not in mapper.row_source and "pwned" not in mapper.row_source
    for line in mapper.row_source.splitlines()[1:]:  # nothing but generated names and fixed snippets
        assert line.startswith("    ") and "'" not in line, line
    record = {"student.id": "1", "student.first_name": "Ann", **{"raw:" + t: f" {t} " for t in HOSTILE}}
    rid, values, errors = mapper.row(record)
    assert (rid, values, errors) == Mapper(target, effective_rules(target, None), CTX, compiled=False).row(record)
    for i, text in enumerate(HOSTILE):
        assert values[text] == text
        assert values[f"join {i}"] == (f"{text.strip()}{text}Ann" if text.strip() else "Ann")
        assert values[f"match {i} {text}"] == text
