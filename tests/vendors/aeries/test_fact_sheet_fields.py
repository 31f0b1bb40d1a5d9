"""The Aeries emulator serves only what Aeries is documented to send: every v5 path it answers is in
the fact sheet's endpoint table (or has a recorded response in the fixtures), and every field of
every record it returns appears in a recorded response (fixtures, see SOURCES.md) or in the fact
sheet's field listing for that object. Where no source names an endpoint's fields, the test names
the endpoint and FACTS records the names as inferred. The OneRoster side is held by
tests/vendors/oneroster/test_fact_sheet_fields.py."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from mis_wizard.vendors.aeries import FACTS
from mis_wizard.vendors.aeries.sandbox import GOOD_CERT, AeriesEmulator

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
SHEET = (SHARED / "vendors" / "aeries.md").read_text(encoding="utf-8")
FIXTURES = SHARED / "fixtures" / "aeries" / "v5"


def _sheet_listing(heading: str) -> set[str]:
    """The backticked names of a "**Heading**" field listing (one paragraph or its bullets)."""
    block = SHEET.split(f"**{heading}**", 1)[1].split("\n\n", 1)[0]
    return {w for tick in re.findall(r"`([^`]+)`", block) for w in re.findall(r"[A-Za-z]\w*", tick)}


def _fixture_keys(name: str, inner: str = "") -> set[str]:
    body = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    rows = body if isinstance(body, list) else [body]
    if inner:
        rows = [i for r in rows for i in r[inner]]
    return set().union(*(set(r) for r in rows))


def _expand(names: set[str]) -> set[str]:
    """``ResidenceAddress*`` and ``UserCode1..13`` as the sheet writes them."""
    out = set(names)
    block = SHEET.split("**Student fields**", 1)[1].split("\n\n", 1)[0]
    for stem in re.findall(r"`(\w+)\*`", block):
        out |= {stem + s for s in ("", "City", "State", "ZipCode", "ZipExt")}
    for stem, hi in re.findall(r"`(\w+?)1\.\.(\d+)`", block):
        out |= {f"{stem}{i}" for i in range(1, int(hi) + 1)}
    return out


SYSTEMINFO = set(re.findall(r"`(\w+)`", SHEET.split("Leave `/api/v5/systeminfo` open.", 1)[1].split("\n", 1)[0]))


def _get(hosted, path: str, params: dict[str, Any] | None = None) -> Any:
    response = httpx.get(f"{hosted.base_url}/aeries/api/v5/{path}", params=params,
                         headers={"AERIES-CERT": GOOD_CERT, "Accept": "application/json"})
    assert response.status_code == 200, (path, response.status_code, response.text)
    return response.json()


@pytest.fixture
def aeries(sandbox, small_school):
    return sandbox.add(AeriesEmulator(small_school))


def test_the_listings_are_read() -> None:
    assert {"Birthdate", "StudentID", "UserCode13", "ResidenceAddressCity"} <= _expand(_sheet_listing("Student fields"))
    assert {"MailingName", "CorrespondanceLanguageCode", "RelationshipToStudentCode"} <= _sheet_listing(
        "Contact fields")
    assert {"AeriesVersion", "DatabaseYear", "AvailableDatabaseYears"} <= SYSTEMINFO


def test_systeminfo_sends_only_the_listed_fields(aeries) -> None:
    info = _get(aeries, "systeminfo")
    assert set(info) <= SYSTEMINFO, sorted(set(info) - SYSTEMINFO)


def test_schools_and_their_terms_send_only_documented_fields(aeries) -> None:
    schools = _get(aeries, "schools")
    listed = _sheet_listing("School fields")
    documented = _fixture_keys("schools.list.json") | listed
    served = set().union(*(set(s) for s in schools))
    assert not served - documented, sorted(served - documented)
    terms = set().union(*(set(t) for s in schools for t in s["Terms"]))
    documented_terms = _fixture_keys("schools.list.json", "Terms") | {"TermCode", "TermDescription", "StartDate",
                                                                      "EndDate"}
    assert terms and not terms - documented_terms, sorted(terms - documented_terms)
    code = next(s["SchoolCode"] for s in schools if s["SchoolCode"])
    assert set().union(*(set(t) for t in _get(aeries, f"schools/{code}/terms"))) <= documented_terms


def test_students_send_only_documented_fields(aeries) -> None:
    code = next(s["SchoolCode"] for s in _get(aeries, "schools") if s["SchoolCode"])
    rows = _get(aeries, f"schools/{code}/students")
    documented = (_fixture_keys("schools_994_students.list.json")
                  | _fixture_keys("schools_994_students_grade_12.list.json")
                  | _expand(_sheet_listing("Student fields")))
    served = set().union(*(set(r) for r in rows))
    assert rows and not served - documented, sorted(served - documented)


def test_contacts_send_only_the_listed_fields(aeries) -> None:
    code = next(s["SchoolCode"] for s in _get(aeries, "schools") if s["SchoolCode"])
    rows = _get(aeries, f"schools/{code}/contacts")
    listed = _sheet_listing("Contact fields")
    served = set().union(*(set(r) for r in rows))
    assert rows and not served - listed, sorted(served - listed)


def test_staff_send_only_the_recorded_fields(aeries) -> None:
    rows = _get(aeries, "staff")
    recorded = _fixture_keys("staff.list.json") | _fixture_keys("staff.by-id.json")
    served = set().union(*(set(r) for r in rows))
    assert rows and not served - recorded, sorted(served - recorded)
    nested = set().union(*(set(p) for r in rows for p in r["SchoolAccessPermissions"]))
    real = json.loads((FIXTURES / "staff.list.json").read_text(encoding="utf-8"))
    assert nested <= set().union(*(set(p) for r in real for p in r["SchoolAccessPermissions"]))


def test_every_path_the_emulator_answers_is_documented(aeries) -> None:
    """Each v5 path family answered by the emulator is in the sheet's endpoint table, or has a
    recorded response (staff)."""
    table = SHEET.split("## Endpoints (REST v5)", 1)[1].split("**School fields**", 1)[0]
    answered = ["systeminfo", "schools", "schools/994", "schools/994/terms", "schools/994/students",
                "schools/994/students/grade/7", "schools/994/contacts", "codes/CON/RL", "staff"]
    for path in answered:
        _get(aeries, path)
        family = "/" + re.sub(r"/994", "/{SchoolCode}", path).split("/grade/")[0]
        family = re.sub(r"codes/.*", "codes/", family)
        assert (f"/api/v5{family}" in table or f"/api/v5{family}" in SHEET
                or path == "staff" and (FIXTURES / "staff.list.json").exists()), path


def test_endpoints_whose_fields_no_source_lists_are_named(aeries) -> None:
    """The code set endpoint is in the sheet, its fields are not: the emulator sends only the two
    names the client reads, and FACTS records them as inferred."""
    rows = _get(aeries, "codes/CON/RL")
    assert rows and set().union(*(set(r) for r in rows)) == {"Code", "Description"}
    assert any("Code and Description" in fact and status == "inferred" for fact, status, _ in FACTS)
