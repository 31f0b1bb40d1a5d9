"""Qmlativ is asked only for the receipt's fields: ``searchFields`` cut to Context.fields.

A Generic API list names its columns with repeated ``searchFields`` (qmlativ.md, Endpoints) and the
emulator sends only those. Classes and class lists come through Qmlativ's OneRoster, whose sheet
does not say it honours OneRoster's ``fields``: those are read whole unless the profile turns
``oneroster_fields`` on. Every entity of the demo profile is streamed from the real emulator over
loopback, and every request the real httpx client sends is looked at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from mis_wizard.vendors.qmlativ.requirements import EMAILS, ENROLMENTS, NAMES, OBJECT_OF
from mis_wizard.vendors.sandbox.kit import Hosted

SYSTEM = "qmlativ"
JOINED_BY = {"students": {"NameID", "StudentID"}, "contacts": {"NameID", "NameIDGuardian", "Rank"}}
"""Fields asked for only to join or rank what the receipt wants (a student's Name, a guardian's e-mail)."""
OBJECTS = {"students": {OBJECT_OF["students"], NAMES, ENROLMENTS},
           "contacts": {OBJECT_OF["contacts"], OBJECT_OF["contact_links"], EMAILS}}
ROSTER = {"classes": {"classes", "enrollments"}, "class_memberships": {"enrollments"}}
LIST = re.compile(r"/[^/]+/Generic/\d+/(?P<object>\w+/\w+)/\d+/\d+")


@pytest.fixture(scope="module")
def qmlativ(requests_seen: Any) -> Iterator[Hosted]:
    with requests_seen.hosted(SYSTEM) as hosted:
        yield hosted


def _lists(run: Any) -> list[tuple[str, list[str]]]:
    """(object, searchFields) of each Generic list request."""
    out = []
    for r in run.requests:
        found = LIST.fullmatch(r.url.path)
        if found:
            out.append((found["object"], r.url.params.get_list("searchFields")))
    return out


@pytest.mark.parametrize("entity", ["students", "contacts", "contact_links", "staff"])
def test_each_entity_asks_for_no_field_or_object_outside_the_receipt(requests_seen, qmlativ, entity):
    fields = requests_seen.receipt(SYSTEM)
    wanted = fields[entity]
    narrow = requests_seen.stream(SYSTEM, qmlativ, entity, fields)
    lists = _lists(narrow)
    assert lists, "the entity is read through the Generic API"
    for obj, asked in lists:
        assert obj in OBJECTS.get(entity, {OBJECT_OF[entity]}), f"reading {entity} asked for {obj}"
        assert asked, f"{obj} was asked for with no searchFields, so for every field"
        assert set(asked) <= wanted | JOINED_BY.get(entity, set()), f"{obj}: {sorted(set(asked) - wanted)}"
    whole = requests_seen.stream(SYSTEM, qmlativ, entity, None)
    requests_seen.carries_every_wanted_field(narrow, whole, wanted)


@pytest.mark.parametrize("entity", list(ROSTER))
def test_oneroster_entities_read_only_their_collections(requests_seen, qmlativ, entity):
    fields = requests_seen.receipt(SYSTEM)
    narrow = requests_seen.stream(SYSTEM, qmlativ, entity, fields)
    read = {r.url.path.rsplit("/", 1)[-1] for r in narrow.requests if "/ims/oneroster/" in r.url.path}
    assert read and read <= ROSTER[entity]
    assert not narrow.params("fields"), "the sheet does not say Qmlativ's OneRoster honours fields"
    whole = requests_seen.stream(SYSTEM, qmlativ, entity, None)
    requests_seen.carries_every_wanted_field(narrow, whole, fields[entity])


@pytest.mark.parametrize("entity", list(ROSTER))
def test_oneroster_fields_when_the_profile_turns_it_on(requests_seen, qmlativ, entity):
    """``oneroster_fields`` sends OneRoster 1.1's ``fields`` (oneroster.md); the records still carry
    every wanted field, derived ones included."""
    fields = requests_seen.receipt(SYSTEM)
    narrow = requests_seen.stream(SYSTEM, qmlativ, entity, fields, {"oneroster_fields": True})
    asked = {f for value in narrow.params("fields") for f in value.split(",")}
    assert asked and "sourcedId" in asked
    assert not asked & {"location", "grades", "beginDate", "endDate"}, "unwanted fields were asked for"
    whole = requests_seen.stream(SYSTEM, qmlativ, entity, None)
    requests_seen.carries_every_wanted_field(narrow, whole, fields[entity])


def test_a_field_set_to_do_not_map_stops_being_asked_for(requests_seen, qmlativ):
    before = requests_seen.stream(SYSTEM, qmlativ, "students", requests_seen.receipt(SYSTEM))
    skipped = requests_seen.receipt(SYSTEM, {"students": "gender"})
    after = requests_seen.stream(SYSTEM, qmlativ, "students", skipped)
    names_before = {f for obj, asked in _lists(before) if obj == NAMES for f in asked}
    names_after = {f for obj, asked in _lists(after) if obj == NAMES for f in asked}
    assert "Gender" in names_before and "Gender" not in names_after
    assert names_after == names_before - {"Gender"}
    assert all("Gender" not in r for r in after.records)
