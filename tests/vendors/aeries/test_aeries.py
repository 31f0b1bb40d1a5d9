"""Aeries over loopback: the admin's mistakes each get their own code and remedy, records stream,
faults are retried or reported, and neither the certificate nor the consumer secret leaks."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import pytest

from mis_wizard.vendors.aeries import SPEC, TERM_SCHOOL
from mis_wizard.vendors.aeries import records as people
from mis_wizard.vendors.aeries.records import person_key
from mis_wizard.vendors.aeries.sandbox import GOOD_CERT, OR_SECRET, AeriesEmulator
from mis_wizard.vendors.base import Context, Status, form_results
from mis_wizard.vendors.errors import VendorError
from mis_wizard.vendors.sandbox import school as school_mod
from mis_wizard.vendors.sandbox.kit import Fault, FaultKind, Sandbox
from mis_wizard.wizard import steps
from mis_wizard.wizard.http import build_client

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "aeries"
SCHOOL = school_mod.generate(7, "small", dt.date(2026, 11, 22))
FIXTURE_ENTITY = {"schools.list.json": "schools", "schools_994_students.list.json": "students",
                  "schools_994_students_grade_12.list.json": "students", "staff.list.json": "staff",
                  "staff.by-id.json": "staff"}


def run_check(base_creds: dict, requirements: dict | None = None, ca: Path | None = None) -> list:
    async def go() -> list:
        async with build_client(backoff=0.01, extra_ca=ca) as http:
            connector = SPEC.connector()
            return [r async for r in connector.check(Context(http), base_creds, SPEC.requirements(requirements))]
    return asyncio.run(go())


def stream_all(creds: dict, entity: str, requirements: dict | None = None, page_size: int | None = None) -> list:
    async def go() -> list:
        async with build_client(backoff=0.01) as http:
            ctx = Context(http, page_size=page_size)
            return [r async for r in SPEC.connector().stream(ctx, creds, SPEC.requirements(requirements), entity)]
    return asyncio.run(go())


@pytest.fixture
def aeries(sandbox, small_school):
    hosted = sandbox.add(AeriesEmulator(small_school))
    return hosted


@pytest.mark.parametrize("path", sorted(FIXTURES.rglob("*.json")), ids=lambda p: p.name)
def test_every_fixture_parses_and_carries_the_declared_fields(path: Path) -> None:
    body = json.loads(path.read_text(encoding="utf-8"))
    records = body if isinstance(body, list) else [body]
    assert records and all(isinstance(r, dict) for r in records)
    entity = FIXTURE_ENTITY.get(path.name)
    if entity:
        declared = {f.name for f in SPEC.entity(entity).fields}
        for record in records:
            assert declared <= set(record), declared - set(record)
    if path.name == "schools.list.json":
        term_fields = {f.name for f in SPEC.entity("terms").fields} - {TERM_SCHOOL}  # the client adds it
        assert all(term_fields <= set(t) for r in records for t in r["Terms"])


def test_emulator_uses_only_field_names_the_real_server_sends(aeries, small_school) -> None:
    """Field for field: every key the emulator sends appears in the recorded payload."""
    creds = aeries.emulator.credentials(aeries.base_url)
    real_student = json.loads((FIXTURES / "v5/schools_994_students.list.json").read_text())[0]
    real_school = json.loads((FIXTURES / "v5/schools.list.json").read_text())[0]
    real_staff = json.loads((FIXTURES / "v5/staff.list.json").read_text())[0]
    assert set(stream_all(creds, "students")[0]) <= set(real_student)
    assert set(stream_all(creds, "schools")[0]) <= set(real_school)
    assert set(stream_all(creds, "staff")[0]) <= set(real_staff)
    contact = stream_all(creds, "contacts")[0]
    assert "CorrespondanceLanguageCode" in contact  # Aeries' own spelling in contacts


def test_steps_render_with_the_demo_requirements() -> None:
    rendered = steps.load("aeries", SPEC.step_values(SPEC.requirements()))
    assert [s.title for s in rendered][:3] == ["Open API Security", "Create the Standard API product",
                                               "Create the OneRoster product"]
    assert any("Update" in item and "Insert" in item for item in rendered[1].items)
    read_only = steps.load("aeries", SPEC.step_values(SPEC.requirements({"write": False})))
    assert not any("Update" in item for item in read_only[1].items)


def test_good_credentials_pass_every_check(aeries) -> None:
    results = run_check(aeries.emulator.credentials(aeries.base_url))
    assert not [r for r in results if r.status in (Status.FAILED, Status.WARNING)]
    codes = {r.code for r in results}
    assert {"aeries.systeminfo_ok", "aeries.certificate_ok", "aeries.database_year_ok", "aeries.sample_ok",
            "aeries.oneroster_token_ok", "aeries.oneroster_sample_ok"} <= codes


def test_a_district_on_the_older_token_path_still_signs_in(aeries) -> None:
    base = aeries.base_url
    creds = aeries.emulator.credentials(base)
    creds["oneroster"]["oneroster_url"] = f"{base}/lastyear/aeries/ims/oneroster/v1p1"
    results = run_check(creds)
    token = next(r for r in results if r.code == "aeries.oneroster_token_ok")
    assert "/token" in token.detail and "/v2/" not in token.detail


def test_a_database_year_the_district_lacks_is_reported(aeries) -> None:
    results = run_check(aeries.emulator.credentials(aeries.base_url), {"database_year": "2011"})
    assert any(r.code == "aeries.database_year_unavailable" and r.status is Status.FAILED for r in results)


def test_a_malformed_certificate_is_caught_before_the_network() -> None:
    creds = {"server_url": "https://aeries.example.org/aeries", "standard_api": {"certificate": "not-a-cert"},
             "oneroster": {"oneroster_url": "aeries.example.org", "consumer_id": "x", "consumer_secret": "short"}}
    problems = {r.code: r for r in form_results(SPEC, creds, SPEC.requirements())}
    assert set(problems) == {"aeries.field_invalid.certificate", "aeries.field_invalid.oneroster_url",
                             "aeries.field_invalid.consumer_id", "aeries.field_invalid.consumer_secret"}
    assert "not-a-cert" not in problems["aeries.field_invalid.certificate"].message
    assert "Display Certificate Details" in problems["aeries.field_invalid.certificate"].remedy


def test_a_wrong_consumer_id_is_reported_as_rejected(aeries) -> None:
    creds = aeries.emulator.credentials(aeries.base_url)
    creds["oneroster"]["consumer_id"] = "someone-else"
    results = run_check(creds)
    assert any(r.code == "aeries.oneroster_credentials_rejected" and r.remedy for r in results)


def test_unreachable_server_is_a_clear_failure() -> None:
    creds = AeriesEmulator(SCHOOL).credentials("http://127.0.0.1:9")
    results = run_check(creds)
    assert {r.code for r in results if r.status is Status.FAILED} == {"aeries.unreachable",
                                                                      "aeries.oneroster_unreachable"}


def test_secrets_never_appear_in_results_or_the_sandbox_log(aeries, sandbox) -> None:
    emulator = aeries.emulator
    every = run_check(emulator.credentials(aeries.base_url))
    for scenario in emulator.scenarios(aeries.base_url).values():
        every += run_check(scenario.credentials)
    text = json.dumps([r.to_json() for r in every]) + json.dumps([vars(e) for e in sandbox.log])
    for secret in (GOOD_CERT, GOOD_CERT.lower(), OR_SECRET):
        assert secret not in text


def test_every_entity_streams_the_whole_school(aeries, small_school) -> None:
    creds = aeries.emulator.credentials(aeries.base_url)
    current = small_school.students
    assert len(stream_all(creds, "schools")) == len(small_school.campuses) + 1  # + district office (code 0)
    assert len(stream_all(creds, "terms")) == len(small_school.campuses) * len(small_school.terms)
    students = stream_all(creds, "students", page_size=7)
    assert len(students) == len(current)
    assert len({s["StudentID"] for s in students}) == len(current)
    assert len(stream_all(creds, "contacts")) == len({link.contact_id for link in small_school.contact_links})
    assert len(stream_all(creds, "contact_links")) == len(small_school.contact_links)
    assert len(stream_all(creds, "staff")) == len(small_school.staff)
    classes = stream_all(creds, "classes", page_size=20)
    assert len(classes) == len(small_school.classes)
    staff_ids = {str(s["ID"]) for s in stream_all(creds, "staff")}
    assert all(c["teacherSourcedId"] in staff_ids for c in classes)  # teacher enrolments, as Aeries staff IDs
    assert len(stream_all(creds, "class_memberships", page_size=50)) == len(small_school.memberships)


def test_a_refused_stream_raises_a_vendor_error(aeries) -> None:
    creds = aeries.emulator.scenarios(aeries.base_url)["no_contacts_permission"].credentials
    with pytest.raises(VendorError) as err:
        stream_all(creds, "contacts")
    assert err.value.code == "aeries.not_permitted"


SCHOOLS, SYSTEMINFO = "/aeries/api/v5/schools", "/aeries/api/v5/systeminfo"


@pytest.mark.parametrize(("fault", "code"), [
    (Fault(FaultKind.RATE_LIMIT, route=SCHOOLS, times=1, retry_after=0), None),
    (Fault(FaultKind.SERVER_ERROR, route=SCHOOLS, times=1, retry_after=0), None),
    (Fault(FaultKind.DROP, route=SCHOOLS, times=1, retry_after=0), None),
    (Fault(FaultKind.SERVER_ERROR, route=SYSTEMINFO), "aeries.transient"),
    (Fault(FaultKind.MALFORMED, route=SYSTEMINFO), "aeries.transient"),
], ids=["rate_limit_once", "server_error_once", "drop_once", "server_keeps_failing", "garbled"])
def test_a_passing_fault_is_retried_and_a_lasting_one_is_transient(aeries, sandbox, fault: Fault,
                                                                   code: str | None) -> None:
    sandbox.inject("aeries", fault)
    failed = [r for r in run_check(aeries.emulator.credentials(aeries.base_url)) if r.status is Status.FAILED]
    if code is None:
        assert not failed
    else:
        assert any(r.code == code and r.remedy for r in failed)


def test_checks_pass_over_tls(tmp_path, small_school) -> None:
    with Sandbox(tls_dir=tmp_path / "tls") as box:
        hosted = box.add(AeriesEmulator(small_school))
        assert hosted.base_url.startswith("https://")
        results = run_check(hosted.emulator.credentials(hosted.base_url), ca=box.cert_path)
    assert not [r for r in results if r.status is Status.FAILED]


def test_a_parent_of_siblings_is_one_contact_with_a_link_per_child(aeries, small_school) -> None:
    """Aeries sends one row per student; the wizard presents one person, however the e-mail's
    capitals were retyped on a sibling's copy, and keeps the per-student facts on the links."""
    creds = aeries.emulator.credentials(aeries.base_url)
    people = stream_all(creds, "contacts")
    links = stream_all(creds, "contact_links")
    keys = {p["ContactKey"] for p in people}
    assert len(keys) == len(people)
    assert {link["ContactKey"] for link in links} == keys
    assert not {"StudentID", "RelationshipToStudentCode", "EducationalRightsHolder"} & set(people[0])
    by_contact: dict[str, set[str]] = {}
    for link in small_school.contact_links:
        by_contact.setdefault(link.contact_id, set()).add(link.student_id)
    parent = next(c for c in small_school.contacts if len(by_contact.get(c.id, ())) > 1)
    theirs = [p for p in people if (p["FirstName"], p["LastName"], p["CellPhone"])
              == (parent.first_name, parent.last_name, parent.mobile)]
    assert len(theirs) == 1
    assert sum(link["ContactKey"] == theirs[0]["ContactKey"] for link in links) == len(by_contact[parent.id])
    assert {"RelationshipToStudentCode", "LivesWithStudentIndicator", "EducationalRightsHolder",
            "SequenceNumber"} <= set(links[0])
    named = {link.relationship for link in small_school.contact_links}
    assert {link["RelationshipToStudent"] for link in links} == named  # decoded from Aeries' code set


