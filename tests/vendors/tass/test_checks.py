"""Live checks against the TASS emulator over loopback: each setup mistake gets its own code."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import pytest

from mis_wizard.vendors.base import CONNECTION, CheckResult, Context, Status, form_results
from mis_wizard.vendors.sandbox.kit import Fault, FaultKind
from mis_wizard.vendors.tass import SPEC
from mis_wizard.vendors.tass.sandbox import TassEmulator
from mis_wizard.wizard.http import build_client

REQUIREMENTS = SPEC.requirements({"timetable_year": "2026"})


def run_check(credentials: dict[str, Any], requirements: dict[str, Any] = REQUIREMENTS) -> list[CheckResult]:
    async def go() -> list[CheckResult]:
        async with build_client(backoff=0.01) as http:
            return [r async for r in SPEC.connector().check(Context(http), credentials, requirements)]

    return asyncio.run(go())


@pytest.fixture
def tass(sandbox, small_school):
    hosted = sandbox.add(TassEmulator(small_school))
    return hosted.emulator, hosted.base_url


def failures(results: list[CheckResult]) -> list[CheckResult]:
    return [r for r in results if r.status is Status.FAILED]


def test_good_credentials_pass_every_module(tass) -> None:
    emulator, base = tass
    results = run_check(emulator.credentials(base))
    assert not failures(results), [r.code for r in failures(results)]
    assert {r.key for r in results if r.code == "tass.module_ok"} == set(REQUIREMENTS["modules"])
    assert not [r for r in results if r.status is Status.WARNING]


def test_every_scenario_reports_its_own_code_with_a_remedy(tass) -> None:
    emulator, base = tass
    scenarios = emulator.scenarios(base)
    assert len({s.expect for s in scenarios.values()}) == len(scenarios)
    for name, scenario in scenarios.items():
        # as the CLI and the GUI do: the form first (an http:// address is caught there), then the live check
        results = form_results(SPEC, scenario.credentials, REQUIREMENTS) + run_check(scenario.credentials)
        hits = [r for r in results if r.code == scenario.expect and r.status in (Status.FAILED, Status.WARNING)]
        assert hits, (name, [(r.code, r.status) for r in results])
        assert all(r.remedy for r in hits), name


def test_a_missing_permission_is_named_with_the_screen(tass) -> None:
    emulator, base = tass
    result = next(r for r in run_check(emulator.scenarios(base)["permission_missing"].credentials)
                  if r.code == "tass.permission_missing")
    assert "Timetables > Timetable Calendar Setup > View" in result.message
    assert "System Admin > Users > Security Role Permissions" in result.remedy


def test_only_the_broken_module_fails(tass) -> None:
    emulator, base = tass
    results = run_check(emulator.scenarios(base)["wrong_token_key"].credentials)
    assert {r.key for r in failures(results)} == {"lms"}
    assert "API Gateway Maintenance" in failures(results)[0].remedy


def test_a_version_2_app_without_a_role_is_a_warning(tass) -> None:
    emulator, base = tass
    creds = emulator.credentials(base)
    creds["student_details"].update(app_code="INTSDNOROLE", token_key=emulator.apps[("INTSDNOROLE", "01")].token_key,
                                    version="2")
    results = [r for r in run_check(creds) if r.key == "student_details"]
    assert not failures(results)
    assert any(r.code == "tass.version_mismatch" and r.status is Status.WARNING for r in results)


def test_secrets_never_appear_in_results(tass) -> None:
    emulator, base = tass
    keys = {app.token_key for app in emulator.apps.values()} | {emulator.stray_key}
    text = json.dumps([r.to_json() for s in [emulator.credentials(base),
                                             *(x.credentials for x in emulator.scenarios(base).values())]
                       for r in run_check(s)])
    assert not [k for k in keys if k in text]
    assert "token=" not in text


@pytest.mark.parametrize(("where", "field", "value"), [
    (None, "base_url", "tass.school"),
    (None, "company_code", "1"),
    (None, "company_code", "V2"),
    ("lms", "app_code", "INT LMS"),
    ("lms", "token_key", "abc"),
    ("lms", "version", "4"),
])
def test_a_wrong_format_is_said_before_the_network(tass, where: str | None, field: str, value: str) -> None:
    emulator, base = tass
    creds = copy.deepcopy(emulator.credentials(base))
    (creds[where] if where else creds)[field] = value
    problems = form_results(SPEC, creds, REQUIREMENTS)
    assert [p.code for p in problems] == [f"tass.field_invalid.{field}"]
    assert value not in problems[0].message or field != "token_key"


@pytest.mark.parametrize(("where", "field", "value", "expect"), [
    (None, "base_url", "/intranet", "tass.not_tass_api"),
    (None, "company_code", "10", "tass.company_code_rejected"),
    ("lms", "app_code", "INTLMS2", "tass.token_key_rejected"),
    ("lms", "token_key", "AAECAwQFBgcICQoLDA0ODw==", "tass.token_key_rejected"),
    ("lms", "version", "1", "tass.version_refused_role"),
])
def test_a_wrong_live_value_gets_a_clear_message(tass, where, field, value, expect) -> None:
    emulator, base = tass
    creds = copy.deepcopy(emulator.credentials(base))
    if field == "base_url":
        value = base + value
    (creds[where] if where else creds)[field] = value
    hit = next(r for r in run_check(creds) if r.code == expect)
    assert hit.status is Status.FAILED and hit.message and hit.remedy


def test_tass_address_may_be_pasted_with_tassweb(tass) -> None:
    emulator, base = tass
    creds = {**emulator.credentials(base), "base_url": base + "/tassweb/"}
    assert not failures(run_check(creds))


def test_rate_limit_and_one_server_error_are_retried(tass, sandbox) -> None:
    emulator, base = tass
    sandbox.inject("tass", Fault(FaultKind.RATE_LIMIT, route="method=getStudents", times=1, retry_after=0))
    sandbox.inject("tass", Fault(FaultKind.SERVER_ERROR, route="method=getTeachers", times=1))
    sandbox.inject("tass", Fault(FaultKind.DROP, route="method=getCOA", times=1))
    assert not failures(run_check(emulator.credentials(base)))


@pytest.mark.parametrize(("kind", "code"), [
    (FaultKind.SERVER_ERROR, "tass.server_error"),
    (FaultKind.DROP, "tass.connection_failed"),
    (FaultKind.MALFORMED, "tass.bad_response"),
])
def test_persistent_faults_give_a_transient_failure(tass, sandbox, kind, code) -> None:
    emulator, base = tass
    sandbox.inject("tass", Fault(kind, route="method=getTeachers"))
    results = run_check(emulator.credentials(base))
    assert [r.code for r in failures(results)] == [code]
    assert failures(results)[0].key == "lms"


def test_unreachable_skips_the_apps(tass) -> None:
    emulator, base = tass
    results = run_check(emulator.scenarios(base)["unreachable"].credentials)
    assert [r.code for r in failures(results)] == ["tass.unreachable"]
    assert failures(results)[0].key == CONNECTION
    assert {r.status for r in results if r.key != CONNECTION} == {Status.SKIPPED}


def test_a_wrong_token_key_remedy_gives_the_token_recipe_and_the_log(tass) -> None:
    emulator, base = tass
    results = run_check(emulator.scenarios(base)["wrong_token_key"].credentials)
    hit = next(r for r in results if r.code == "tass.token_key_rejected")
    for words in ("AES-ECB", "Token Key", "base64", "URL-encoded", "not repeated in the URL",
                  "System Admin > Utilities > API Gateway Maintenance > TASS APIs > Log"):
        assert words in hit.remedy, words


def test_http_501_in_the_checks_is_not_called_temporary(tass, sandbox) -> None:
    emulator, base = tass
    sandbox.inject("tass", Fault(FaultKind.SERVER_ERROR, route="method=getTeachers", status=501))
    results = run_check(emulator.credentials(base))
    assert [r.code for r in failures(results)] == ["tass.api_access_misconfigured"]


def test_an_http_address_is_refused_at_the_field_and_at_the_check(tass) -> None:
    """TASS answers its API over HTTPS only since v49 (tass.md, T1 T19): the form says to use https
    before anything is sent, and the check says so too without calling out."""
    emulator, base = tass
    creds = {**emulator.credentials(base), "base_url": "http://tass.example.edu.au"}
    problems = [p for p in form_results(SPEC, creds, REQUIREMENTS) if p.code == "tass.field_invalid.base_url"]
    assert problems and "https://" in problems[0].message and "v49" in problems[0].message
    assert not [p for p in form_results(SPEC, {**creds, "base_url": "https://tass.example.edu.au"}, REQUIREMENTS)
                if p.code == "tass.field_invalid.base_url"]
    assert not [p for p in form_results(SPEC, emulator.credentials(base), REQUIREMENTS)]  # loopback sandbox
    hit = next(r for r in run_check(creds) if r.key == CONNECTION)
    assert (hit.code, hit.status) == ("tass.plain_http", Status.FAILED)
    assert "v49" in hit.message and "https://" in hit.remedy


def test_a_refused_token_names_the_application_server_restriction(tass) -> None:
    emulator, base = tass
    hit = next(r for r in run_check(emulator.scenarios(base)["wrong_token_key"].credentials)
               if r.code == "tass.token_key_rejected")
    assert "Application Server" in hit.remedy and "proxy" in hit.remedy


def test_a_403_says_the_call_was_refused_from_this_computer_and_why(tass, sandbox) -> None:
    """An app's Application Server restricts callers to one server (tass.md, T15); calls through a
    proxy come from the proxy (inferred). A 403 names the restriction and the API Log."""
    emulator, base = tass
    sandbox.inject("tass", Fault(FaultKind.SERVER_ERROR, route="method=getTeachers", status=403))
    results = run_check(emulator.credentials(base))
    [hit] = failures(results)
    assert (hit.key, hit.code) == ("lms", "tass.caller_refused")
    for words in ("Application Server", "proxy", "TASS APIs > Log"):
        assert words in hit.remedy, words
