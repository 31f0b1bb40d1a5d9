"""Skyward Qmlativ over loopback: Integration Access mistakes get their own code and remedy, the
key and secret are URL-encoded before Basic, records page through Paging.Next, and the secret
never leaks."""

from __future__ import annotations

import asyncio
from pathlib import Path

import defusedxml.ElementTree as ET
import pytest

from mis_wizard.vendors.base import Context, Status, form_results
from mis_wizard.vendors.errors import VendorError
from mis_wizard.vendors.qmlativ import DEFAULT_OBJECTS, EMAILS, JOINED, SPEC
from mis_wizard.vendors.qmlativ.sandbox import GOOD_SECRET, QmlativEmulator, name_id
from mis_wizard.vendors.sandbox.kit import Fault, FaultKind, Sandbox
from mis_wizard.wizard import steps
from mis_wizard.wizard.http import build_client

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "qmlativ"


def run_check(creds: dict, requirements: dict | None = None, ca: Path | None = None) -> list:
    async def go() -> list:
        async with build_client(backoff=0.01, extra_ca=ca) as http:
            return [r async for r in SPEC.connector().check(Context(http), creds, SPEC.requirements(requirements))]
    return asyncio.run(go())


def stream_all(creds: dict, entity: str, page_size: int | None = None) -> list:
    async def go() -> list:
        async with build_client(backoff=0.01) as http:
            ctx = Context(http, page_size=page_size)
            return [r async for r in SPEC.connector().stream(ctx, creds, SPEC.requirements(), entity)]
    return asyncio.run(go())


@pytest.fixture
def qmlativ(sandbox, small_school):
    return sandbox.add(QmlativEmulator(small_school))


def _allowed_fields(path: Path) -> dict[str, set[str]]:
    root = ET.fromstring(path.read_bytes())
    return {f"{o.get('Module')}/{o.get('Name')}": {f.get("Name") for f in o.iter("Field")
                                                    if f.get("IsReadAllowed") == "true"}
            for o in root.iter("Object")}


@pytest.mark.parametrize("path", sorted(FIXTURES.rglob("*.xml")), ids=lambda p: p.name)
def test_integration_access_exports_parse_and_allow_what_we_read(path: Path) -> None:
    """The Skyward-generated field permission export (BOM and all) allows every field the default profile
    asks for on the objects it lists."""
    allowed = _allowed_fields(path)
    assert {"Demographics/Name", "Student/Student", "District/SchoolYear", "District/Entity"} <= set(allowed)
    for obj, fields in DEFAULT_OBJECTS.items():
        if obj in allowed:
            assert set(fields) <= allowed[obj], (obj, set(fields) - allowed[obj])


def test_emulator_objects_use_the_field_names_of_the_export(qmlativ) -> None:
    allowed = _allowed_fields(FIXTURES / "integration-access/IntegrationAccess.excerpt.xml")
    creds = qmlativ.emulator.credentials(qmlativ.base_url)
    for entity, obj in (("students", "Student/Student"), ("contacts", "Demographics/Name"),
                        ("terms", "District/SchoolYear"), ("schools", "District/Entity")):
        assert set(stream_all(creds, entity)[0]) - JOINED.get(entity, set()) <= allowed[obj]
    assert set(DEFAULT_OBJECTS[EMAILS]) <= allowed[EMAILS]


def test_steps_render_with_the_demo_requirements() -> None:
    rendered = steps.load("qmlativ", SPEC.step_values(SPEC.requirements()))
    assert rendered[0].copies == [("Integration", "MIS Wizard")]
    assert any("Is Active" in item for item in rendered[1].items)


def test_good_credentials_pass_every_check(qmlativ) -> None:
    results = run_check(qmlativ.emulator.credentials(qmlativ.base_url))
    assert not [r for r in results if r.status in (Status.FAILED, Status.WARNING)]
    assert {"qmlativ.token_ok", "qmlativ.entity_year_ok", "qmlativ.fields_ok", "qmlativ.sample_ok"} <= {
        r.code for r in results}


