"""Profiles' targets and filters: the shipped ones load, broken ones are refused with a path."""

from __future__ import annotations

import pytest

from mis_wizard.wizard import profile
from mis_wizard.wizard.mapping import filters
from mis_wizard.wizard.mapping.schema import parse_targets

HEAD = '[integrator]\nname = "X"\nsupport_email = "a@b.example"\n'


@pytest.mark.parametrize("name", ["demo", "analytics", "admissions", "activities", "parents-evenings",
                                  "timetable", "oneroster"])
def test_every_shipped_profile_loads_with_targets(name):
    p = profile.load_builtin(name)
    targets = parse_targets(p.targets)
    assert targets and all(t.fields for t in targets.values())


def test_the_demo_asks_for_every_filter_kind_but_the_generic_one():
    p = profile.load_builtin("demo")
    used = {f.name for f in filters.specs(p.filters)}
    assert used == set(filters.KINDS) - {"field_values"}


def test_admissions_has_the_fields_the_sync_service_needs():
    targets = parse_targets(profile.load_builtin("admissions").targets)
    names = {f"{t.name}.{f.name}" for t in targets.values() for f in t.fields}
    assert {"students.student_district_id", "students.fname", "students.lname", "students.DOB",
            "students.sis_school_year", "students_annual.sis_entrydate"} <= names
    assert targets["students"].field("DOB").format == "date"


@pytest.mark.parametrize("toml, path, words", [
    ('[targets.students]\nentity = "pupils"\nfields = [{ name = "a", concept = "student.id" }]',
     "targets.students.entity", "did you mean students?"),
    ('[targets.students]\nentity = "students"\nfields = [{ name = "a", concept = "student.id" }, '
     '{ name = "b", concept = "student.first_name" }, { name = "dob", concept = "student.dob" }]',
     "targets.students.fields[2].concept", "'student.dob' is not a known concept; did you mean student.birth_date?"),
    ('[targets.students]\nentity = "students"\nfields = [{ name = "e", concept = "contact.email" }]',
     "targets.students.fields[0].concept", "belongs to contacts, not students; did you mean student.email?"),
    ('[targets.students]\nentity = "students"\nfields = [{ name = "a", concept = "student.id", format = "dat" }]',
     "targets.students.fields[0].format", "not a format"),
    ('[targets.students]\nentity = "students"\nfields = [{ name = "a", concept = "student.id" }, '
     '{ name = "a", concept = "student.code" }]', "targets.students.fields[1].name", "appears twice"),
    ('[targets.students]\nentity = "students"\nfields = [{ name = "a", concept = "student.id", '
     'rule = { kind = "transform", steps = [{ name = "uppercase" }] } }]',
     "targets.students.fields[0].rule.steps[0].name", "not a transform"),
    ('[targets.students]\nentity = "students"\nfields = [{ name = "a", concept = "student.id", colour = 1 }]',
     "targets.students.fields[0].colour", "not a field setting"),
    ('[targets.students]\nentity = "students"\nfields = []', "targets.students.fields", "must list"),
    ('[[filters]]\nname = "students_in_a_class"', "filters[0].name", "not a filter"),
    ('[[filters]]\nname = "teachers_with_class"\nentity = "students"', "filters[0].entity", "works on staff"),
    ('[[filters]]\nname = "contact_types"\nparams = { types = "Mother" }', "filters[0].params.types",
     "list of text"),
    ('[[filters]]\nname = "class_types"\nparams = { kinds = ["x"] }', "filters[0].params.kinds",
     "not a parameter"),
    ('[[filters]]\nname = "field_values"\nparams = { values = ["current"] }', "filters[0].params.concept",
     "required"),
    ('[[filters]]\nentity = "students"', "filters[0].name", "is required"),
])
def test_a_broken_profile_is_refused_naming_the_field(toml, path, words):
    with pytest.raises(profile.ProfileError) as err:
        profile.parse(HEAD + toml, "t", "t.toml")
    assert err.value.path == path
    assert words in err.value.problem
