"""The emulator serves only what iSAMS is documented to send: every element and attribute name under
each Batch item (Pupil, Contact, StaffMember, Form, Year, House, Set, SetList) appears in a recorded
Batch response (fixtures, see SOURCES.md), in the fact sheet's example document, or in the fact
sheet's field notes for that item. A name the sheet documents as a value but not by element name is
allowed only when FACTS records the name as inferred. Endpoints whose fields no source lists are
named, so the gap stays visible."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
import httpx
import pytest

from mis_wizard.vendors.isams import FACTS
from mis_wizard.vendors.isams.requirements import DEFAULT_REQUIREMENTS
from mis_wizard.vendors.isams.wire import METHODS

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
SHEET = (SHARED / "vendors" / "isams.md").read_text(encoding="utf-8")
FIXTURES = SHARED / "fixtures" / "isams" / "batch"

INFERRED_NAMES = {"Contact": {"ParentalResponsibility"}}
"""Names the emulator may serve beyond the listings, each backed by an inferred FACTS entry."""


def _names_under(item: Element) -> set[str]:
    names: set[str] = set()
    for el in item.iter():
        if el is not item:
            names.add(el.tag)
        names |= set(el.attrib)
    return names


def _documented_from_documents() -> dict[str, set[str]]:
    example = SHEET.split("```xml", 1)[1].split("```", 1)[0]
    documents = [SafeET.fromstring(example)] + [SafeET.parse(str(p)).getroot() for p in sorted(FIXTURES.glob("*.xml"))]
    out: dict[str, set[str]] = {}
    for root in documents:
        for el in root.iter():
            out.setdefault(el.tag, set()).update(_names_under(el))
    return out


def _documented_from_field_notes() -> dict[str, set[str]]:
    """``**Item** ... `A, B`, `C/D[@E]` `` segments of the sheet's Field notes; for Contact only
    the part before "Not confirmed"."""
    notes = SHEET.split("Field notes:", 1)[1].split("### Batch: JSON", 1)[0]
    parts = re.split(r"\*\*([\w/]+)\*\*", notes)
    out: dict[str, set[str]] = {}
    for name, text in zip(parts[1::2], parts[2::2], strict=True):
        text = text.split("Not confirmed", 1)[0]
        words = {w for tick in re.findall(r"`([^`]+)`", text) for w in re.findall(r"[A-Za-z]\w*", tick)}
        out.setdefault(name.rsplit("/", 1)[-1], set()).update(words)
    return out


def _allowed(item: str) -> set[str]:
    docs, notes = _documented_from_documents(), _documented_from_field_notes()
    return docs.get(item, set()) | notes.get(item, set()) | INFERRED_NAMES.get(item, set())


def _served(hosted, method: str) -> list[Element]:
    key = next(k for k in hosted.emulator.keys.values() if method in k.methods)
    body = f"<Filters><MethodsToRun><Method>{method}</Method></MethodsToRun></Filters>"
    reply = httpx.post(f"{hosted.base_url}/api/batch/1.0/xml.ashx", params={"apiKey": key.guid}, content=body,
                       headers={"Content-Type": "application/xml"})
    assert reply.status_code == 200, reply.text
    found = SafeET.fromstring(reply.content).find(METHODS[method].path)
    assert found is not None
    return list(found)


def test_the_listings_are_read() -> None:
    notes = _documented_from_field_notes()
    assert {"Preferredname", "NCYear", "FamilyId", "DivisionId"} <= notes["Pupil"]
    assert {"Forename", "Mobile", "Pupils", "Status", "SchoolId"} <= notes["Contact"]
    assert not {"RelationType", "Title", "MailMerge"} & notes["Contact"]
    assert {"HouseMasterId", "Sex"} <= notes["House"]


def test_inferred_names_are_recorded_as_inferred_in_the_fact_table() -> None:
    for names in INFERRED_NAMES.values():
        for name in names:
            assert any(name in fact and status == "inferred" for fact, status, _ in FACTS), name
    assert "Parental responsibility comes back\n  as `Yes`, `No` or `Default`" in SHEET


METHODS_SERVED = sorted({m for spec in DEFAULT_REQUIREMENTS["batch_keys"].values() for m in spec["methods"]})


@pytest.mark.parametrize("method", METHODS_SERVED)
def test_each_batch_item_carries_only_documented_names(isams, method: str) -> None:
    items = _served(isams, method)
    item = METHODS[method].item
    documented = _allowed(item)
    if not documented:
        # No public sample shows this dataset: the emulator answers it empty.
        assert items == [], (method, "no source lists its fields")
        return
    assert items, method
    served = set().union(*(_names_under(i) for i in items))
    assert not served - documented, (item, sorted(served - documented))


def test_contacts_no_longer_carry_unconfirmed_elements(isams) -> None:
    served = set().union(*(_names_under(i) for i in _served(isams, "Pupil_GetContacts")))
    assert not {"Title", "RelationType", "Priority", "MailMerge"} & served
    assert {"ParentalResponsibility", "Status", "SchoolId"} <= served


def test_rest_students_send_only_the_listed_fields(isams) -> None:
    creds = isams.emulator.credentials(isams.base_url)["rest"]
    with httpx.Client(base_url=isams.base_url) as http:
        token = http.post("/auth/connect/token", data={"grant_type": "client_credentials", "scope": "restapi",
                                                       "client_id": creds["client_id"],
                                                       "client_secret": creds["client_secret"]}).json()
        http.headers["Authorization"] = f"Bearer {token['access_token']}"
        rows = http.get("/api/students", params={"pageSize": 5}).json()["students"]
    row = SHEET.split("`GET /api/students`", 1)[1].split("\n", 1)[0]
    listed = set(re.findall(r"\w+", row.split("fields incl.", 1)[1]))
    assert rows and not set(rows[0]) - listed, sorted(set(rows[0]) - listed)


def test_endpoints_whose_fields_no_source_lists_are_named() -> None:
    """The REST register rows: the sheet gives the path and that rows have no id or times, not the
    field names; the emulator's names (schoolId, registrationPeriodId, registrationDate,
    registered, code) are inferred and recorded so."""
    assert "GET /api/registration/register/{registrationPeriodId}" in SHEET
    assert any("register" in fact and status == "inferred" for fact, status, _ in FACTS)
