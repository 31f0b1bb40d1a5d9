"""Records stream from the emulator with the counts the synthetic school holds."""

from __future__ import annotations

import pytest

from mis_wizard.vendors.errors import VendorError
from mis_wizard.vendors.isams import SPEC
from mis_wizard.vendors.isams.sandbox import IsamsEmulator

from .conftest import run_stream

WANTED_TYPES = {"mother", "father"}


def _wanted(relationship: str) -> bool:
    return bool({p.strip().lower() for p in relationship.split(" and ")} & WANTED_TYPES)


def expected_counts(school) -> dict[str, int]:
    links = [link for link in school.contact_links if _wanted(link.relationship)]
    return {
        "students": len(school.current_students()),
        "contacts": len({link.contact_id for link in links}),
        "contact_links": len(links),
        "staff": sum(1 for s in school.staff if s.status == "current"),
        "groups": len(school.reg_groups) + len(school.years) + len(school.houses),
        "classes": len(school.classes),
        "class_memberships": len(school.memberships),
        "registration": 2 * len(school.current_students()),
    }


@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize("entity", [e.id for e in SPEC.entities])
def test_every_entity_streams_with_the_right_count(isams, small_school, entity: str, fmt: str) -> None:
    rows = run_stream(isams.emulator.credentials(isams.base_url), entity, {"batch_format": fmt})
    assert len(rows) == expected_counts(small_school)[entity]
    names = [f.name for f in SPEC.entity(entity).fields]
    assert all(set(row) == set(names) for row in rows)
    assert all(row[SPEC.entity(entity).id_field] not in (None, "") for row in rows)


def test_json_arrays_and_one_item_objects_give_the_same_records(sandbox, small_school) -> None:
    quirky = sandbox.add(IsamsEmulator(small_school))
    creds = quirky.emulator.credentials(quirky.base_url)
    from_quirky = run_stream(creds, "contact_links", {"batch_format": "json"})
    quirky.emulator.single_item_objects = False
    quirky.emulator._cache.json.clear()
    assert run_stream(creds, "contact_links", {"batch_format": "json"}) == from_quirky


def test_contact_links_carry_parental_responsibility_and_leave_unconfirmed_fields_blank(isams) -> None:
    """Parental responsibility reads Yes, No or Default ("Default" unless the contact's drop-down was
    changed; isams.md, D S1). RelationType, Priority and MailMerge are not in any source: the
    emulator does not send them and the client gives them blank rather than failing."""
    rows = run_stream(isams.emulator.credentials(isams.base_url), "contact_links")
    assert {r["ParentalResponsibility"] for r in rows} == {"Yes", "No", "Default"}
    assert {r["RelationType"] for r in rows} == {None}
    assert {r["Priority"] for r in rows} == {None} and {r["MailMerge"] for r in rows} == {None}


def test_contact_types_come_from_the_profile(isams, small_school) -> None:
    rows = run_stream(isams.emulator.credentials(isams.base_url), "contact_links",
                      {"contact_types": ["Grandparent", "Carer"]})
    assert len(rows) == sum(1 for link in small_school.contact_links if link.relationship in ("Grandparent", "Carer"))


def test_registration_pages_concurrently_and_reports_progress(isams, small_school) -> None:
    progress: list[int] = []
    rows = run_stream(isams.emulator.credentials(isams.base_url), "registration", page_size=7, concurrency=3,
                      on_page=lambda _entity, n: progress.append(n))
    assert len(rows) == 2 * len(small_school.current_students())
    assert progress == sorted(progress) and progress[-1] == len(rows) and len(progress) >= 14
    assert {r["registrationDate"] for r in rows} == {isams.emulator.register_day().isoformat() + "T00:00:00"}


@pytest.mark.parametrize(("scenario", "entity", "code"), [
    ("key_mistyped", "students", "isams.key_invalid"),
    ("method_missing", "groups", "isams.methods_missing"),  # the key lacks the entity's method
])
def test_a_refused_key_raises_a_vendor_error_that_says_what_to_do(isams, scenario: str, entity: str,
                                                                  code: str) -> None:
    creds = isams.emulator.scenarios(isams.base_url)[scenario].credentials
    with pytest.raises(VendorError) as caught:
        run_stream(creds, entity)
    assert caught.value.code == code and caught.value.remedy


def test_emulator_accepts_braced_upper_case_keys(isams) -> None:
    import httpx

    key = isams.emulator.key_for("pupils")
    for value in (key, "{" + key.upper() + "}"):
        response = httpx.get(isams.base_url + "/api/batch/1.0/xml.ashx", params={"apiKey": value})
        assert response.status_code == 200 and b"<CurrentPupils>" in response.content
