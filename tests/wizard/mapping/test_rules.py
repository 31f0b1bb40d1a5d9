"""Every rule kind and transform, against the synthetic school's raw values and quirks."""

from __future__ import annotations

import datetime as dt

import pytest

from mis_wizard.wizard.mapping.rules import Rule, RuleError, RuleKind
from mis_wizard.wizard.mapping.transforms import MapContext, TransformError, parse_date

CTX = MapContext(today=dt.date(2026, 11, 22))


def rule(**data) -> Rule:
    return Rule.from_json(data)


@pytest.mark.parametrize("raw, order, iso", [
    ("04/03/2010", "DMY", "2010-03-04"), ("03/04/2010", "MDY", "2010-03-04"), ("2010-03-04", "DMY", "2010-03-04"),
    ("2010-03-04T00:00:00", "DMY", "2010-03-04"), ("2010-03-04T00:00:00.000Z", "MDY", "2010-03-04"),
    ("2010/03/04", "DMY", "2010-03-04"), ("20100304", "DMY", "2010-03-04"), ("20100304T00:00:00", "DMY", "2010-03-04"),
    ("4 March 2010", "DMY", "2010-03-04"),
    ("March 4, 2010", "MDY", "2010-03-04"), ("04-Mar-2010", "DMY", "2010-03-04"), ("4.3.10", "DMY", "2010-03-04"),
    ("/Date(1267660800000)/", "DMY", "2010-03-04"), ("4/3/2010 12:00:00 AM", "DMY", "2010-03-04"),
])
def test_dates_from_every_source_form(raw, order, iso):
    assert parse_date(raw, order).isoformat() == iso


def test_a_us_date_read_as_day_first_says_to_change_the_order():
    with pytest.raises(TransformError, match="MM/DD/YYYY"):
        parse_date("03/25/2010", "DMY")
    with pytest.raises(TransformError, match="not a real calendar date"):
        parse_date("31/02/2010")
    with pytest.raises(TransformError, match="not a date"):
        parse_date("next tuesday")


def test_direct_passes_the_school_value_through(dataset):
    student = dataset["students"][0]
    out = rule(kind="direct", source="student.first_name").apply(student, CTX)
    assert out.value == student["student.first_name"] and out.error == ""


def test_date_transform_turns_the_schools_dd_mm_yyyy_birth_dates_into_iso(small_school, dataset):
    r = rule(kind="transform", source="student.birth_date", steps=[{"name": "date"}])
    for s, record in zip(small_school.students, dataset["students"], strict=True):
        assert r.apply(record, CTX).value == s.birth_date.isoformat()


def test_us_order_when_configured():
    r = rule(kind="transform", source="student.birth_date", steps=[{"name": "date", "params": {"order": "MDY"}}])
    assert r.apply({"student.birth_date": "12/31/2011"}, CTX).value == "2011-12-31"
    assert rule(kind="transform", source="student.birth_date", steps=[{"name": "date"}]).apply(
        {"student.birth_date": "12/31/2011"}, MapContext(date_order="MDY")).value == "2011-12-31"


def test_a_bad_date_is_an_error_on_that_field_not_an_exception():
    out = rule(kind="transform", source="student.birth_date", steps=[{"name": "date"}]).apply(
        {"student.birth_date": "31/02/2010"}, CTX)
    assert out.value == "" and "“Birth date” is not a real calendar date" in out.error
    assert "student.birth_date" not in out.error


def test_trim_and_case():
    r = rule(kind="transform", source="contact.last_name", steps=[{"name": "trim"}, {"name": "case",
                                                                                    "params": {"to": "upper"}}])
    assert r.apply({"contact.last_name": "  van der  berg "}, CTX).value == "VAN DER BERG"
    title = rule(kind="transform", source="contact.last_name", steps=[{"name": "case"}])
    assert title.apply({"contact.last_name": "o'brien"}, CTX).value == "O'Brien"
    lower = rule(kind="transform", source="contact.email", steps=[{"name": "case", "params": {"to": "lower"}}])
    assert lower.apply({"contact.email": "A@B.COM"}, CTX).value == "a@b.com"


def test_split_combined_contact_names_of_the_school(small_school, medium_school):
    combined = [c for c in small_school.contacts + medium_school.contacts if c.combined]
    assert combined, "the synthetic school has combined contacts"
    c = combined[0]
    record = {"contact.title": c.title, "contact.first_name": c.first_name, "contact.last_name": c.last_name}
    first, second = c.first_name.split(" and ")

    def split(source, **params):
        return rule(kind="transform", source=source, steps=[{"name": "split_name", "params": params}]).apply(
            record, CTX).value
    assert split("contact.first_name", person="first") == first
    assert split("contact.first_name", person="second") == second
    assert split("contact.title", person="second") == "Mrs"
    full = {"contact.full_name": f"{first} and {second} {c.last_name}"}
    r = rule(kind="transform", source="contact.full_name",
             steps=[{"name": "split_name", "params": {"person": "first", "part": "family"}}])
    assert r.apply(full, CTX).value == c.last_name
    given = rule(kind="transform", source="contact.full_name",
                 steps=[{"name": "split_name", "params": {"person": "second", "part": "given"}}])
    assert given.apply(full, CTX).value == second
    assert given.apply({"contact.full_name": "Smith, Anna"}, CTX).value is None
    one = rule(kind="transform", source="contact.full_name",
               steps=[{"name": "split_name", "params": {"part": "given"}}])
    assert one.apply({"contact.full_name": "Smith, Anna"}, CTX).value == "Anna"


