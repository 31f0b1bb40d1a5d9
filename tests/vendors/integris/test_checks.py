"""The admin's story at the check screen: each setup mistake is told apart and says where to fix it."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from mis_wizard.vendors.base import CONNECTION, Context, Layer, Status
from mis_wizard.vendors.integris import SPEC
from mis_wizard.vendors.integris.sandbox import FIELDS_OFF_SCHOOL, IntegrisEmulator
from mis_wizard.vendors.sandbox import school
from mis_wizard.vendors.sandbox.kit import Fault, FaultKind, Sandbox
from mis_wizard.wizard.http import build_client

SCENARIOS = sorted(IntegrisEmulator(school.generate(seed=7, size=10)).scenarios("http://127.0.0.1:1"))
AREA_COUNT = 6


def failures(results):
    return [r for r in results if r.status in (Status.FAILED, Status.WARNING)]


def test_good_credentials_pass_every_layer(run_check, good):
    results = run_check(good)
    assert [r for r in results if r.status is Status.FAILED] == []
    codes = [r.code for r in results]
    assert codes[:3] == ["integris.reach_ok", "integris.partner_ok", "integris.access_granted"]
    assert codes.count("integris.area_ok") == AREA_COUNT
    assert "Riverbend Grammar School" in results[2].message


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_scenario_reports_its_own_code_and_remedy(run_check, hosted, name):
    scenario = hosted.emulator.scenarios(hosted.base_url)[name]
    flagged = failures(run_check(scenario.credentials))
    assert flagged, name
    assert {r.code for r in flagged} == {scenario.expect}
    assert all(r.remedy for r in flagged)


def test_access_not_granted_skips_the_areas_and_says_to_tell_the_integrator(run_check, hosted):
    scenario = hosted.emulator.scenarios(hosted.base_url)["access_not_granted"]
    results = run_check(scenario.credentials)
    (failed,) = failures(results)
    assert failed.layer is Layer.AUTHORISE
    assert "Modules > System Management > Integris Datashare" in failed.remedy
    assert "Grant Access" in failed.remedy and "Terms and Conditions" in failed.remedy
    assert "RM does not tell them" in failed.remedy
    assert [r.status for r in results if r.layer is Layer.SAMPLE] == [Status.SKIPPED] * AREA_COUNT


def test_bad_partner_credentials_point_at_the_integrator_not_the_school(run_check, hosted):
    scenario = hosted.emulator.scenarios(hosted.base_url)["bad_partner_credentials"]
    results = run_check(scenario.credentials)
    (failed,) = failures(results)
    assert failed.layer is Layer.AUTHENTICATE and failed.key == "datashare"
    assert "not from Integris" in failed.remedy
    assert [r.layer for r in results] == [Layer.REACH, Layer.AUTHENTICATE]


def test_a_switched_off_field_names_the_area_the_field_and_the_screen(run_check, good):
    results = run_check({**good, "school_id": FIELDS_OFF_SCHOOL})
    by_area = {r.check: r for r in failures(results)}
    contacts = by_area["Contact details"]
    assert contacts.status is Status.FAILED
    assert "Email Address" in contacts.message and "Mobile Phone" not in contacts.message
    assert "Integris Datashare" in contacts.remedy and 'Edit next to "Contact details"' in contacts.remedy
    assert "Date of Birth" in by_area["Basic information about a student"].message


def test_a_profile_can_make_a_switched_off_field_a_warning_or_not_need_it(run_check, good):
    creds = {**good, "school_id": FIELDS_OFF_SCHOOL}
    assert {r.status for r in failures(run_check(creds, optional_field_off="warning"))} == {Status.WARNING}
    assert failures(run_check(creds, optional_fields=["contacts.phone"])) == []


def test_withdrawing_and_granting_again_is_seen_at_once(run_check, emulator, good):
    emulator.withdraw(good["school_id"])
    assert [r.code for r in failures(run_check(good))] == ["integris.access_withdrawn"]
    emulator.grant(good["school_id"])
    assert failures(run_check(good)) == []


def test_area_results_arrive_as_they_finish(run_check, sandbox, good):
    sandbox.inject("integris", Fault(FaultKind.LATENCY, route=f"/schools/{good['school_id']}/students",
                                     latency_ms=400))
    results = run_check(good)
    assert results[-1].check == "Basic information about a student"


def test_the_secret_never_appears_in_results_or_the_sandbox_log(run_check, sandbox, hosted, good):
    secret = good["datashare"]["client_secret"]
    seen = [r.to_json() for r in run_check(good)]
    for scenario in hosted.emulator.scenarios(hosted.base_url).values():
        seen += [r.to_json() for r in run_check(scenario.credentials)]
        wrong = scenario.credentials["datashare"]["client_secret"]
        assert wrong not in json.dumps(seen)
    assert secret not in json.dumps(seen)
    assert secret not in repr(sandbox.log)


def test_rate_limit_is_waited_out_and_retried(run_check, sandbox, good):
    sandbox.inject("integris", Fault(FaultKind.RATE_LIMIT, route="/oauth/token", times=1, retry_after=1))
    assert failures(run_check(good)) == []
    assert [e.status for e in sandbox.log if e.path == "/oauth/token"] == [429, 200]


@pytest.mark.parametrize("kind", [FaultKind.SERVER_ERROR, FaultKind.DROP])
def test_one_server_failure_is_retried(run_check, sandbox, good, kind):
    sandbox.inject("integris", Fault(kind, route="/schools", times=1))
    assert failures(run_check(good)) == []


def test_a_server_that_keeps_failing_is_a_transient_failure(run_check, sandbox, good):
    sandbox.inject("integris", Fault(FaultKind.SERVER_ERROR, route=f"/schools/{good['school_id']}/contacts"))
    (failed,) = failures(run_check(good))
    assert failed.code == "integris.transient_failure" and failed.check == "Contact details"
    assert failed.remedy


def test_a_connection_that_keeps_dropping_is_a_transient_failure(run_check, sandbox, good):
    sandbox.inject("integris", Fault(FaultKind.DROP, route="/oauth/token"))
    (failed,) = failures(run_check(good))
    assert (failed.code, failed.layer, failed.key) == ("integris.transient_failure", Layer.REACH, CONNECTION)


def test_a_malformed_body_is_reported_not_raised(run_check, sandbox, good):
    sandbox.inject("integris", Fault(FaultKind.MALFORMED, route=f"/schools/{good['school_id']}/groups"))
    (failed,) = failures(run_check(good))
    assert failed.code == "integris.unexpected_answer" and failed.check == "Groups"


def test_an_address_nobody_answers_on_is_unreachable(run_check, good):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (failed,) = failures(run_check({**good, "base_url": f"http://127.0.0.1:{port}"}))
    assert (failed.code, failed.layer) == ("integris.unreachable", Layer.REACH)


def test_missing_credentials_give_a_result_not_an_exception(run_check):
    (failed,) = failures(run_check({}))
    assert failed.status is Status.FAILED and failed.remedy


def test_tls_the_computer_does_not_trust_is_named_and_trusted_tls_passes(tmp_path, small_school):
    async def check(credentials, extra_ca):
        async with build_client(backoff=0.01, extra_ca=extra_ca) as http:
            return [r async for r in SPEC.connector().check(Context(http), credentials, SPEC.requirements())]

    with Sandbox(tls_dir=tmp_path) as box:
        hosted = box.add(IntegrisEmulator(small_school))
        credentials = hosted.emulator.credentials(hosted.base_url)
        (failed,) = failures(asyncio.run(check(credentials, None)))
        assert failed.code == "integris.unreachable" and "certificate" in failed.message
        assert failures(asyncio.run(check(credentials, box.cert_path))) == []
