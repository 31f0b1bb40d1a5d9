"""PowerSchool is asked only for the receipt's fields: expansions and table columns from Context.fields.

PowerSchool names fields in a request by ``expansions`` on /ws/v1 resources (a record's own fields
always come) and by ``projection`` on table queries (powerschool.md, Endpoints); the Student
Guardian Detail PowerQuery has no column selection in the fact sheet, so it is read whole and cut
by the connector. Every entity of the demo profile is streamed from the real emulator over
loopback, and every request the real httpx client sends is looked at.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from mis_wizard.vendors.powerschool.records import DERIVED_FROM

SYSTEM = "powerschool"
COMMON = (r"/oauth/access_token/?", r"/ws/v1/metadata", r"/ws/v1/district/school(/count)?")
PATHS = {
    "students": (r"/ws/v1/district/student(/count)?",),
    "staff": (r"/ws/v1/school/\d+/staff(/count)?",),
    "classes": (r"/ws/v1/school/\d+/section(/count)?", r"/ws/v1/school/\d+/course(/count)?"),
    "class_memberships": (r"/ws/schema/table/(cc|students|sections)(/count)?",),
    "contacts": (r"/ws/schema/query/com\.pearson\.core\.guardian\.student_guardian_detail(/count)?",),
    "contact_links": (r"/ws/schema/query/com\.pearson\.core\.guardian\.student_guardian_detail(/count)?",),
}
"""What reading each entity may touch: its own resources, and the schools and metadata every read needs."""


def _expansions(run: Any, entity: str) -> set[str]:
    return {e.strip() for value in run.params(entity, "expansions") for e in value.split(",") if e.strip()}


def _projected(run: Any, entity: str, table: str) -> set[str]:
    return {c for r in run.requests[entity] if r.url.path == f"/ws/schema/table/{table}"
            for c in r.url.params.get("projection", "").split(",") if c}


@pytest.mark.parametrize("entity", list(PATHS))
def test_each_entity_asks_for_no_field_expansion_or_resource_outside_the_receipt(requests_seen, entity):
    powerschool = requests_seen(SYSTEM)
    narrow = powerschool.stream(powerschool.receipt(), entity)
    wanted = narrow.wanted(entity)
    allowed = [re.compile(p) for p in COMMON + PATHS[entity]]
    for path in narrow.paths(entity):
        assert any(p.fullmatch(path) for p in allowed), f"reading {entity} asked for {path}"
    for expansion in _expansions(narrow, entity):
        assert any(f.startswith(expansion + ".") for f in wanted), f"{expansion} carries no wanted field"
    assert _projected(narrow, entity, "cc") <= wanted | {"id"} | {DERIVED_FROM[f] for f in wanted
                                                                   if f in DERIVED_FROM}
    narrow.is_cut_from(powerschool.stream(None, entity), entity)


def test_the_demo_receipt_leaves_table_columns_unasked(requests_seen):
    """The demo reads class lists by DCID, so CC's dates, term and school are not asked for."""
    powerschool = requests_seen(SYSTEM)
    run = powerschool.stream(powerschool.receipt(), "class_memberships")
    assert _projected(run, "class_memberships", "cc") == {"id", "studentid", "sectionid"}
    whole = powerschool.stream(None, "class_memberships")
    assert {"dateenrolled", "dateleft", "termid", "schoolid"} <= _projected(whole, "class_memberships", "cc")


def test_a_field_set_to_do_not_map_stops_being_asked_for(requests_seen):
    """The students' e-mail is the only wanted field of the contact_info expansion, so with it set to
    Do not map the expansion is no longer asked for."""
    powerschool = requests_seen(SYSTEM)
    before = powerschool.stream(powerschool.receipt(), "students")
    after = powerschool.stream(powerschool.receipt({"students": "email"}), "students")
    assert "contact_info" in _expansions(before, "students")
    assert "contact_info" not in _expansions(after, "students")
    assert _expansions(after, "students") == _expansions(before, "students") - {"contact_info"}
    assert all("contact_info.email" not in r for r in after.records["students"])
