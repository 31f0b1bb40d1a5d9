"""The emulator's methods send only fields TASS's own documentation shows for them: each method's
records (flattened) hold no key that its documented Success Response (the fixtures, copied verbatim
from TASS's Markdown docs, see SOURCES.md) lacks."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from mis_wizard.vendors.base import Context
from mis_wizard.vendors.tass import records, wire
from mis_wizard.vendors.tass.client import App
from mis_wizard.vendors.tass.requirements import BY_ID
from mis_wizard.vendors.tass.sandbox import TassEmulator
from mis_wizard.wizard.http import build_client

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "tass"
CASES = [
    ("lms", "getCampuses", {"codeonly": "false"}, "lms-integration/getCampuses.v3.success.json", "campuses"),
    ("lms", "getStudents", {"currentstatus": "current"}, "lms-integration/getStudents.v3.success.json", "students"),
    ("lms", "getTeachers", {"currentstatus": "current"}, "lms-integration/getTeachers.v3.success.json", "teachers"),
    ("lms", "getTimetables", {"year": "2026", "period": "1"}, "lms-integration/getTimetables.v3.success.json",
     "timetables"),
    ("student_details", "getStudentsDetails", {"currentstatus": "current"},
     "student-details/getStudentsDetails.v3.success.json", "students"),
    ("academic_analytics", "getClassLessons", {"datefrom": "01/11/2026", "dateto": "20/11/2026"},
     "student-academic-analytics/getClassLessons.v2.success.json", "DATA"),
    ("academic_analytics", "getStudentAbsences",
     {"studcode": "ALL", "absentdatefrom": "01/11/2026", "absentdateto": "20/11/2026"},
     "student-academic-analytics/getStudentAbsences.v2.success.json", "DATA"),
]


def _keys(rows: list[dict]) -> set[str]:
    return set().union(*(records.flatten(r) for r in rows)) if rows else set()


@pytest.mark.parametrize(("module", "method", "params", "fixture", "data_key"), CASES, ids=[c[1] for c in CASES])
def test_each_method_sends_only_documented_fields(sandbox, small_school, module, method, params, fixture,
                                                  data_key) -> None:
    hosted = sandbox.add(TassEmulator(small_school))
    app = App.from_credentials(BY_ID[module], hosted.emulator.credentials(hosted.base_url))

    async def go() -> wire.Reply:
        async with build_client(backoff=0.01) as http:
            return await app.call(Context(http), method, params)

    reply = asyncio.run(go())
    rows = records.records(reply.body, data_key)
    assert reply.kind is wire.ReplyKind.OK and rows, reply
    documented = _keys(json.loads((FIXTURES / fixture).read_text(encoding="utf-8"))[data_key])
    assert not _keys(rows) - documented, sorted(_keys(rows) - documented)
