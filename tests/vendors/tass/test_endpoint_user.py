"""TASS's second way in, an API Endpoint Maintenance user (inferred; see vendors/tass/endpoints.py),
checked against a loopback server built from the shapes a public client uses: sign-in at
``POST /api/users`` with ``clientKey``/``clientSecret`` answering ``token``,
``token_expiry_date`` and ``allowed_companies``; data at ``GET /api/{company}/{endpoint}`` with
``$top``/``$skip``, a JSON array; errors as ``{"title", "detail"}``. The TASS emulator does not
serve this API (the fact sheet lists none of it), so the loopback server here does: the synthetic
school's students and staff in the record shape of the client's README example, paged and
filtered as the client asks, with the sandbox kit's faults in front of it."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Any

import pytest

from mis_wizard.vendors.base import Context, Status, form_results
from mis_wizard.vendors.errors import FailureKind, VendorError
from mis_wizard.vendors.sandbox.kit import Emulator, Fault, FaultKind, Request, Response, json_response
from mis_wizard.vendors.sandbox.school import School, Staff, Student
from mis_wizard.vendors.tass import SPEC
from mis_wizard.wizard import steps
from mis_wizard.wizard.http import build_client
from mis_wizard.wizard.mapping import preview
from mis_wizard.wizard.profile import load_builtin
from mis_wizard.wizard.subject import from_credentials
from mis_wizard.wizard.sync import engine
from mis_wizard.wizard.sync.report import RunReport

ENDPOINTS = SPEC.requirements({"access": "endpoints", "endpoints": ["students", "employees"]})
KEY, SECRET = "rbg-integrator-7731", "s3cret-Endpoint-Key-0c9f"


def student_row(school: School, s: Student) -> dict[str, Any]:
    """A student as the endpoint user gives it: the fields of the client's README example record."""
    groups = {g.id: g.name for g in school.reg_groups}
    houses = {h.id: h.name for h in school.houses}
    campuses = {c.id: c.code for c in school.campuses}
    group = groups.get(s.reg_group_id, "")
    return {"alt_id": "", "boarder": False, "campus_code": campuses[s.campus_id], "cmpy_code": "01",
            "dob": f"{s.birth_date.isoformat()}T00:00:00", "doe": f"{s.entry_date.isoformat()}T00:00:00",
            "dol": f"{s.leave_date.isoformat()}T00:00:00" if s.leave_date else None, "e_mail": s.email,
            "entry_lev": 7, "first_name": s.first_name, "form_cls": group[-1:], "gender": s.gender,
            "house": houses.get(s.house_id, "")[:4].upper(), "other_name": None, "pctut_grp": group,
            "preferred_name": s.preferred_name, "stud_code": s.code, "stud_id": f"uid-{s.id}",
            "surname": s.last_name, "usi": None, "year_grp": s.year_level}


def employee_row(s: Staff) -> dict[str, Any]:
    return {"emp_code": s.code, "title": s.title, "first_name": s.first_name, "surname": s.last_name,
            "preferred_name": s.first_name, "e_mail": s.email, "home_e_mail": "", "department": s.role,
            "pctut_grp": "", "doe": "2020-01-28T00:00:00", "dol": None}


