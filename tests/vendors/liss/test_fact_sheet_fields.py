"""The LISS server emulator answers only methods the LISS fact sheet names, with rows carrying only
the fields the sheet's record shapes list (or a recorded response in the fixtures shows)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from mis_wizard.vendors.liss.sandbox import LissEmulator

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
SHEET = (SHARED / "vendors" / "liss.md").read_text(encoding="utf-8")
FIXTURES = SHARED / "fixtures" / "liss" / "jsonrpc"

SHAPE = {"getStudents": "Student", "getTeachers": "Teacher", "getRooms": "Room", "getClasses": "Class",
         "getClassMemberships": "Class membership", "getTimetableStructures": "Timetable structure",
         "getBellTimes": "Bell time", "getCalendar": "Calendar (date → cycle day)",
         "getTimetable": "Cyclical lesson", "getDailyData": "Daily data row"}
RECORDED = {"getRooms": "getRooms.response.json", "getTimetable": "getTimetable.response.json",
            "getBellTimes": "getBellTimes.response.json"}


def _shapes() -> dict[str, set[str]]:
    block = SHEET.split("Record shapes:", 1)[1].split("*Constructed* `publishDailyData`", 1)[0]
    parts = re.split(r"^- \*\*(.+?)\*\*", block, flags=re.M)
    return {name: {w for tick in re.findall(r"`([^`]+)`", text) for w in re.findall(r"[A-Za-z]\w*", tick)}
            for name, text in zip(parts[1::2], parts[2::2], strict=True)}


def _recorded(method: str) -> set[str]:
    if method not in RECORDED:
        return set()
    rows = json.loads((FIXTURES / RECORDED[method]).read_text(encoding="utf-8"))["result"]
    return set().union(*(set(r) for r in rows))


def _call(hosted, method: str, *params: Any) -> Any:
    creds = hosted.emulator.credentials(hosted.base_url)
    auth = {"School": creds["school_code"], "UserName": creds["username"], "Password": creds["password"],
            "LissVersion": 10002, "UserAgent": "test"}
    body = {"jsonrpc": "2.0", "method": f"liss.{method}", "id": 1,
            "params": [auth, *params] if method != "hello" else []}
    reply = httpx.post(creds["base_url"], json=body)
    assert reply.status_code == 200
    answer = reply.json()
    assert "error" not in answer, answer
    return answer["result"]


@pytest.fixture
def liss(sandbox, small_school):
    return sandbox.add(LissEmulator(small_school))


def test_the_record_shapes_are_read() -> None:
    shapes = _shapes()
    assert set(SHAPE.values()) <= set(shapes)
    assert {"StudentId", "RollGroup", "StartDate", "EndDate", "Guid"} <= shapes["Student"]
    assert {"EdvalClassCode", "Faculty"} <= shapes["Class"]


def test_every_method_the_emulator_reads_is_named_by_the_sheet() -> None:
    table = SHEET.split("## Endpoints / methods", 1)[1].split("Record shapes:", 1)[0]
    for method in [*SHAPE, "hello"]:
        assert re.search(rf"\b{method}\b", table), method


@pytest.mark.parametrize("method", sorted(SHAPE))
def test_each_read_sends_only_listed_fields(liss, small_school, method: str) -> None:
    anchor = small_school.anchor.strftime("%Y%m%dT00:00:00")
    later = small_school.terms[-1].end.strftime("%Y%m%dT00:00:00")
    params = {"getStudents": [anchor], "getTeachers": [anchor], "getRooms": [], "getClasses": [anchor],
              "getClassMemberships": [anchor], "getTimetableStructures": [anchor], "getBellTimes": [],
              "getCalendar": [anchor, later], "getTimetable": [small_school.school_year, anchor, later],
              "getDailyData": [anchor, later]}[method]
    rows = _call(liss, method, *params)
    assert rows, method
    listed = _shapes()[SHAPE[method]] | _recorded(method)
    served = set().union(*(set(r) for r in rows))
    assert not served - listed, (method, sorted(served - listed))
    if method == "getTimetableStructures":
        terms = set().union(*(set(t) for r in rows for t in r["Terms"]))
        assert not terms - listed, sorted(terms - listed)


def test_hello_sends_the_documented_members(liss) -> None:
    assert set(_call(liss, "hello")) == {"SIS", "LissVersion"}
