"""The live check against the emulator over loopback: every setup mistake gets its own code and
remedy, faults are retried or reported as transient, and no secret ever shows in a result."""

from __future__ import annotations

import json
import time

import pytest

from mis_wizard.vendors.sandbox.kit import Fault, FaultKind

from .conftest import EMPTY_MEDICAL, problems, run_check, run_checks

DEADLOCK = ("Transaction (Process ID 66) was deadlocked on lock resources with another process and has been "
            "chosen as the deadlock victim. Rerun the transaction.")



def test_good_credentials_pass_every_check(isams) -> None:
    results = run_check(isams.emulator.credentials(isams.base_url))
    # No public sample shows the medical dataset, so the emulator answers it empty (fact sheet rule):
    # the check says so as a warning, the key itself passes.
    assert problems(results) == EMPTY_MEDICAL
    codes = {(r.key, r.code) for r in results}
    for key in ("contacts", "pupils", "staff", "school_structure", "teaching_sets", "set_lists", "medical"):
        assert {(key, "isams.key_ok"), (key, "isams.methods_ok")} <= codes
    for key in ("contacts", "pupils", "staff", "school_structure", "teaching_sets", "set_lists"):
        assert (key, "isams.sample_ok") in codes
    assert ("rest", "isams.rest_token_ok") in codes
    assert sum(1 for r in results if r.code == "isams.register_ok") == 2


def test_every_scenario_reports_its_own_code_and_remedy(isams) -> None:
    scenarios = isams.emulator.scenarios(isams.base_url)
    assert len(scenarios) >= 10
    outcomes = run_checks([s.credentials for s in scenarios.values()])
    for (name, scenario), results in zip(scenarios.items(), outcomes, strict=True):
        hits = [r for r in results if r.code == scenario.expect and r.status.value in ("failed", "warning")]
        assert hits, (name, problems(results))
        assert all(r.remedy for r in hits), name


def test_key_lacking_a_method_names_the_method_and_the_tab(isams) -> None:
    creds = isams.emulator.scenarios(isams.base_url)["missing_and_extra"].credentials
    results = run_check(creds)
    [missing] = [r for r in results if r.code == "isams.methods_missing"]
    assert missing.key == "school_structure" and missing.status.value == "failed"
    assert "Academic Houses" in missing.message
    assert "Batch Methods tab" in missing.remedy and "School structure key" in missing.remedy
    [extra] = [r for r in results if r.code == "isams.methods_extra"]
    assert extra.key == "staff" and extra.status.value == "warning"
    assert "Current Pupils" in extra.message and "untick" in extra.remedy


def test_extra_methods_fail_when_the_profile_says_so(isams) -> None:
    creds = isams.emulator.scenarios(isams.base_url)["method_extra"].credentials
    results = run_check(creds, {"extra_methods": "failure"})
    assert ("staff", "failed", "isams.methods_extra") in problems(results)


def test_wrong_key_says_which_key_and_where_to_copy_it(isams) -> None:
    results = run_check(isams.emulator.scenarios(isams.base_url)["key_mistyped"].credentials)
    [bad] = [r for r in results if r.code == "isams.key_invalid"]
    assert bad.key == "pupils" and "Pupils key" in bad.message
    assert "Manage Batch API Keys" in bad.remedy and "API Key State" in bad.remedy
    assert not [r for r in results if r.key == "pupils" and r.layer.value in ("authorise", "sample")]


def test_throttled_key_points_to_key_throttling_tab(isams) -> None:
    results = run_check(isams.emulator.scenarios(isams.base_url)["key_throttled"].credentials)
    [bad] = [r for r in results if r.code == "isams.key_throttled"]
    assert "Key Throttling tab" in bad.remedy


def test_json_endpoint_checks_the_same(isams) -> None:
    assert problems(run_check(isams.emulator.credentials(isams.base_url), {"batch_format": "json"})) == EMPTY_MEDICAL


def test_secrets_never_appear_in_results_or_the_sandbox_log(isams, sandbox) -> None:
    emulator = isams.emulator
    all_creds = [emulator.credentials(isams.base_url)] + [
        s.credentials for s in emulator.scenarios(isams.base_url).values()]
    emulator.inject_error(500, "UnhandledException", "Something failed", times=5)
    secrets: set[str] = set()
    for creds in all_creds:
        for value in creds.values():
            if isinstance(value, dict):
                for field in ("api_key", "client_secret"):
                    if value.get(field):
                        raw = value[field]
                        secrets |= {raw, raw.strip("{}"), raw.strip("{}").lower(), raw.strip("{}").upper()}
    text = json.dumps([[r.to_json() for r in results] for results in run_checks(all_creds)])
    assert not [s for s in secrets if s in text]
    log = json.dumps([e.__dict__ for e in sandbox.log])
    assert not [s for s in secrets if s in log]


def test_unreachable_address_is_one_clear_failure() -> None:

    results = run_check({"base_url": "http://127.0.0.1:9",
                         "pupils": {"api_key": "1A2B3C4D-0000-1111-2222-333344445555"}})
    assert results[0].code == "isams.unreachable" and results[0].status.value == "failed"
    assert {r.status.value for r in results[1:]} == {"skipped"}