class EndpointApi(Emulator):
    """The endpoint user's answers over the synthetic school, as the public client reads them."""

    system = "tass-endpoints"

    def __init__(self, school: School, readable: frozenset[str] = frozenset({"students", "employees"}),
                 companies: tuple[str, ...] = ("01",), ignore_skip: bool = False,
                 token_reads: int | None = None) -> None:
        self.school = school
        self.token_reads = token_reads
        """Reads a token is good for (None: no end), as a token that runs out during a long read."""
        self.signins = 0
        self.reads_left = token_reads
        self.readable = readable
        self.companies = companies
        self.ignore_skip = ignore_skip
        self.requests: list[Request] = []
        current = [s for s in school.students if s.status == "current"]
        self.rows = {"students": [student_row(school, s) for s in current],
                     "employees": [employee_row(s) for s in school.staff if s.status == "current"]}
        self.every_student = [student_row(school, s) for s in school.students]

    def credentials(self, base_url: str) -> dict[str, Any]:
        return {"base_url": base_url, "company_code": "01",
                "endpoint_user": {"client_key": KEY, "client_secret": SECRET}}

    def handle(self, request: Request) -> Response:
        self.requests.append(request)
        if request.path == "/api/users" and request.method == "POST":
            body = json.loads(request.body or b"{}")
            if (body.get("clientKey"), body.get("clientSecret")) != (KEY, SECRET):
                return json_response({"title": "Unauthorized", "detail": "Invalid client credentials."}, 401)
            self.signins += 1
            self.reads_left = self.token_reads
            return json_response({"token": f"tok-{self.signins}", "token_expiry_date": "2026-11-22T10:30:00Z",
                                  "allowed_companies": [{"cmpy_code": c} for c in self.companies]})
        parts = request.path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "api" and request.method == "GET":
            if request.headers.get("authorization") != f"Bearer tok-{self.signins}" or self.reads_left == 0:
                return json_response({"title": "Unauthorized", "detail": "Token expired."}, 401)
            if self.reads_left is not None:
                self.reads_left -= 1
            if parts[2] not in self.readable:
                return json_response({"title": "Forbidden", "detail": "No read permission for this endpoint."},
                                     403)
            if parts[2] not in self.rows:
                return json_response({"title": "Not Found"}, 404)
            rows = self.rows[parts[2]]
            if parts[2] == "students" and not request.arg("$filter"):
                rows = self.every_student
            top, skip = int(request.arg("$top", "100")), int(request.arg("$skip", "0"))
            if self.ignore_skip:
                skip = 0
            return json_response(rows[skip:skip + top])
        return json_response({"title": "Not Found"}, 404)


def run_check(credentials: dict[str, Any], requirements: Any = ENDPOINTS) -> list:
    async def go() -> list:
        async with build_client(backoff=0.01) as http:
            return [r async for r in SPEC.connector().check(Context(http), credentials, requirements)]
    return asyncio.run(go())


def codes(results: list) -> list[tuple[str, str]]:
    return [(r.code, r.status.value) for r in results]


@pytest.fixture
def api(sandbox, small_school):
    return sandbox.add(EndpointApi(small_school))


def test_the_profile_chooses_the_endpoint_user_as_its_credentials() -> None:
    [key_set] = SPEC.key_sets(ENDPOINTS)
    assert key_set.id == "endpoint_user" and [f.id for f in key_set.fields] == ["client_key", "client_secret"]
    assert key_set.fields[1].secret
    assert [k.id for k in SPEC.key_sets(SPEC.requirements())][:2] == ["lms", "student_details"]
    assert SPEC.requirements()["access"] == "gateway"


def test_the_steps_say_how_to_make_the_endpoint_user_and_drop_the_gateway_apps() -> None:
    text = "\n".join(" ".join([s.title, *s.prose, *s.items]) for s in steps.load("tass", SPEC.step_values(ENDPOINTS)))
    for words in ("API Endpoint Maintenance", "Client Key", "Client Secret", "students, employees",
                  "Leave Add, Update and Delete unticked"):
        assert words in text, words
    assert "Token Key" not in text and "Security Role" not in text
    rendered = steps.load("tass", SPEC.step_values(SPEC.requirements()))
    gateway = "\n".join(" ".join([s.title, *s.items]) for s in rendered)
    assert "API Endpoint Maintenance" not in gateway and "Token Key" in gateway and "proxy" in gateway


def test_good_endpoint_user_passes_and_sends_no_secret_in_the_url(api) -> None:
    results = run_check(api.emulator.credentials(api.base_url))
    assert codes(results) == [("tass.endpoint_user_ok", "ok"), ("tass.endpoint_company_ok", "ok"),
                              ("tass.endpoint_read_ok", "ok"), ("tass.endpoint_read_ok", "ok")]
    reads = [r for r in api.emulator.requests if r.method == "GET"]
    assert [r.path for r in reads] == ["/api/01/students", "/api/01/employees"]
    assert all(r.query.get("$top") == ["1"] for r in reads)
    assert not any(SECRET in r.path or SECRET in json.dumps(r.query) for r in api.emulator.requests)
    assert not any(SECRET in f"{r.message} {r.remedy} {r.detail}" for r in results)


