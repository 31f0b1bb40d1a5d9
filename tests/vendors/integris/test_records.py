"""Records as the integrator's rules need them, streamed from the emulator over loopback."""

from __future__ import annotations

from collections import Counter

import pytest

from mis_wizard.vendors.errors import FailureKind, VendorError
from mis_wizard.vendors.integris import SPEC
from mis_wizard.vendors.integris.sandbox import FIELDS_OFF_SCHOOL, NOT_GRANTED_SCHOOL
from mis_wizard.vendors.sandbox.kit import Fault, FaultKind


def expected_counts(school):
    current = {s.id for s in school.current_students()}
    combined = {c.id for c in school.contacts if c.combined}
    links = [link for link in school.contact_links if link.student_id in current]
    return {
        "students": len(current),
        "contacts": len(school.contacts) + len(combined),
        "contact_links": len(links) + sum(link.contact_id in combined for link in links),
        "staff": sum(s.status == "current" for s in school.staff),
        "classes": len(school.reg_groups) + len(school.classes),
        "groups": len(school.years) + len(school.houses) + 2,
    }


@pytest.mark.parametrize("entity", ["students", "contacts", "contact_links", "staff", "classes", "groups"])
def test_each_entity_streams_every_record_of_the_school(run_stream, good, small_school, entity):
    records = run_stream(good, entity)
    assert len(records) == expected_counts(small_school)[entity]
    if entity != "contact_links":
        ids = [r[SPEC.entity(entity).id_field] for r in records]
        assert len(ids) == len(set(ids))
    assert set(records[0]) <= {f.name for f in SPEC.entity(entity).fields}


def test_class_and_group_lists_match_the_school(run_stream, good, small_school):
    memberships = run_stream(good, "class_memberships")
    classes = {c["classId"]: c for c in run_stream(good, "classes")}
    kinds = Counter(classes[m["classId"]]["type"] for m in memberships)
    assert kinds["RegistrationGroup"] == len(small_school.current_students())
    assert kinds["TeachingSet"] + kinds["MixedGroup"] == len(small_school.memberships)
    groups = run_stream(good, "group_memberships")
    assert Counter(g["groupId"][0] for g in groups)["H"] == len(small_school.current_students())


def test_combined_contacts_become_two_people_with_their_own_links(run_stream, good, small_school):
    combined = [c for c in small_school.contacts if c.combined]
    assert combined, "the synthetic school must have combined contacts"
    contacts = {c["contactId"]: c for c in run_stream(good, "contacts")}
    links = run_stream(good, "contact_links")
    for source in combined:
        assert source.id not in contacts
        first, second = contacts[f"{source.id}.1"], contacts[f"{source.id}.2"]
        dad, mum = source.first_name.split(" and ")
        assert (first["title"], first["forename"], first["surname"]) == ("Mr", dad, source.last_name)
        assert (second["title"], second["forename"]) == ("Mrs", mum)
        assert first["combinedContactId"] == second["combinedContactId"] == source.id
        relationships = {link["contactId"]: link["relationship"] for link in links
                         if link["contactId"].startswith(f"{source.id}.")}
        assert relationships == {f"{source.id}.1": "Father", f"{source.id}.2": "Mother"}
    assert all(c["combinedContactId"] == "" for c in contacts.values() if "." not in c["contactId"])


def test_a_profile_can_keep_combined_contacts_whole(run_stream, good, small_school):
    contacts = run_stream(good, "contacts", {"split_combined_contacts": False})
    assert len(contacts) == len(small_school.contacts)
    assert any(c["title"] == "Mr and Mrs" for c in contacts)


def test_contacts_keep_the_quirks_integrators_filter_on(run_stream, good):
    contacts = run_stream(good, "contacts")
    links = run_stream(good, "contact_links")
    assert any(c["title"] == "" for c in contacts)
    assert {link["parentalResponsibility"] for link in links} == {True, False}
    assert all("priority" not in link for link in links)


def test_classes_carry_their_type_main_teacher_and_supervisors(run_stream, good, small_school):
    classes = run_stream(good, "classes")
    assert {c["type"] for c in classes} == {"RegistrationGroup", "MixedGroup", "TeachingSet", "CustomGroup"}
    tutors = {g.id: g.tutor_id for g in small_school.reg_groups}
    for c in classes:
        assert c["staffIds"][0] == c["staffId1"] and c["supervisorIds"] == c["staffIds"][1:]
        if c["type"] == "RegistrationGroup":
            assert c["staffId1"] == tutors[c["classId"]] and len(c["staffIds"]) <= 2
    assert any(len(c["staffIds"]) > 2 for c in classes if c["type"] == "CustomGroup")
    assert any(c["supervisorIds"] for c in classes if c["type"] == "RegistrationGroup")


def test_groups_are_student_groups_houses_and_year_groups(run_stream, good):
    groups = run_stream(good, "groups")
    assert {g["type"] for g in groups} == {"StudentGroup", "HouseGroup", "YearGroup"}


def test_paging_with_concurrency_keeps_the_order_and_reports_progress(run_stream, good):
    progress: list[int] = []
    paged = run_stream(good, "contacts", page_size=7, concurrency=3, on_page=lambda _e, n: progress.append(n))
    assert paged == run_stream(good, "contacts", page_size=500)
    assert len(progress) >= 10 and progress == sorted(progress) and progress[-1] == len(paged)


def test_switched_off_fields_are_absent_from_records(run_stream, good):
    contacts = run_stream({**good, "school_id": FIELDS_OFF_SCHOOL}, "contacts")
    assert contacts and all("email" not in c and "phone" in c for c in contacts)


def test_refusal_raises_with_code_and_remedy(run_stream, good):
    with pytest.raises(VendorError) as caught:
        run_stream({**good, "school_id": NOT_GRANTED_SCHOOL}, "students")
    assert caught.value.code == "integris.access_not_granted" and "Grant Access" in caught.value.remedy
    assert caught.value.kind is FailureKind.CONFIG


def test_access_withdrawn_part_way_through_a_sync_stops_it(run_stream, emulator, good):
    def withdraw(_entity, _count):
        emulator.withdraw(good["school_id"])

    with pytest.raises(VendorError) as caught:
        run_stream(good, "students", page_size=10, concurrency=1, on_page=withdraw)
    assert caught.value.code == "integris.access_withdrawn"


def test_a_failed_page_is_retried(run_stream, sandbox, good, small_school):
    sandbox.inject("integris", Fault(FaultKind.SERVER_ERROR, route="page=2", times=1))
    sandbox.inject("integris", Fault(FaultKind.TRUNCATE, route="page=3", times=1))
    assert len(run_stream(good, "students", page_size=10)) == len(small_school.current_students())


def test_a_page_that_keeps_failing_is_a_transient_error(run_stream, sandbox, good):
    sandbox.inject("integris", Fault(FaultKind.SERVER_ERROR, route="page=2"))
    with pytest.raises(VendorError) as caught:
        run_stream(good, "students", page_size=10)
    assert caught.value.code == "integris.transient_failure" and caught.value.kind is FailureKind.TRANSIENT


def test_a_malformed_page_is_an_error_not_a_crash(run_stream, sandbox, good):
    sandbox.inject("integris", Fault(FaultKind.MALFORMED, route="/schools"))
    with pytest.raises(VendorError) as caught:
        run_stream(good, "groups")
    assert caught.value.code == "integris.unexpected_answer"