@pytest.mark.parametrize(("a", "b", "same"), [
    ({"EmailAddress": "Ann.Lee@example.org"}, {"EmailAddress": " ann.lee@example.org"}, True),
    ({"EmailAddress": "ann.lee@example.org"}, {"EmailAddress": "ann.lee@example.org", "FirstName": "Bo"}, False),
    ({"EmailAddress": "", "CellPhone": "555-0100"}, {"EmailAddress": "", "CellPhone": "555-0100"}, True),
    ({"EmailAddress": "", "CellPhone": ""}, {"EmailAddress": "", "CellPhone": "", "StudentID": 2}, False),
])
def test_the_person_rule(a: dict, b: dict, same: bool) -> None:
    base = {"StudentID": 1, "SequenceNumber": 1, "FirstName": "Ann", "LastName": "Lee"}
    assert (person_key({**base, **a}) == person_key({**base, **b})) is same


def _contact_row(**names: str) -> dict:
    """A contact row in the shape aeries.md lists (Contact fields), names as given."""
    return {"StudentID": 99400001, "SchoolCode": 994, "SequenceNumber": 1, "ContactOrder": 1,
            "FirstName": "", "LastName": "", "MiddleName": "", "MailingName": "",
            "RelationshipToStudentCode": "10", "LivesWithStudentIndicator": "Y", "Address": "1 Example Street",
            "AddressCity": "Riverbend", "AddressState": "CA", "AddressZipCode": "90000", "HomePhone": "",
            "WorkPhone": "", "CellPhone": "", "EmailAddress": "testa.testerson@example.org", **names}


