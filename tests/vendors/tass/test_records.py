"""Records streamed from the TASS emulator match the synthetic school; the spec and steps hold together."""

from __future__ import annotations

import asyncio
import urllib.parse

import pytest

from mis_wizard.vendors.base import Context, form_results
from mis_wizard.vendors.errors import VendorError
from mis_wizard.vendors.sandbox.kit import Request
from mis_wizard.vendors.tass import SPEC, wire
from mis_wizard.vendors.tass.client import App, api_url
from mis_wizard.vendors.tass.modules import BY_ID
from mis_wizard.vendors.tass.sandbox import TassEmulator
from mis_wizard.wizard import steps
from mis_wizard.wizard.http import build_client

REQUIREMENTS = SPEC.requirements({"timetable_year": "2026"})


def stream(credentials, entity: str, requirements=REQUIREMENTS) -> tuple[list[dict], list[int]]:
    pages: list[int] = []

    async def go() -> list[dict]:
        async with build_client(backoff=0.01) as http:
            ctx = Context(http, concurrency=3, on_page=lambda _e, n: pages.append(n))
            return [r async for r in SPEC.connector().stream(ctx, credentials, requirements, entity)]

    return asyncio.run(go()), pages


@pytest.fixture
def tass(sandbox, small_school):
    hosted = sandbox.add(TassEmulator(small_school))
    return hosted.emulator, hosted.base_url


def test_every_entity_streams_with_the_schools_counts(tass, small_school) -> None:
    emulator, base = tass
    creds = emulator.credentials(base)
    expected = {
        "students": len(small_school.current_students()),
        "staff": len([s for s in small_school.staff if s.teaching and s.status == "current"]),
        "classes": len(small_school.classes),
        "class_memberships": len(small_school.memberships),
        "timetable": len(small_school.lessons),
        "calendar": len(small_school.calendar),
    }
    assert set(expected) == {e.id for e in SPEC.entities}
    for entity in SPEC.entities:
        records, pages = stream(creds, entity.id)
        assert len(records) == expected[entity.id], entity.id
        assert pages and pages[-1] == len(records)
        declared = {f.name for f in entity.fields}
        assert declared <= set(records[0]), (entity.id, declared - set(records[0]))
        assert len({r[entity.id_field] for r in records}) == len(records) or entity.id == "class_memberships"


def test_records_join_up(tass, small_school) -> None:
    emulator, base = tass
    creds = emulator.credentials(base)
    classes = {r["class_key"] for r in stream(creds, "classes")[0]}
    assert {r["class_key"] for r in stream(creds, "class_memberships")[0]} <= classes
    assert {r["class_key"] for r in stream(creds, "timetable")[0]} <= classes
    calendar = {r["VALUE"]: r["DAY_CODE"] for r in stream(creds, "calendar")[0]}
    for day in small_school.calendar[:60]:
        assert calendar[day.date.isoformat()] == (day.cycle_day or "")
    students = stream(creds, "students")[0]
    assert all(wire.tass_date(s["general_details.date_of_birth"]) for s in students)


def test_a_missing_permission_refuses_the_stream(tass) -> None:
    emulator, base = tass
    creds = emulator.scenarios(base)["permission_missing"].credentials
    with pytest.raises(VendorError) as refused:
        stream(creds, "calendar")
    assert refused.value.code == "tass.permission_missing" and refused.value.remedy


def test_post_gets_the_same_answer_as_get(tass) -> None:
    emulator, base = tass
    creds = emulator.credentials(base)
    app = App.from_credentials(BY_ID["lms"], creds)

    async def go() -> tuple[dict, dict]:
        async with build_client(backoff=0.01) as http:
            fields = wire.request_fields("GetStudents", app.app_code, app.company, "3",
                                         {"currentstatus": "current"}, app.token_key)
            got = await http.get(app.url, params=fields)
            posted = await http.post(api_url(base) + "index.cfm", data=fields)
            return got.json(), posted.json()

    got, posted = asyncio.run(go())
    assert got == posted and got["token"]["currentstatus"] == "current"


def test_other_verbs_are_refused_like_iis(small_school) -> None:
    emulator = TassEmulator(small_school)
    answer = emulator.handle(Request("PUT", "/tassweb/api/", {}, {}))
    assert answer.status == 501


def test_version_1_query_string_tokens_are_read(small_school) -> None:
    emulator = TassEmulator(small_school)
    app = emulator.apps[("INTSDNOROLE", "01")]
    fields = wire.request_fields("getStudentsDetails", app.app_code, "01", "1", {"currentstatus": "current"},
                                 app.token_key)
    query = urllib.parse.parse_qs(urllib.parse.urlencode(fields))
    answer = emulator.handle(Request("GET", "/tassweb/api/", query, {}))
    assert answer.status == 200 and b'"students"' in answer.body


def test_steps_render_with_the_profile_values() -> None:
    rendered = steps.load("tass", SPEC.step_values(SPEC.requirements()))
    text = str(rendered)
    assert "integration_api" in text and "intellischool" not in text
    assert "Timetables > Timetable Calendar Setup > View" in text
    assert any("API Gateway Maintenance" in i for s in rendered for i in s.items)


def test_steps_for_an_old_version_profile_drop_the_role() -> None:
    requirements = SPEC.requirements({"modules": {"lms": {"required": True, "version": "2"}}})
    rendered = steps.load("tass", SPEC.step_values(requirements))
    assert not any(s.title == "Create the Security Role" for s in rendered)
    assert [k.id for k in SPEC.key_sets(requirements)] == ["lms"]


def test_demo_credentials_fill_every_key_set(small_school) -> None:
    creds = TassEmulator(small_school).credentials("https://127.0.0.1:1")
    assert form_results(SPEC, creds, SPEC.requirements()) == []


def test_a_refusal_with_clear_text_names_tass_words_in_the_stream(tass) -> None:
    """A ``__invalid`` refusal in sync is TASS's own words, not "could not be read, try again"."""
    emulator, base = tass
    with pytest.raises(VendorError) as refused:
        stream(emulator.credentials(base), "students", SPEC.requirements({"student_status": "someday"}))
    err = refused.value
    assert err.code == "tass.request_refused"
    assert "Current Status must be" in err.message and "cut off" not in err.message
    assert err.remedy and "try again in a minute" not in err.remedy.lower()


def test_http_501_in_the_stream_says_the_api_access_is_set_up_wrongly(tass, sandbox) -> None:
    from mis_wizard.vendors.sandbox.kit import Fault, FaultKind

    emulator, base = tass
    sandbox.inject("tass", Fault(FaultKind.SERVER_ERROR, route="method=getTeachers", status=501))
    with pytest.raises(VendorError) as refused:
        stream(emulator.credentials(base), "staff")
    err = refused.value
    assert err.code == "tass.api_access_misconfigured"
    assert "set up wrongly" in err.message and "temporary" not in err.message
    assert "version" in err.remedy and "TASS APIs > Log" in err.remedy
