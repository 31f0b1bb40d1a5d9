"""The canonical view keeps every raw field for the preview, and only what rules read for a sync."""

from __future__ import annotations

from mis_wizard.vendors.base import Entity, RawField
from mis_wizard.wizard.mapping.canonical import canonical, converter
from mis_wizard.wizard.mapping.mapper import raw_fields
from mis_wizard.wizard.mapping.schema import parse_targets

ENTITY = Entity("students", "Students", (
    RawField("id", "student.id"), RawField("username"), RawField("nick", "student.preferred_name"),
    RawField("known_as", "student.preferred_name"), RawField("house_code")), "id")
RAW = {"id": 7, "username": "ruby.e", "nick": "", "known_as": "Rubes", "house_code": "RED"}


def test_every_raw_field_stays_when_none_is_named() -> None:
    record = canonical(ENTITY, RAW)
    assert record == {"raw:id": 7, "raw:username": "ruby.e", "raw:nick": "", "raw:known_as": "Rubes",
                      "raw:house_code": "RED", "student.id": 7, "student.preferred_name": "Rubes"}


def test_only_the_raw_fields_named_are_kept() -> None:
    convert = converter(ENTITY, {"house_code"})
    assert convert(RAW) == {"raw:house_code": "RED", "student.id": 7, "student.preferred_name": "Rubes"}
    assert converter(ENTITY, set())({"id": 8}) == {"student.id": 8}


def test_a_concept_comes_from_its_first_field_with_a_value() -> None:
    assert canonical(ENTITY, {"nick": "Bo", "known_as": "Robert"}, ())["student.preferred_name"] == "Bo"
    assert canonical(ENTITY, {"nick": "", "known_as": "Robert"}, ())["student.preferred_name"] == "Robert"


def test_raw_fields_are_those_rules_read() -> None:
    targets = parse_targets({"students": {"entity": "students", "fields": [
        {"name": "id", "concept": "student.id"},
        {"name": "house", "concept": "raw:house_code"},
        {"name": "login", "rule": {"kind": "transform", "steps": [
            {"name": "concat", "params": {"sources": ["raw:username", "student.code"]}}]}},
    ]}})
    assert raw_fields(targets.values(), None) == {"house_code", "username"}
    session = {"students": {"id": {"kind": "direct", "source": "raw:nick"}}}
    assert raw_fields(targets.values(), session) == {"house_code", "username", "nick"}