@pytest.mark.parametrize(("mailing", "first", "last"), [
    ("Testerson, Testa", "Testa", "Testerson"),
    ("Testerson, Testa Marie", "Testa", "Testerson"),
    ("Testa Testerson", "Testa", "Testerson"),
    ("Mrs Testa Testerson", "Testa", "Testerson"),
    ("Mr. and Mrs. Testo and Testa Testerson", "Testo and Testa", "Testerson"),
    ("Testo Testerson Jr.", "Testo", "Testerson Jr."),
    ("Testerson", "", "Testerson"),
])
def test_a_contact_with_only_a_mailing_name_gets_first_and_last_names(mailing: str, first: str, last: str) -> None:
    person = people.people([_contact_row(MailingName=mailing)])[0]
    assert (person["FirstName"], person["LastName"]) == (first, last)
    assert person["MailingName"] == mailing


def test_typed_names_are_kept_over_the_mailing_name() -> None:
    person = people.people([_contact_row(FirstName="Testa", LastName="Testerson",
                                         MailingName="Dr T. Testerson-Smith")])[0]
    assert (person["FirstName"], person["LastName"]) == ("Testa", "Testerson")


def test_a_400_puts_aeries_words_in_the_headline() -> None:
    """aeries.md: any status of 400 and up carries a body like {"Message":"Invalid Staff ID"}."""
    import httpx

    from mis_wizard.vendors.aeries.client import _refusal

    response = httpx.Response(400, json={"Message": "StartingRecord must be less than EndingRecord."})
    err = _refusal(response, "students")
    assert err.message == "Aeries refused to send students: StartingRecord must be less than EndingRecord."
    assert err.remedy
    plain = _refusal(httpx.Response(400, text="<html>Bad Request</html>"), "students")
    assert plain.message.startswith("Aeries refused to send students:") and "<html>" not in plain.message


