"""The live check, against the LISS server emulator over loopback, as an admin would run it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from mis_wizard.vendors.base import CheckResult, Context, Status, form_results
from mis_wizard.vendors.liss import SPEC
from mis_wizard.vendors.liss.sandbox import LissEmulator
from mis_wizard.vendors.sandbox.kit import Fault, FaultKind
from mis_wizard.wizard.http import build_client


def run_check(credentials: dict[str, Any], requirements: dict[str, Any] | None = None) -> list[CheckResult]:
    async def go() -> list[CheckResult]:
        async with build_client(backoff=0.01) as http:
            connector = SPEC.connector()
            return [r async for r in connector.check(Context(http), credentials, SPEC.requirements(requirements))]

    return asyncio.run(go())


@pytest.fixture
def liss(sandbox, small_school):
    hosted = sandbox.add(LissEmulator(small_school))
    return hosted


def test_good_credentials_pass_every_check(liss) -> None:
    results = run_check(liss.emulator.credentials(liss.base_url))
    assert [(r.code, r.status) for r in results] == [("liss.hello_ok", Status.OK), ("liss.auth_ok", Status.OK)]


def test_bare_json_rpc_without_the_jsonrpc_member_works(liss) -> None:
    results = run_check(liss.emulator.credentials(liss.base_url), {"jsonrpc_member": False})
    assert all(r.status is Status.OK for r in results)


def test_every_scenario_reports_its_own_code_and_remedy(liss) -> None:
    scenarios = liss.emulator.scenarios(liss.base_url)
    assert set(scenarios) >= {"wrong_school_code", "wrong_password", "not_liss_endpoint", "unreachable"}
    for name, scenario in scenarios.items():
        results = run_check(scenario.credentials)
        flagged = [r for r in results if r.status in (Status.FAILED, Status.WARNING) and r.code == scenario.expect]
        assert flagged, (name, [(r.code, r.status) for r in results])
        assert all(r.remedy for r in flagged), name


def test_school_code_and_password_mistakes_are_told_apart(liss) -> None:
    scenarios = liss.emulator.scenarios(liss.base_url)
    school = run_check(scenarios["wrong_school_code"].credentials)[-1]
    password = run_check(scenarios["wrong_password"].credentials)[-1]
    assert school.code == "liss.school_code_rejected" and "School code" in school.remedy
    assert password.code == "liss.password_rejected" and "Password" in password.remedy
    assert "Daily > Synchronise" in school.remedy and "Daily > Synchronise" in password.remedy


def test_unreachable_server_skips_the_login_check(liss) -> None:
    results = run_check(liss.emulator.scenarios(liss.base_url)["unreachable"].credentials)
    assert [r.status for r in results] == [Status.FAILED, Status.SKIPPED]


def test_secret_never_appears_in_results(liss) -> None:
    password = liss.emulator.auth.password
    runs = [liss.emulator.credentials(liss.base_url)]
    runs += [s.credentials for s in liss.emulator.scenarios(liss.base_url).values()]
    for credentials in runs:
        text = json.dumps([r.to_json() for r in run_check(credentials)])
        assert password not in text and password[::-1] not in text


@pytest.mark.parametrize("field, value", [
    ("base_url", "liss.integrator.example"), ("school_code", "03 014"), ("username", ""), ("password", ""),
])
def test_wrong_form_values_get_a_clear_message(liss, field: str, value: str) -> None:
    credentials = {**liss.emulator.credentials(liss.base_url), field: value}
    [result] = form_results(SPEC, credentials, SPEC.requirements())
    label = next(f.label for f in SPEC.fields if f.id == field)
    assert result.code == f"liss.field_invalid.{field}" and label in result.message


def test_rate_limit_is_retried_then_passes(sandbox, liss) -> None:
    sandbox.inject("liss", Fault(FaultKind.RATE_LIMIT, times=1, retry_after=0))
    results = run_check(liss.emulator.credentials(liss.base_url))
    assert all(r.status is Status.OK for r in results)


@pytest.mark.parametrize("kind", [FaultKind.DROP, FaultKind.MALFORMED, FaultKind.TRUNCATE])
def test_one_broken_answer_is_retried_then_passes(sandbox, liss, kind: FaultKind) -> None:
    sandbox.inject("liss", Fault(kind, times=1))
    results = run_check(liss.emulator.credentials(liss.base_url))
    assert all(r.status is Status.OK for r in results), [(r.code, r.detail) for r in results]


@pytest.mark.parametrize("kind", [FaultKind.SERVER_ERROR, FaultKind.MALFORMED, FaultKind.DROP])
def test_a_server_that_keeps_failing_is_a_transient_failure(sandbox, liss, kind: FaultKind) -> None:
    sandbox.inject("liss", Fault(kind))
    first = run_check(liss.emulator.credentials(liss.base_url))[0]
    assert first.status is Status.FAILED and first.code == "liss.transient_failure" and first.remedy