def test_a_wrong_secret_is_rejected_with_the_screen_to_fix(api) -> None:
    creds = api.emulator.credentials(api.base_url)
    creds["endpoint_user"]["client_secret"] = "wrong"
    [hit] = run_check(creds)
    assert (hit.code, hit.status) == ("tass.endpoint_user_rejected", Status.FAILED)
    assert "API Endpoint Maintenance" in hit.remedy and "Invalid client credentials." in hit.detail


def test_a_company_the_user_may_not_use_is_named(sandbox, small_school) -> None:
    hosted = sandbox.add(EndpointApi(small_school, companies=("10",)))
    results = run_check(hosted.emulator.credentials(hosted.base_url))
    hit = results[-1]
    assert (hit.code, hit.status) == ("tass.endpoint_company_not_allowed", Status.FAILED)
    assert "10" in hit.remedy and "01" in hit.message


def test_an_endpoint_without_read_says_to_tick_read(sandbox, small_school) -> None:
    hosted = sandbox.add(EndpointApi(small_school, readable=frozenset({"students"})))
    results = run_check(hosted.emulator.credentials(hosted.base_url))
    hit = next(r for r in results if r.check == "Read employees")
    assert (hit.code, hit.status) == ("tass.endpoint_read_refused", Status.FAILED)
    assert "tick Read on the employees endpoint" in hit.remedy


def test_an_http_address_and_missing_keys_are_said_before_anything_is_sent(api) -> None:
    creds = {**api.emulator.credentials(api.base_url), "base_url": "http://tass.example.edu.au"}
    [hit] = run_check(creds)
    assert hit.code == "tass.plain_http" and "v49" in hit.message
    blank = {**api.emulator.credentials(api.base_url), "endpoint_user": {}}
    assert codes(run_check(blank)) == [("tass.endpoint_user_missing", "failed")]
    assert not api.emulator.requests
    problems = {p.code for p in form_results(SPEC, blank, ENDPOINTS)}
    assert {"tass.field_invalid.client_key", "tass.field_invalid.client_secret"} <= problems


def test_a_server_without_the_newer_api_says_so(sandbox, small_school) -> None:
    hosted = sandbox.add(EndpointApi(small_school))
    creds = hosted.emulator.credentials(hosted.base_url)
    [hit] = run_check(creds, SPEC.requirements({"access": "endpoints", "endpoint_api_path": "/elsewhere"}))
    assert hit.code == "tass.endpoint_api_missing" and "API Gateway" in hit.remedy


# -- records through the endpoint user ---------------------------------------------------------

def read_all(credentials: dict[str, Any], entity: str, requirements: Any = ENDPOINTS) -> tuple[list[dict], list[int]]:
    pages: list[int] = []

    async def go() -> list[dict]:
        async with build_client(backoff=0.01) as http:
            ctx = Context(http, on_page=lambda _e, n: pages.append(n))
            return [r async for r in SPEC.connector().stream(ctx, credentials, requirements, entity)]
    return asyncio.run(go()), pages


def endpoint_profile() -> Any:
    profile = load_builtin("demo")
    return dataclasses.replace(profile, systems={**profile.systems, "tass": {"access": "endpoints"}})


def test_preview_through_the_endpoint_user_gives_the_schools_students(api, small_school) -> None:
    creds = api.emulator.credentials(api.base_url)
    profile = endpoint_profile()
    requirements = profile.requirements("tass")

    async def go() -> Any:
        async with build_client(backoff=0.01) as http:
            return await preview.preview(SPEC, Context(http), creds, requirements, profile, None, "students", limit=5)

    shown = asyncio.run(go())
    current = small_school.current_students()
    by_code = {s.code: s for s in current}
    assert len(shown.records) == 5 and not any(r.errors for r in shown.records)
    for record in shown.records:
        values = record.values()
        student = by_code[str(values["id"])]
        assert (values["first_name"], values["last_name"]) == (student.first_name, student.last_name)
        assert values["birth_date"] == student.birth_date.isoformat()
        assert values["gender"] == {"M": "Male", "F": "Female", "X": "Other"}[student.gender]
    reads = [r for r in api.emulator.requests if r.method == "GET"]
    assert reads[0].path == "/api/01/students" and "doe le" in reads[0].arg("$filter")