def test_a_field_not_allowed_is_named(qmlativ) -> None:
    results = run_check(qmlativ.emulator.scenarios(qmlativ.base_url)["field_not_allowed"].credentials)
    failed = next(r for r in results if r.code == "qmlativ.fields_not_allowed")
    assert "BirthDate" in failed.message and "Integration Access" in failed.remedy


def test_an_email_not_allowed_is_named_in_the_check_and_the_stream(qmlativ) -> None:
    creds = qmlativ.emulator.scenarios(qmlativ.base_url)["email_not_allowed"].credentials
    failed = next(r for r in run_check(creds) if r.code == "qmlativ.fields_not_allowed")
    assert "EmailAddress" in failed.message and EMAILS in failed.remedy and "Read" in failed.remedy
    with pytest.raises(VendorError) as err:
        stream_all(creds, "contacts")
    assert err.value.code == "qmlativ.fields_not_allowed" and "EmailAddress" in err.value.message


def test_contacts_are_the_guardians_with_their_first_ranked_email(qmlativ, small_school) -> None:
    """Demographics/Name holds students and staff too; only guardians are contacts, and each
    carries its Rank 1 address from Demographics/NameEmail (a work address ranks after it)."""
    creds = qmlativ.emulator.credentials(qmlativ.base_url)
    contacts = {c["NameID"]: c for c in stream_all(creds, "contacts", page_size=25)}
    linked = {link.contact_id for link in small_school.contact_links}
    assert set(contacts) == {name_id(c) for c in linked}
    for person in small_school.contacts:
        if person.id in linked:
            assert contacts[name_id(person.id)]["EmailAddress"] == person.email


def test_a_school_year_the_entity_lacks_is_reported(qmlativ) -> None:
    results = run_check(qmlativ.emulator.credentials(qmlativ.base_url), {"school_year": 1999})
    assert any(r.code == "qmlativ.school_year_not_found" for r in results)


def test_the_form_variant_signs_in_when_basic_is_not_encoded(qmlativ, sandbox) -> None:
    """A Basic header without URL-encoding is refused (the secret holds % and +); the client then sends
    the form fields and gets a token."""
    creds = qmlativ.emulator.credentials(qmlativ.base_url)
    assert "%" in GOOD_SECRET
    assert stream_all(creds, "classes")  # OneRoster client: raw Basic first, then form fields
    token_calls = [e for e in sandbox.log if e.path.endswith("/oauth/token")]
    assert [e.status for e in token_calls[:2]] == [401, 200]


def test_wrong_values_give_clear_messages() -> None:
    creds = {"base_url": "district.skyward.com", "integration_access": {"key": " ", "secret": "short"}}
    codes = {r.code for r in form_results(SPEC, creds, SPEC.requirements())}
    assert codes == {"qmlativ.field_invalid.base_url", "qmlativ.field_invalid.key", "qmlativ.field_invalid.secret"}


def test_every_entity_streams_the_whole_school(qmlativ, small_school) -> None:
    s = small_school
    creds = qmlativ.emulator.credentials(qmlativ.base_url)
    assert len(stream_all(creds, "schools")) == len(s.campuses) + 1
    assert len(stream_all(creds, "terms")) == 4
    students = stream_all(creds, "students", page_size=9)
    assert len(students) == len(s.students) and len({r["StudentID"] for r in students}) == len(s.students)
    assert len(stream_all(creds, "contacts", page_size=40)) == len({link.contact_id for link in s.contact_links})
    assert len(stream_all(creds, "contact_links")) == len(s.contact_links)
    assert len(stream_all(creds, "staff")) == len(s.staff)
    classes = stream_all(creds, "classes", page_size=30)
    assert len(classes) == len(s.classes)
    staff_ids = {str(t["StaffID"]) for t in stream_all(creds, "staff")}
    assert all(c["teacherSourcedId"] in staff_ids for c in classes)  # teacher enrolments, as Qmlativ StaffIDs
    assert len(stream_all(creds, "class_memberships")) == len(s.memberships)


