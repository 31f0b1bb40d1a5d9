"""The emulator's /ws/v1 collections send only fields PowerSchool is documented to send: each
record's (flattened) keys appear in the matching fixture (real or vendor-documented pages, see
SOURCES.md) or in the fact sheet's "Student fields you will use" listing."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from mis_wizard.vendors.powerschool.sandbox import PowerSchoolEmulator

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
FIXTURES = SHARED / "fixtures" / "powerschool" / "ws_v1"
STUDENT_EXPANSIONS = "demographics,addresses,phones,school_enrollment,contact_info"


def _flat(record: dict[str, Any], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for k, v in record.items():
        keys |= _flat(v, f"{prefix}{k}.") if isinstance(v, dict) and v else {prefix + k}
    return keys


def _rows(value: Any) -> list[dict[str, Any]]:
    return value if isinstance(value, list) else [value]


def _fact_sheet_student_fields() -> set[str]:
    """`a.{b,c}.{d,e}` items of the fact sheet's student field list, expanded."""
    text = (SHARED / "vendors" / "powerschool.md").read_text(encoding="utf-8")
    block = text.split("Student fields you will use", 1)[1].split("\n\n", 1)[0]
    fields: set[str] = set()
    for item in re.findall(r"`([\w.{},]+)`", block):
        parts = [p.strip("{}").split(",") for p in re.split(r"\.(?![^{]*})", item)]
        fields |= {".".join(combo) for combo in itertools.product(*parts) if "..." not in combo}
    return fields


def _documented(fixture: str, plural: str, singular: str) -> set[str]:
    body = json.loads((FIXTURES / fixture).read_text(encoding="utf-8"))
    return set().union(*(_flat(r) for r in _rows(body[plural][singular])))


def test_the_fact_sheet_listing_is_read() -> None:
    fields = _fact_sheet_student_fields()
    assert {"demographics.birth_date", "addresses.mailing.postal_code", "contact_info.email",
            "school_enrollment.entry_date", "phones.main.number"} <= fields


@pytest.mark.parametrize(("collection", "fixture", "plural", "singular"), [
    ("district/school", "district_school.list.json", "schools", "school"),
    ("district/student", "district_student.page.json", "students", "student"),
    ("school/{school}/course", "school_course.list.json", "courses", "course"),
    ("school/{school}/section", "school_section.list.json", "sections", "section"),
])
def test_each_collection_sends_only_documented_fields(sandbox, small_school, collection, fixture, plural,
                                                      singular) -> None:
    hosted = sandbox.add(PowerSchoolEmulator(small_school))
    plugin = hosted.emulator.credentials(hosted.base_url)["plugin"]
    with httpx.Client(base_url=hosted.base_url) as http:
        token = http.post("/oauth/access_token", data={"grant_type": "client_credentials"},
                          auth=(plugin["client_id"], plugin["client_secret"])).json()["access_token"]
        http.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
        school = http.get("/ws/v1/district/school").json()["schools"]["school"][0]["id"]
        params = {"expansions": STUDENT_EXPANSIONS} if singular == "student" else {}
        body = http.get(f"/ws/v1/{collection.format(school=school)}", params=params).json()
    rows = _rows(body[plural][singular])
    ours = set().union(*(_flat(r) for r in rows))
    documented = _documented(fixture, plural, singular)
    if singular == "student":
        one = json.loads((FIXTURES / "student.by-dcid.expansions-extensions.json").read_text(encoding="utf-8"))
        documented |= _flat(one.get("student", one)) | _fact_sheet_student_fields()
    assert rows and not ours - documented, sorted(ours - documented)
