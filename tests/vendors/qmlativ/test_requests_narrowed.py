"""Qmlativ is asked only for the receipt's fields: ``searchFields`` cut to Context.fields.

A Generic API list names its columns with repeated ``searchFields`` (qmlativ.md, Endpoints) and the
emulator sends only those. Classes and class lists come through Qmlativ's OneRoster, whose sheet
does not say it honours OneRoster's ``fields``: those are read whole unless the profile turns
``oneroster_fields`` on. Every entity of the demo profile is streamed from the real emulator over
loopback, and every request the real httpx client sends is looked at.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from mis_wizard.vendors.qmlativ.requirements import EMAILS, ENROLMENTS, NAMES, OBJECT_OF

SYSTEM = "qmlativ"
JOINED_BY = {"students": {"NameID", "StudentID"}, "contacts": {"NameID", "NameIDGuardian", "Rank"}}
"""Fields asked for only to join or rank what the receipt wants (a student's Name, a guardian's e-mail)."""
OBJECTS = {"students": {OBJECT_OF["students"], NAMES, ENROLMENTS},
           "contacts": {OBJECT_OF["contacts"], OBJECT_OF["contact_links"], EMAILS}}
ROSTER = {"classes": {"classes", "enrollments"}, "class_memberships": {"enrollments"}}
LIST = re.compile(r"/[^/]+/Generic/\d+/(?P<object>\w+/\w+)/\d+/\d+")


def _lists(run: Any, entity: str) -> list[tuple[str, list[str]]]:
    """(object, searchFields) of each Generic list request."""
    out = []
    for r in run.requests[entity]:
        found = LIST.fullmatch(r.url.path)
        if found:
            out.append((found["object"], r.url.params.get_list("searchFields")))
    return out


@pytest.mark.parametrize("entity", ["students", "contacts", "contact_links", "staff"])
def test_each_entity_asks_for_no_field_or_object_outside_the_receipt(requests_seen, entity):
    qmlativ = requests_seen(SYSTEM)
    narrow = qmlativ.stream(qmlativ.receipt(), entity)
    wanted = narrow.wanted(entity)
    lists = _lists(narrow, entity)
    assert lists, "the entity is read through the Generic API"
    for obj, asked in lists:
        assert obj in OBJECTS.get(entity, {OBJECT_OF[entity]}), f"reading {entity} asked for {obj}"
        assert asked, f"{obj} was asked for with no searchFields, so for every field"
        assert set(asked) <= wanted | JOINED_BY.get(entity, set()), f"{obj}: {sorted(set(asked) - wanted)}"
    narrow.is_cut_from(qmlativ.stream(None, entity), entity)


@pytest.mark.parametrize("entity", list(ROSTER))
def test_oneroster_entities_read_only_their_collections(requests_seen, entity):
    qmlativ = requests_seen(SYSTEM)
    narrow = qmlativ.stream(qmlativ.receipt(), entity)
    read = {path.rsplit("/", 1)[-1] for path in narrow.paths(entity) if "/ims/oneroster/" in path}
    assert read and read <= ROSTER[entity]
    assert not narrow.params(entity, "fields"), "the sheet does not say Qmlativ's OneRoster honours fields"
    narrow.is_cut_from(qmlativ.stream(None, entity), entity)


@pytest.mark.parametrize("entity", list(ROSTER))
def test_oneroster_fields_when_the_profile_turns_it_on(requests_seen, entity):
    """``oneroster_fields`` sends OneRoster 1.1's ``fields`` (oneroster.md); the records still carry
    every wanted field, derived ones included."""
    qmlativ = requests_seen(SYSTEM)
    narrow = qmlativ.stream(qmlativ.receipt(), entity, requirements={"oneroster_fields": True})
    asked = {f for value in narrow.params(entity, "fields") for f in value.split(",")}
    assert asked and "sourcedId" in asked
    assert not asked & {"location", "grades", "beginDate", "endDate"}, "unwanted fields were asked for"
    narrow.is_cut_from(qmlativ.stream(None, entity), entity)


def test_a_field_set_to_do_not_map_stops_being_asked_for(requests_seen):
    qmlativ = requests_seen(SYSTEM)
    before = qmlativ.stream(qmlativ.receipt(), "students")
    after = qmlativ.stream(qmlativ.receipt({"students": "gender"}), "students")
    names_before = {f for obj, asked in _lists(before, "students") if obj == NAMES for f in asked}
    names_after = {f for obj, asked in _lists(after, "students") if obj == NAMES for f in asked}
    assert "Gender" in names_before and "Gender" not in names_after
    assert names_after == names_before - {"Gender"}
    assert all("Gender" not in r for r in after.records["students"])