def test_a_refused_stream_raises_a_vendor_error(qmlativ) -> None:
    creds = qmlativ.emulator.scenarios(qmlativ.base_url)["access_inactive"].credentials
    with pytest.raises(VendorError) as err:
        stream_all(creds, "students")
    assert err.value.code == "qmlativ.access_inactive"


def test_an_expired_token_is_renewed(qmlativ) -> None:
    async def go() -> int:
        async with build_client(backoff=0.01) as http:
            connector = SPEC.connector()
            ctx = Context(http, page_size=10)
            creds = qmlativ.emulator.credentials(qmlativ.base_url)
            n = 0
            async for _ in connector.stream(ctx, creds, SPEC.requirements(), "students"):
                n += 1
                if n == 5:
                    qmlativ.emulator.store.expire_all()
            return n
    assert asyncio.run(go()) == len(qmlativ.emulator.school.students)


@pytest.mark.parametrize("kind", [FaultKind.RATE_LIMIT, FaultKind.SERVER_ERROR, FaultKind.DROP])
def test_a_passing_fault_is_retried(qmlativ, sandbox, kind: FaultKind) -> None:
    sandbox.inject("qmlativ", Fault(kind, route="/RiverbendAPI/oauth/token", times=1, retry_after=0))
    results = run_check(qmlativ.emulator.credentials(qmlativ.base_url))
    assert not [r for r in results if r.status is Status.FAILED]


def test_a_garbled_token_answer_gives_a_transient_code(qmlativ, sandbox) -> None:
    sandbox.inject("qmlativ", Fault(FaultKind.MALFORMED, route="/RiverbendAPI/oauth/token"))
    results = run_check(qmlativ.emulator.credentials(qmlativ.base_url))
    assert any(r.code == "qmlativ.transient" and r.status is Status.FAILED and r.remedy for r in results)


def test_a_garbled_page_raises_a_transient_vendor_error(qmlativ, sandbox) -> None:
    sandbox.inject("qmlativ", Fault(FaultKind.MALFORMED, route="/RiverbendAPI/Generic"))
    with pytest.raises(VendorError) as err:
        stream_all(qmlativ.emulator.credentials(qmlativ.base_url), "students")
    assert err.value.code == "qmlativ.transient"


def test_checks_pass_over_tls(tmp_path, small_school) -> None:
    with Sandbox(tls_dir=tmp_path / "tls") as box:
        hosted = box.add(QmlativEmulator(small_school))
        results = run_check(hosted.emulator.credentials(hosted.base_url), ca=box.cert_path)
    assert hosted.base_url.startswith("https://")
    assert not [r for r in results if r.status is Status.FAILED]


FACT_SHEET = Path(__file__).resolve().parents[3].parent / "shared" / "vendors" / "qmlativ.md"


def _fact_sheet_objects() -> dict[str, set[str]]:
    """``- `Module/Object`: `A`, `B`, ...`` lines of the fact sheet's "Objects you will need"."""
    import re

    listed: dict[str, set[str]] = {}
    for line in FACT_SHEET.read_text(encoding="utf-8").splitlines():
        m = re.match(r"- (?:.*via )?`(\w+/\w+)`: (.*)", line.strip())
        if m:
            listed[m.group(1)] = set(re.findall(r"`(\w+)`", m.group(2)))
    return listed