def test_contacts_typed_with_only_a_mailing_name_stream_with_their_names(aeries, small_school) -> None:
    """Some of the emulator's contact rows carry only MailingName ("Mrs First Last"); the contacts
    stream still gives every person's first and last name, as the school typed them."""
    from mis_wizard.vendors.aeries.render import contact_records as _contact_records

    rows = _contact_records(small_school)
    mailing_only = [r for r in rows if not r["FirstName"] and not r["LastName"]]
    assert mailing_only and all(r["MailingName"] for r in mailing_only)
    streamed = stream_all(aeries.emulator.credentials(aeries.base_url), "contacts")
    names = {(p["FirstName"], p["LastName"]) for p in streamed}
    assert all(p["FirstName"] and p["LastName"] for p in streamed)
    contacts = {c.id: c for c in small_school.contacts}
    linked = {link.contact_id for link in small_school.contact_links}
    assert {(contacts[c].first_name, contacts[c].last_name) for c in linked} == names


class _EnhancementsOff(AeriesEmulator):
    """A district whose "v5 Enhancements" feature flag is off: the gated endpoints (here the student
    ones) answer 501 with Aeries' usual {"Message": ...} body (aeries.md, Errors, S3 and S18)."""

    def _v5(self, request, district, parts):
        if "students" in [p.lower() for p in parts]:
            from mis_wizard.vendors.sandbox.kit import json_response
            return json_response({"Message": "The method or operation is not implemented."}, 501)
        return super()._v5(request, district, parts)