def test_today_fixed_and_school_year():
    assert rule(kind="transform", steps=[{"name": "today"}]).apply({}, CTX).value == "2026-11-22"
    assert rule(kind="transform", steps=[{"name": "fixed", "params": {"value": "AU"}}]).apply({}, CTX).value == "AU"
    year = rule(kind="transform", steps=[{"name": "school_year", "params": {"format": "span", "start_month": 8}}])
    assert year.apply({}, CTX).value == "2026-2027"
    assert year.apply({}, MapContext(today=dt.date(2027, 3, 1))).value == "2026-2027"
    assert rule(kind="transform", steps=[{"name": "school_year"}]).apply({}, CTX).value == "2026"


def test_concatenate_skips_blank_parts(dataset):
    r = rule(kind="transform", steps=[{"name": "concat", "params": {
        "sources": ["student.year_name", "student.campus"], "separator": " - "}}])
    s = dataset["students"][0]
    assert r.apply(s, CTX).value == f"{s['student.year_name']} - {s['student.campus']}"
    assert r.apply({"student.year_name": "Year 7"}, CTX).value == "Year 7"


def test_default_when_blank_fills_the_schools_missing_contact_emails(dataset):
    missing = next(c for c in dataset["contacts"] if not c["contact.email"])
    r = rule(kind="transform", source="contact.email",
             steps=[{"name": "default", "params": {"value": "office@riverbend.example.edu"}}])
    assert r.apply(missing, CTX).value == "office@riverbend.example.edu"


def test_match_codes_with_table_default_and_unmatched(dataset):
    r = rule(kind="match", source="student.gender", table={"M": "Male", "F": "Female"}, default="Unknown")
    values = {r.apply(s, CTX).value for s in dataset["students"]}
    assert values <= {"Male", "Female", "Unknown"}
    out = r.apply({"student.gender": "X"}, CTX)
    assert out.value == "Unknown" and out.unmatched == "X" and not out.error
    strict = rule(kind="match", source="contact_link.relationship", table={"mother": "MOM"})
    assert strict.apply({"contact_link.relationship": "Mother"}, CTX).value == "MOM"
    missing = strict.apply({"contact_link.relationship": "Grandparent"}, CTX)
    assert missing.unmatched == "Grandparent" and "no match code" in missing.error


def test_do_not_map_sends_nothing():
    out = rule(kind="skip", source="student.email").apply({"student.email": "a@b.co"}, CTX)
    assert out.value is None


def test_overwrite_blanks_the_target_and_without_it_the_integrator_keeps_its_value():
    blank = {"student.preferred_name": "  "}
    assert rule(kind="direct", source="student.preferred_name").apply(blank, CTX).value is None
    assert rule(kind="direct", source="student.preferred_name", overwrite=True).apply(blank, CTX).value == ""


def test_rules_round_trip_as_json():
    data = {"kind": "transform", "source": "student.birth_date", "steps": [{"name": "date", "params":
                                                                             {"order": "MDY"}}], "overwrite": True}
    assert Rule.from_json(data).to_json() == data
    match = {"kind": "match", "source": "student.gender", "table": {"M": "Male"}, "default": "U"}
    assert Rule.from_json(match).to_json() == match
    assert Rule.from_json({"kind": "skip"}).kind is RuleKind.SKIP


@pytest.mark.parametrize("data, path, words", [
    ({"kind": "magic"}, "r.kind", "not a rule kind"),
    ({"kind": "transform", "steps": [{"name": "eval", "params": {}}]}, "r.steps[0].name", "not a transform"),
    ({"kind": "transform", "steps": [{"name": "case", "params": {"to": "shout"}}]}, "r.steps[0].params.to",
     "not one of"),
    ({"kind": "transform", "steps": [{"name": "trim", "params": {"x": 1}}]}, "r.steps[0].params.x",
     "not a parameter"),
    ({"kind": "transform", "steps": [{"name": "fixed"}]}, "r.steps[0].params.value", "required"),
    ({"kind": "transform", "steps": []}, "r.steps", "at least one"),
    ({"kind": "transform", "steps": [{"name": "school_year", "params": {"start_month": 13}}]},
     "r.steps[0].params.start_month", "1 to 12"),
    ({"kind": "transform", "steps": [{"name": "concat", "params": {"sources": ["student.dob"]}}]},
     "r.steps[0].params.sources", "known concepts"),
    ({"kind": "direct"}, "r.source", "required"),
    ({"kind": "direct", "source": "student.dob"}, "r.source", "not a known concept"),
    ({"kind": "match", "source": "student.gender", "table": {"M": 1}}, "r.table", "target value"),
    ({"kind": "direct", "source": "student.id", "overwrite": "yes"}, "r.overwrite", "true or false"),
])
def test_bad_rules_are_refused_with_their_path(data, path, words):
    with pytest.raises(RuleError) as err:
        Rule.from_json(data, "r")
    assert any(p == path and words in problem for p, problem in err.value.problems), err.value.problems
