"""The Integris emulator sends only fields Datashare consumers are documented to receive: every
field of every resource is in WIRE_FIELDS, and the documented field each one carries is named for
that object by the fact sheet or by the SchoolCloud page it cites (seeds/). The wire names
themselves are ours, as the sheet says nothing of RM's format; FACTS records that as inferred."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mis_wizard.vendors.integris import FACTS, WIRE_FIELDS, wire

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
SHEET = (SHARED / "vendors" / "integris.md").read_text(encoding="utf-8")
SEED = (SHARED / "seeds" / "integris-parents-meetings-data.txt").read_text(encoding="utf-8")
OBJECT = {"students": "Students", "contacts": "Contacts", "contactLinks": "Contact Links", "teachers": "Teachers",
          "classes": "Classes", "groups": "Groups"}


def _section(name: str) -> str:
    """The seed's block for one object (from its heading line to the next heading)."""
    lines = SEED.splitlines()
    start = lines.index(name)
    end = next((i for i in range(start + 1, len(lines)) if lines[i] in OBJECT.values()), len(lines))
    return "\n".join(lines[start:end])


def _sheet_row(name: str) -> str:
    rows = [line for line in SHEET.splitlines() if line.startswith(f"| {name} |")]
    notes = SHEET.split("### Integris field facts from other integrators", 1)[1].split("###", 1)[0]
    reported = SHEET.split("The rows Classes / Contact Links / Groups exist", 1)[1].split("\n\n", 1)[0]
    return "\n".join(rows) + notes + reported


@pytest.mark.parametrize("resource", sorted(WIRE_FIELDS))
def test_each_wire_field_carries_a_documented_field_of_that_object(resource: str) -> None:
    name = OBJECT[resource]
    text = _section(name) + _sheet_row(name)
    for wire_name, documented in WIRE_FIELDS[resource].items():
        assert documented.lower() in text.lower(), (resource, wire_name, documented)


def test_the_wire_names_are_recorded_as_ours() -> None:
    assert any("constructed contract" in fact and status == "inferred" for fact, status, _ in FACTS)
    assert set(WIRE_FIELDS) == set(wire.RESOURCES.values())


@pytest.mark.parametrize("resource", sorted(WIRE_FIELDS))
def test_the_emulator_sends_only_wire_fields(hosted, good, resource: str) -> None:
    with httpx.Client(base_url=hosted.base_url) as http:
        token = http.post(wire.TOKEN_PATH, data={"grant_type": "client_credentials", **good["datashare"]}).json()
        http.headers["Authorization"] = f"Bearer {token['access_token']}"
        body = http.get(f"/schools/{good['school_id']}/{resource}", params={"pageSize": 500}).json()
        assert set(http.get(f"/schools/{good['school_id']}").json()["school"]) == {"schoolId", "name"}
    rows = body[resource]
    served = set().union(*(set(r) for r in rows))
    assert rows and not served - set(WIRE_FIELDS[resource]), sorted(served - set(WIRE_FIELDS[resource]))
    assert set(body) == {resource, "pagination"}