def test_a_501_says_to_turn_on_the_v5_enhancements_feature_flag(sandbox, small_school) -> None:
    hosted = sandbox.add(_EnhancementsOff(small_school))
    creds = hosted.emulator.credentials(hosted.base_url)
    results = run_check(creds)
    hit = next(r for r in results if r.code == "aeries.v5_enhancements_off")
    assert hit.status is Status.FAILED and hit.check == "Read Student Data"
    assert "v5 Enhancements" in hit.remedy and "Admin > Feature Flags" in hit.remedy
    assert "501" not in hit.message and "HTTP 501" in hit.detail
    with pytest.raises(VendorError) as raised:
        stream_all(creds, "students")
    assert raised.value.code == "aeries.v5_enhancements_off" and "Feature Flags" in raised.value.remedy


def _info(default: str, today: str, years: tuple[str, ...] = ("2025-2026", "2026-2027", "2027-2028")) -> dict:
    """/api/v5/systeminfo as aeries.md shows it."""
    return {"AeriesVersion": "10.24.11.5", "DatabaseYear": default, "AvailableDatabaseYears": list(years),
            "LocalTimeZoneName": "Pacific Standard Time", "CurrentDateTime": f"{today}T09:30:00"}


@pytest.mark.parametrize(("default", "today", "code", "status"), [
    ("2026-2027", "2026-11-22", "aeries.database_year_ok", Status.OK),
    ("2025-2026", "2026-11-22", "aeries.database_year_stale", Status.WARNING),
    ("2025-2026", "2026-08-03", "aeries.database_year_stale", Status.WARNING),
    ("2027-2028", "2027-06-10", "aeries.database_year_ahead", Status.WARNING),
    ("2026-2027", "2026-07-15", "aeries.database_year_rollover", Status.WARNING),
    ("2026-2027", "2027-05-31", "aeries.database_year_ok", Status.OK),
])
def test_the_default_year_is_held_against_today_and_rollover_season(default, today, code, status) -> None:
    """DatabaseYear left out means the district's default year (aeries.md, S3): a default that differs
    from today's school year, or any default in the June-September rollover season, is a warning."""
    result = SPEC.connector()._database_year(_info(default, today), "")
    assert (result.code, result.status) == (code, status)
    if status is Status.WARNING:
        assert result.remedy and default in result.message


def test_a_malformed_or_unknown_year_is_refused_because_aeries_would_fall_back_silently(aeries) -> None:
    creds = aeries.emulator.credentials(aeries.base_url)
    results = {r.code: r for r in run_check(creds, {"database_year": "2026-27"})}
    bad = results["aeries.database_year_malformed"]
    assert bad.status is Status.FAILED and "silently" in bad.message and "2026" in bad.remedy
    fine = {r.code for r in run_check(creds, {"database_year": str(SCHOOL.anchor.year)})}
    assert "aeries.database_year_ok" in fine