def test_sync_through_the_endpoint_user_gives_every_student_and_staff_member(api, small_school) -> None:
    creds = api.emulator.credentials(api.base_url)
    subject = from_credentials("tass", creds, endpoint_profile())
    report = RunReport(system="tass", sink="test")

    async def pull() -> dict[str, list[Any]]:
        async with build_client(backoff=0.01) as http:
            return await engine.pull(subject, Context(http=http), ["students", "staff"], report)

    dataset = asyncio.run(pull())
    output = engine.shape(subject, dataset, report)
    current = small_school.current_students()
    assert report.table("students").pulled == len(current)
    assert {r["student.id"] for r in dataset["students"]} == {s.code for s in current}
    names = {(r["student.first_name"], r["student.last_name"]) for r in dataset["students"]}
    assert names == {(s.first_name, s.last_name) for s in current}
    staff = [s for s in small_school.staff if s.status == "current"]
    assert {r["staff.id"] for r in dataset["staff"]} == {s.code for s in staff}
    kept = output.tables["students"]
    assert len(kept) >= 0.9 * len(current) and all(row["first_name"] and row["last_name"] for row in kept)
    assert not any(SECRET in json.dumps(row, default=str) for rows in output.tables.values() for row in rows)


def test_paging_gets_every_record_and_the_filter_and_page_size_are_the_profiles(api, small_school) -> None:
    creds = api.emulator.credentials(api.base_url)
    current = small_school.current_students()
    requirements = SPEC.requirements({"access": "endpoints", "endpoint_page_size": 7})
    records, pages = read_all(creds, "students", requirements)
    assert len(current) > 14 and len(records) == len(current)
    assert len({r["general_details.student_code"] for r in records}) == len(current)
    reads = [r for r in api.emulator.requests if r.method == "GET"]
    assert [int(r.arg("$skip")) for r in reads] == list(range(0, 7 * len(reads), 7))
    assert all(r.arg("$top") == "7" for r in reads) and len(reads) == len(current) // 7 + 1
    assert pages[-1] == len(current) and len(pages) == len(reads)
    everyone, _ = read_all(creds, "students", SPEC.requirements({"access": "endpoints",
                                                                  "endpoint_filters": {"current": ""}}))
    assert len(everyone) == len(small_school.students) > len(current)
    api.emulator.requests.clear()
    read_all(creds, "students", SPEC.requirements({"access": "endpoints", "student_status": "future"}))
    assert api.emulator.requests[-1].arg("$filter").startswith("doe ge ")


def test_records_come_in_the_api_gateways_shape_and_names_can_be_changed(api, small_school) -> None:
    creds = api.emulator.credentials(api.base_url)
    records, _ = read_all(creds, "students")
    first = small_school.current_students()[0]
    row = next(r for r in records if r["general_details.student_code"] == first.code)
    assert row["general_details.date_of_birth"] == first.birth_date.strftime("%d/%m/%Y")
    assert row["general_details.date_of_leaving"] == "" and row["school_details.boarder"] == "No"
    declared = {f.name for f in SPEC.entity("students").fields}
    assert declared <= set(row), declared - set(row)
    renamed = SPEC.requirements({"access": "endpoints",
                                 "endpoint_fields": {"students": {"general_details.first_name": "preferred_name"}}})
    again, _ = read_all(creds, "students", renamed)
    assert {r["general_details.first_name"] for r in again} == {
        s.preferred_name for s in small_school.current_students()}
    staff, _ = read_all(creds, "staff")
    assert {f.name for f in SPEC.entity("staff").fields} <= set(staff[0])
    assert all(s["active_flag"] == "Y" and s["teacher_name"].endswith(s["surname"]) for s in staff)


def test_a_read_refused_endpoint_stops_the_stream_with_the_box_to_tick(sandbox, small_school) -> None:
    hosted = sandbox.add(EndpointApi(small_school, readable=frozenset({"students"})))
    with pytest.raises(VendorError) as refused:
        read_all(hosted.emulator.credentials(hosted.base_url), "staff")
    assert refused.value.code == "tass.endpoint_read_refused" and refused.value.kind is FailureKind.CONFIG
    assert "tick Read on the employees endpoint" in refused.value.remedy
    assert "API Endpoint Maintenance" in refused.value.remedy