@pytest.mark.parametrize("fault", [
    Fault(FaultKind.RATE_LIMIT, route="/api/batch", times=1, retry_after=1),
    Fault(FaultKind.SERVER_ERROR, route="/api/batch", times=2),
    Fault(FaultKind.DROP, route="/api/batch", times=2),
    Fault(FaultKind.MALFORMED, route="/api/batch", after=1, times=1),
    Fault(FaultKind.TRUNCATE, route="/api/batch", after=1, times=1),
], ids=["429-retry-after", "500", "drop", "malformed", "truncated"])
def test_passing_faults_are_retried_to_success(isams, sandbox, fault: Fault) -> None:
    sandbox.inject("isams", fault)
    started = time.perf_counter()
    assert problems(run_check(isams.emulator.credentials(isams.base_url))) == EMPTY_MEDICAL
    if fault.kind is FaultKind.RATE_LIMIT:
        assert time.perf_counter() - started >= 1.0, "Retry-After was not honoured"


def test_deadlock_is_retried_to_success(isams) -> None:
    isams.emulator.inject_error(500, "UnhandledException", DEADLOCK, times=2)
    assert problems(run_check(isams.emulator.credentials(isams.base_url))) == EMPTY_MEDICAL


def test_lasting_deadlock_is_a_transient_failure(isams) -> None:
    isams.emulator.inject_error(500, "UnhandledException", DEADLOCK, times=1000)
    results = run_check(isams.emulator.credentials(isams.base_url))
    busy = [r for r in results if r.code == "isams.server_busy"]
    assert len(busy) == 7 and all(r.status.value == "failed" and r.remedy for r in busy)


def test_other_server_errors_are_explained(isams) -> None:
    isams.emulator.inject_error(500, "UnhandledException", "Object reference not set to an instance of an object.",
                                times=1000)
    results = run_check(isams.emulator.credentials(isams.base_url))
    errors = [r for r in results if r.code == "isams.server_error"]
    assert len(errors) == 7
    assert "Object reference not set" in errors[0].message and "iSAMS support" in errors[0].remedy


@pytest.mark.parametrize(("fault", "code"), [
    (Fault(FaultKind.DROP, route="/api/batch"), "isams.connection_dropped"),
    (Fault(FaultKind.SERVER_ERROR, route="/api/batch", status=503, after=1), "isams.server_busy"),
    (Fault(FaultKind.MALFORMED, route="/api/batch", after=1), "isams.response_unreadable"),
], ids=["drop", "503", "malformed"])
def test_lasting_faults_give_a_transient_failure_code(isams, sandbox, fault: Fault, code: str) -> None:
    sandbox.inject("isams", fault)
    results = run_check(isams.emulator.credentials(isams.base_url))
    assert code in {r.code for r in results if r.status.value == "failed"}, problems(results)


def test_keys_are_checked_concurrently(isams, sandbox) -> None:
    creds = isams.emulator.credentials(isams.base_url)
    sandbox.inject("isams", Fault(FaultKind.LATENCY, latency_ms=150))
    started = time.perf_counter()
    results = run_check(creds)
    elapsed = time.perf_counter() - started
    assert problems(results) == EMPTY_MEDICAL
    # Sequentially this would be about 18 round trips; concurrently it is 3 (probe, token, registers).
    assert elapsed < 0.15 * 6, elapsed


def test_a_missing_parameter_is_named_in_the_message(isams) -> None:
    """isams.md: MissingParameter, "Missing Field: apiKey", when apiKey is missing or malformed."""
    creds = {**isams.emulator.credentials(isams.base_url), "pupils": {"api_key": "0123-4567"}}
    results = run_check(creds)
    [bad] = [r for r in results if r.code == "isams.parameter_missing"]
    assert bad.key == "pupils" and "apiKey" in bad.message and "Pupils key" in bad.message
    assert "Manage Batch API Keys" in bad.remedy


def test_a_400_naming_another_parameter_names_it() -> None:
    import httpx

    from mis_wizard.vendors.isams.replies import BatchReply, Redactor, batch_failure
    body = (b'<?xml version="1.0" encoding="utf-16"?>\r\n<Message><MessageId>MissingParameter</MessageId>'
            b"<MessageName>MissingParameter</MessageName><Title>Missing Parameter</Title>"
            b"<Description>Missing Field: MethodsToRun</Description></Message>")
    reply = BatchReply.of(httpx.Response(400, content=body, headers={"content-type": "application/xml"}))
    failure = batch_failure(reply, "Pupils key", ["PupilManager:GetCurrentPupils"], Redactor([]))
    assert failure.code == "isams.parameter_missing"
    assert failure.message == "iSAMS says the request for the Pupils key is missing the MethodsToRun parameter."


def test_good_keys_say_their_records_come_from_the_cache(isams) -> None:
    ok = [r for r in run_check(isams.emulator.credentials(isams.base_url)) if r.code == "isams.sample_ok"]
    assert ok and all("API Key Cache Expiry" in r.message and "24 hours" in r.message for r in ok)
    assert not [r for r in run_check(isams.emulator.credentials(isams.base_url))
                if r.code == "isams.records_look_filtered"]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_pupils_key_cut_by_a_school_filter_is_warned_of(isams, small_school, fmt: str) -> None:
    """Filters set on a key silently cut what it returns (iSAMS Batch API FAQ): a pupils key answering
    only one year, while teaching sets and set lists cover every year, is flagged with the key's
    filter and cache settings named."""
    creds = isams.emulator.scenarios(isams.base_url)["pupils_key_filtered"].credentials
    results = run_check(creds, {"batch_format": fmt})
    [hit] = [r for r in results if r.code == "isams.records_look_filtered"]
    assert (hit.key, hit.status.value) == ("pupils", "warning")
    assert "no pupils in years" in hit.message and "set lists name" in hit.message
    assert "filters are set on its batch methods" in hit.remedy and "API Key Cache Expiry" in hit.remedy
    # the key itself is fine: accepted, methods ticked, records returned
    assert {"isams.key_ok", "isams.methods_ok", "isams.sample_ok"} <= {r.code for r in results if r.key == "pupils"}