def test_students_carry_birth_date_gender_and_entry_date_joined_from_name_and_enrolment(qmlativ, small_school
                                                                                        ) -> None:
    """Student/Student has no birth date, gender, names or entry date (qmlativ.md): they are joined
    from Demographics/Name by NameID and from Enrollment/EntryWithdrawal by StudentID."""
    creds = qmlativ.emulator.credentials(qmlativ.base_url)
    students = {r["StudentID"]: r for r in stream_all(creds, "students", page_size=7)}
    assert len(students) == len(small_school.students)
    for s in small_school.students:
        row = students[int(s.id[1:])]
        assert row["FirstName"] == s.first_name and row["LastName"] == s.last_name
        assert row["BirthDate"].startswith(s.birth_date.isoformat()) and row["Gender"] == s.gender
        assert row["StartDate"].startswith(s.entry_date.isoformat())
        assert row["EntityID"] in (2, 3)


def test_emulator_student_object_serves_only_the_fact_sheet_fields(qmlativ) -> None:
    """The emulator's Student/Student must not carry names (the fact sheet lists none there)."""
    async def go() -> dict:
        async with build_client(backoff=0.01) as http:
            from mis_wizard.vendors.qmlativ.client import QmlativApi
            creds = qmlativ.emulator.credentials(qmlativ.base_url)
            api = QmlativApi(http, creds["base_url"], creds["integration_access"]["key"],
                             creds["integration_access"]["secret"])
            return (await api.get("Generic/1/Student/Student/1/1")).json()
    row = asyncio.run(go())["Objects"][0]
    assert not {"FirstName", "LastName", "BirthDate", "Gender", "StartDate"} & set(row)
    assert set(row) <= _fact_sheet_objects()["Student/Student"]


def test_every_emulator_object_serves_only_fields_the_fact_sheet_or_the_export_lists(qmlativ) -> None:
    """Each object's fields (its schema endpoint) are listed by the fact sheet, or read-allowed in the
    Skyward-generated Integration Access export; the id field is allowed besides. Objects neither lists
    (Staff/Staff) are named so the gap stays visible."""
    from mis_wizard.vendors.qmlativ.sandbox import ID_FIELDS

    listed = _fact_sheet_objects()
    export = _allowed_fields(FIXTURES / "integration-access/IntegrationAccess.excerpt.xml")
    tenant = qmlativ.emulator.tenants["/RiverbendAPI"]
    undocumented = []
    for obj, rows in tenant.objects().items():
        known = listed.get(obj, set()) | export.get(obj, set())
        if not known:
            undocumented.append(obj)
            continue
        extra = set(rows[0]) - known - {ID_FIELDS[obj]}
        assert not extra, (obj, extra)
    assert undocumented == ["Staff/Staff"]


def test_steps_say_skyward_approves_the_integration_and_what_its_list_shows() -> None:
    """A vendor reaches Qmlativ only through an Integration Skyward approves; the Integration list
    shows Status (Available / Discontinued) and Has Development Permissions (qmlativ.md S3)."""
    first = steps.load("qmlativ", SPEC.step_values(SPEC.requirements()))[0]
    text = " ".join(first.items)
    for words in ("Skyward has approved", "**Status**", "**Available**", "**Discontinued**",
                  "**Has Development Permissions** is unticked in your live district", "training environment"):
        assert words in text, words


def test_a_refused_key_or_inactive_access_points_at_the_integration_list(qmlativ) -> None:
    scenarios = qmlativ.emulator.scenarios(qmlativ.base_url)
    for name, code in (("secret_wrong", "qmlativ.credentials_rejected"),
                       ("access_inactive", "qmlativ.access_inactive")):
        hit = next(r for r in run_check(scenarios[name].credentials) if r.code == code)
        assert "Status Available, not Discontinued" in hit.remedy and "Has Development Permissions" in hit.remedy


def test_a_field_not_allowed_says_skyward_approves_fields(qmlativ) -> None:
    results = run_check(qmlativ.emulator.scenarios(qmlativ.base_url)["field_not_allowed"].credentials)
    hit = next(r for r in results if r.code == "qmlativ.fields_not_allowed")
    assert "Skyward approves which objects and fields" in hit.remedy
