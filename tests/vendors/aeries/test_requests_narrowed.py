"""Aeries is asked only for the entities (and lookups) the receipt needs.

Aeries' v5 API has no way to name the fields of an answer (aeries.md lists only StartingRecord and
EndingRecord), and its sheet does not say its OneRoster honours OneRoster's ``fields``, so records
are read whole and cut by the sync. What a request can leave out it does: each entity reads only
its own addresses, and the relationship code set is read only when the relationship's words are
wanted. Every entity of the demo profile is streamed from the real emulator over loopback, and
every request the real httpx client sends is looked at.
"""

from __future__ import annotations

import re

import pytest

SYSTEM = "aeries"
V5 = r"/aeries/api/v5/"
PATHS = {
    "students": (V5 + r"schools", V5 + r"schools/\d+/students"),
    "contacts": (V5 + r"schools", V5 + r"schools/\d+/contacts"),
    "contact_links": (V5 + r"schools", V5 + r"schools/\d+/contacts", V5 + r"codes/CON/RL"),
    "staff": (V5 + r"staff",),
    "classes": (r"/aeries/(v2/oauth/token|token)", r"/aeries/ims/oneroster/v1p1/(classes|enrollments)"),
    "class_memberships": (r"/aeries/(v2/oauth/token|token)", r"/aeries/ims/oneroster/v1p1/enrollments"),
}


@pytest.mark.parametrize("entity", list(PATHS))
def test_each_entity_reads_only_its_own_addresses(requests_seen, entity):
    aeries = requests_seen(SYSTEM)
    narrow = aeries.stream(aeries.receipt(), entity)
    allowed = [re.compile(p) for p in PATHS[entity]]
    assert narrow.paths(entity)
    for path in narrow.paths(entity):
        assert any(p.fullmatch(path) for p in allowed), f"reading {entity} asked for {path}"
    assert not narrow.params(entity, "fields"), "the sheet does not say Aeries' OneRoster honours fields"
    narrow.is_cut_from(aeries.stream(None, entity), entity)


def test_the_relationship_codes_are_read_only_when_the_relationship_is_wanted(requests_seen):
    """A receipt without the link's relationship (as Do not map gives one when no filter reads it;
    the demo's contact-type filter does) drops the code-set look-up it is derived from."""
    aeries = requests_seen(SYSTEM)
    codes = "/aeries/api/v5/codes/CON/RL"
    fields = aeries.receipt()
    before = aeries.stream(fields, "contact_links")
    without = {**fields, "contact_links": fields["contact_links"] - {"RelationshipToStudent"}}
    after = aeries.stream(without, "contact_links")
    assert codes in before.paths("contact_links") and codes not in after.paths("contact_links")
    after.is_cut_from(before, "contact_links")
