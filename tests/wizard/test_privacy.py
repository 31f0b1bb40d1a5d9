"""Privacy classes are declared for every field, and the one masking rule keeps a value's shape."""

from __future__ import annotations

import pytest

from mis_wizard.vendors import registry
from mis_wizard.vendors.concepts import CONCEPTS, PRIVACY
from mis_wizard.vendors.privacy import PrivacyClass as P
from mis_wizard.wizard import profile as profiles
from mis_wizard.wizard.mapping.mapper import effective_rules
from mis_wizard.wizard.mapping.schema import parse_targets, profile_problems
from mis_wizard.wizard.privacy import SECRET_SHOWN, field_class, id_class, shape, shown, target_classes


@pytest.mark.parametrize("system", registry.SYSTEM_IDS)
def test_every_credential_field_of_every_system_has_a_class(system: str) -> None:
    spec = registry.get(system)
    for key_set, f in spec.all_fields(spec.requirements()):
        assert f.privacy_class is not None, f"{system} {key_set}.{f.id} has no privacy class"
        assert (f.privacy_class is P.SECRET) == f.secret, f"{system} {f.id}: a secret kind is the secret class"


def test_every_canonical_concept_has_a_class_and_the_obvious_ones_are_right() -> None:
    assert set(PRIVACY) == set(CONCEPTS)
    for concept in ("student.first_name", "student.last_name", "student.birth_date", "student.email",
                    "contact.phone", "contact.mobile", "student.code", "staff.email"):
        assert PRIVACY[concept] is P.PERSONAL, concept
    for concept in ("student.ethnicity", "contact.parental_responsibility", "contact_link.lives_with"):
        assert PRIVACY[concept] is P.SENSITIVE, concept
    for concept in ("student.year_level", "student.house", "student.campus", "class.code", "term.name",
                    "staff.role", "staff.teaching", "group.kind"):
        assert PRIVACY[concept] is P.STRUCTURAL, concept


@pytest.mark.parametrize("name", profiles.builtin_names())
def test_every_target_field_of_every_profile_gets_a_class(name: str) -> None:
    profile = profiles.load_builtin(name)
    for target in parse_targets(profile.targets).values():
        classes = target_classes(target, effective_rules(target, None))
        assert all(c is not None for c in classes.values()), (name, target.name, classes)
        for f in target.fields:
            if f.concept in ("student.first_name", "student.birth_date", "contact.email") and f.rule is None:
                assert classes[f.name] is P.PERSONAL, (name, target.name, f.name)
            if f.concept in ("student.year_level", "student.house", "class.code") and f.rule is None:
                assert classes[f.name] is P.STRUCTURAL, (name, target.name, f.name)


def test_a_target_reads_the_most_restrictive_of_its_sources_and_a_profile_can_override() -> None:
    targets = {"pupils": {"entity": "students", "fields": [
        {"name": "name", "rule": {"kind": "transform", "source": "student.first_name", "steps": [
            {"name": "concat", "params": {"sources": ["student.year_level", "student.ethnicity"]}}]},
         "purpose": "Name"},
        {"name": "year", "concept": "student.year_level", "purpose": "Year"},
        {"name": "fixed", "rule": {"kind": "transform", "steps": [{"name": "fixed", "params": {"value": "x"}}]},
         "purpose": "Fixed"},
        {"name": "raw_thing", "concept": "raw:NOT_A_KNOWN_FIELD", "purpose": "Raw"},
        {"name": "house", "concept": "student.house", "privacy": "personal", "purpose": "House"},
    ]}}
    assert profile_problems(targets, []) == []
    target = parse_targets(targets)["pupils"]
    classes = target_classes(target, effective_rules(target, None))
    assert classes["name"] is P.SENSITIVE
    assert classes["fixed"] is P.STRUCTURAL
    assert classes["year"] is P.STRUCTURAL
    assert classes["raw_thing"] is P.PERSONAL, "a raw field no concept explains is masked"
    assert classes["house"] is P.PERSONAL
    assert profile_problems({"t": {"entity": "students", "fields": [
        {"name": "a", "concept": "student.house", "privacy": "public"}]}}, [])


def test_a_profile_can_mark_a_configuration_field_secret() -> None:
    spec = registry.get("powerschool")
    client_id = next(f for ks, f in spec.all_fields(spec.requirements()) if f.id == "client_id")
    assert field_class(client_id, {}) is P.CONFIGURATION
    assert field_class(client_id, {"secret_fields": ["plugin.client_id"]}, "plugin") is P.SECRET
    assert field_class(client_id, {"secret_fields": ["client_id"]}, "plugin") is P.SECRET


def test_shapes_keep_the_form_of_names_dates_emails_phones() -> None:
    assert shape("John Smith") == "J••• S••••"
    assert shape("Mary-Jane O'Neil") == "M•••-J••• O'••••"
    assert shape("2012-03-14") == "20••-••-1•"
    assert shape("14/03/2012") == "••/••/20••"
    assert shape("2012-3-4") == "20••-•-•", "a date missing its zeros still shows it"
    assert shape("jo.smith@school.example") == "••••••••@school.example"
    assert shape("jo.smith@") == "••••••••@", "an e-mail without a domain shows it has none"
    assert shape("0412 345 678") == "#### ### ###"
    assert shape("+44 (0)7700 900123") == "+## (#)#### ######"
    assert shape("ST01234") == "S•#####"
    for value in ("John Smith", "2012-03-14", "jo@school.example", "+44 7700 900123", " padded "):
        assert len(shape(value)) == len(value)


def test_shown_by_class_and_mode() -> None:
    assert shown("Ethan Nguyen", P.PERSONAL, True) == "E•••• N•••••"
    assert shown("Ethan Nguyen", P.PERSONAL, False) == "Ethan Nguyen"
    assert shown("I", P.SENSITIVE, True) == "•", "a sensitive code keeps no letter"
    assert shown("Year 7", P.STRUCTURAL, True) == "Year 7"
    assert shown("https://tass.example.edu.au", P.CONFIGURATION, True) == "https://tass.example.edu.au"
    assert shown("abcDEF123==", P.SECRET, True) == SECRET_SHOWN
    assert shown("abcDEF123==", P.SECRET, False) == SECRET_SHOWN, "a secret is shown only by its own reveal button"
    assert shown("Ethan", None, True) == "E••••", "unclassified is masked"
    assert shown(None, P.PERSONAL, True) == "" and shown("", P.SECRET, True) == ""


def test_record_ids_have_the_class_of_what_they_name() -> None:
    assert id_class("students") is P.PERSONAL
    assert id_class("contact_links") is P.PERSONAL
    assert id_class("classes") is P.STRUCTURAL
    assert id_class("timetable") is P.STRUCTURAL
