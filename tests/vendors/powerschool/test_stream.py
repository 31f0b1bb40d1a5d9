"""Records stream from the emulator with the synthetic school's counts, page by page."""

from __future__ import annotations

import time

import httpx
import pytest

from mis_wizard.vendors.powerschool import SPEC
from mis_wizard.vendors.powerschool.sandbox import PowerSchoolEmulator
from mis_wizard.vendors.sandbox.kit import Fault, FaultKind


def expected_counts(school):
    return {"schools": len(school.campuses), "students": len(school.students), "staff": len(school.staff),
            "terms": len(school.campuses) * (1 + len(school.terms)), "classes": len(school.classes),
            "class_memberships": len(school.memberships), "contacts": len(school.contacts),
            "contact_links": len(school.contact_links)}


@pytest.mark.parametrize("entity", [e.id for e in SPEC.entities])
def test_entity_streams_with_the_schools_count(powerschool, small_school, stream_all, entity):
    records = stream_all(powerschool.emulator.credentials(powerschool.base_url), entity)
    assert len(records) == expected_counts(small_school)[entity]
    declared = {f.name for f in SPEC.entity(entity).fields}
    assert declared & set(records[0]), "records carry the raw names the Entity declares"
    ids = [r[SPEC.entity(entity).id_field] for r in records]
    if entity != "contact_links":
        assert len(set(ids)) == len(ids)


def test_memberships_join_students_and_sections_by_dcid(powerschool, stream_all):
    creds = powerschool.emulator.credentials(powerschool.base_url)
    students = {str(r["id"]) for r in stream_all(creds, "students")}
    sections = {str(r["id"]) for r in stream_all(creds, "classes")}
    for row in stream_all(creds, "class_memberships"):
        assert row["student_dcid"] in students and row["section_dcid"] in sections
        assert row["studentid"] != row["student_dcid"]


def test_small_pages_with_a_one_record_last_page(sandbox, small_school, stream_all):
    hosted = sandbox.add(PowerSchoolEmulator(small_school, max_page_size=7))
    creds = hosted.emulator.credentials(hosted.base_url)
    progress: list[int] = []
    records = stream_all(creds, "students", on_page=lambda _e, n: progress.append(n))
    assert [r["id"] for r in records] == sorted({r["id"] for r in records}) and len(records) == 50
    assert progress == [7, 14, 21, 28, 35, 42, 49, 50]
    body = httpx.post(hosted.base_url + "/oauth/access_token", content=b"grant_type=client_credentials",
                      auth=(creds["plugin"]["client_id"], creds["plugin"]["client_secret"]),
                      headers={"Content-Type": "application/x-www-form-urlencoded"}).json()
    assert isinstance(body["expires_in"], str)
    page = httpx.get(hosted.base_url + "/ws/v1/district/student", params={"page": 8},
                     headers={"Authorization": f"Bearer {body['access_token']}"}).json()
    assert isinstance(page["students"]["student"], dict), "a one-record page holds an object, not a list"


@pytest.mark.parametrize("oversize", ["clamp", "reject"])
def test_asked_page_size_is_capped_at_the_plugins_maximum(sandbox, small_school, stream_all, oversize):
    hosted = sandbox.add(PowerSchoolEmulator(small_school, max_page_size=20, oversize=oversize))
    creds = hosted.emulator.credentials(hosted.base_url)
    progress: list[int] = []
    records = stream_all(creds, "students", page_size=500, on_page=lambda _e, n: progress.append(n))
    assert len(records) == 50 and progress == [20, 40, 50]
    assert not [e for e in sandbox.log if e.status == 400]


def test_both_token_paths_answer_with_a_string_lifetime(powerschool):
    creds = powerschool.emulator.credentials(powerschool.base_url)["plugin"]
    tokens = []
    for path in ("/oauth/access_token", "/oauth/access_token/"):
        response = httpx.post(powerschool.base_url + path, content=b"grant_type=client_credentials",
                              auth=(creds["client_id"], creds["client_secret"]),
                              headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"})
        body = response.json()
        assert response.status_code == 200 and body["token_type"] == "Bearer"
        assert isinstance(body["expires_in"], str) and int(body["expires_in"]) > 2_500_000
        tokens.append(body["access_token"])
    assert tokens[0] == tokens[1], "PowerSchool hands back the same token until it expires"


@pytest.mark.parametrize("only", ["/oauth/access_token", "/oauth/access_token/"])
def test_the_client_finds_whichever_token_path_the_server_has(sandbox, small_school, stream_all, connector, only):
    hosted = sandbox.add(PowerSchoolEmulator(small_school, token_path=only))
    conn = connector()
    creds = hosted.emulator.credentials(hosted.base_url)
    assert len(stream_all(creds, "schools", conn=conn)) == 2
    hosted.emulator.expire_tokens()
    assert len(stream_all(creds, "schools", conn=conn)) == 2
    asked = [e.path for e in sandbox.log if e.path.startswith("/oauth/")]
    assert asked[-1] == only and asked.count(only) == 2, "the path that worked is remembered"


def test_an_expired_token_is_renewed_once(ps_sandbox, powerschool, stream_all, connector):
    conn = connector()
    creds = powerschool.emulator.credentials(powerschool.base_url)
    assert len(stream_all(creds, "schools", conn=conn)) == 2
    powerschool.emulator.expire_tokens()
    assert len(stream_all(creds, "students", conn=conn)) == 50
    expired = [e for e in ps_sandbox.log if e.status == 401]
    assert expired and sum(1 for e in ps_sandbox.log if e.path.startswith("/oauth/")) == 2


def test_credentials_regenerated_during_a_sync_are_reported_as_rejected(sandbox, small_school, stream_all,
                                                                        connector):
    from mis_wizard.vendors.errors import VendorError

    hosted = sandbox.add(PowerSchoolEmulator(small_school))
    conn = connector()
    creds = hosted.emulator.credentials(hosted.base_url)
    assert len(stream_all(creds, "schools", conn=conn)) == 2
    hosted.emulator.regenerate(0)
    with pytest.raises(VendorError) as caught:
        stream_all(creds, "students", conn=conn)
    assert caught.value.code == "powerschool.client_rejected" and "Regenerate" in caught.value.remedy


def test_a_refused_resource_raises_with_the_resource_named(powerschool, stream_all):
    from mis_wizard.vendors.errors import FailureKind, VendorError

    creds = powerschool.emulator.scenarios(powerschool.base_url)["cc_table_not_granted"].credentials
    with pytest.raises(VendorError) as caught:
        stream_all(creds, "class_memberships")
    assert caught.value.code == "powerschool.resource_denied" and caught.value.kind is FailureKind.CONFIG
    assert "Section enrollments" in caught.value.message


def test_pages_are_fetched_concurrently(sandbox, small_school, stream_all):
    hosted = sandbox.add(PowerSchoolEmulator(small_school, max_page_size=5))
    creds = hosted.emulator.credentials(hosted.base_url)
    stream_all(creds, "schools")
    sandbox.inject("powerschool", Fault(FaultKind.LATENCY, route="/ws/v1/district/student", latency_ms=150))
    started = time.perf_counter()
    assert len(stream_all(creds, "students", concurrency=5)) == 50
    elapsed = time.perf_counter() - started
    assert elapsed < 0.15 * 11 * 0.6, f"11 requests of 150 ms took {elapsed:.2f}s: not concurrent"