def test_entities_without_an_endpoint_say_the_gateway_apps_are_needed(api) -> None:
    with pytest.raises(VendorError) as refused:
        read_all(api.emulator.credentials(api.base_url), "timetable")
    assert refused.value.code == "tass.endpoint_entity_unsupported" and "API Gateway" in refused.value.remedy
    assert not api.emulator.requests


@pytest.mark.parametrize("kind, code", [
    (FaultKind.MALFORMED, "tass.endpoint_bad_response"),
    (FaultKind.SERVER_ERROR, "tass.endpoint_read_failed"),
    (FaultKind.TRUNCATE, None),
    (FaultKind.DROP, None),
])
def test_garbled_or_failed_replies_give_an_error_with_a_remedy(sandbox, small_school, kind, code) -> None:
    hosted = sandbox.add(EndpointApi(small_school))
    sandbox.inject(hosted.emulator.system, Fault(kind, route="/api/01/students"))
    with pytest.raises(VendorError) as failed:
        read_all(hosted.emulator.credentials(hosted.base_url), "students")
    error = failed.value
    assert error.code.startswith("tass.") and error.message and error.remedy, (error.code, error.message)
    if code:
        assert error.code == code
    assert error.kind is FailureKind.TRANSIENT
    assert SECRET not in f"{error.message} {error.remedy} {error.detail}"


def test_a_server_that_ignores_skip_is_caught(sandbox, small_school) -> None:
    hosted = sandbox.add(EndpointApi(small_school, ignore_skip=True))
    with pytest.raises(VendorError) as failed:
        read_all(hosted.emulator.credentials(hosted.base_url), "students",
                 SPEC.requirements({"access": "endpoints", "endpoint_page_size": 5}))
    assert failed.value.code == "tass.endpoint_paging_ignored" and failed.value.remedy


def test_a_rate_limited_page_is_retried(sandbox, small_school) -> None:
    hosted = sandbox.add(EndpointApi(small_school))
    sandbox.inject(hosted.emulator.system, Fault(FaultKind.RATE_LIMIT, route="/api/01/students", times=1, after=1))
    records, _ = read_all(hosted.emulator.credentials(hosted.base_url), "students",
                          SPEC.requirements({"access": "endpoints", "endpoint_page_size": 10}))
    assert len(records) == len(small_school.current_students())
    assert [e.status for e in sandbox.log if e.fault == "429"] == [429]


def test_a_wrong_secret_stops_the_stream_with_the_screen_to_fix(api) -> None:
    creds = api.emulator.credentials(api.base_url)
    creds["endpoint_user"]["client_secret"] = "wrong"
    with pytest.raises(VendorError) as refused:
        read_all(creds, "students")
    assert refused.value.code == "tass.endpoint_user_rejected" and "API Endpoint Maintenance" in refused.value.remedy


def test_the_steps_say_which_endpoints_need_read_and_what_for() -> None:
    text = "\n".join(" ".join([s.title, *s.prose, *s.items]) for s in steps.load("tass", SPEC.step_values(
        SPEC.requirements({"access": "endpoints"}))))
    assert "Tick **Read** on these endpoints" in text or "Tick Read on these endpoints" in text
    assert "students (student records), employees (staff records)" in text


def test_the_check_warns_when_a_sample_lacks_the_fields_read(sandbox, small_school) -> None:
    hosted = sandbox.add(EndpointApi(small_school))
    for row in hosted.emulator.rows["employees"]:
        row.pop("title")
    results = run_check(hosted.emulator.credentials(hosted.base_url))
    warned = [r for r in results if r.status is Status.WARNING]
    assert [r.code for r in warned] == ["tass.endpoint_fields_missing"] and "title" in warned[0].message
    assert "endpoint_fields" in warned[0].remedy


def test_a_token_that_runs_out_during_a_long_read_is_renewed_once(sandbox, small_school) -> None:
    hosted = sandbox.add(EndpointApi(small_school, token_reads=2))
    records, _ = read_all(hosted.emulator.credentials(hosted.base_url), "students",
                          SPEC.requirements({"access": "endpoints", "endpoint_page_size": 5}))
    assert len(records) == len(small_school.current_students()) and hosted.emulator.signins >= 3
