"""Server faults: transient ones are retried to success; lasting ones give a clear transient code."""

from __future__ import annotations

import pytest

from mis_wizard.vendors.base import Layer, Status
from mis_wizard.vendors.errors import FailureKind, VendorError
from mis_wizard.vendors.sandbox.kit import Fault, FaultKind

STUDENTS = "/ws/v1/district/student"


@pytest.mark.parametrize("fault", [
    Fault(FaultKind.RATE_LIMIT, route=STUDENTS, times=2, retry_after=0),
    Fault(FaultKind.SERVER_ERROR, route=STUDENTS, times=2),
    Fault(FaultKind.DROP, route=STUDENTS, times=1),
    Fault(FaultKind.TRUNCATE, route=STUDENTS, times=1),
    Fault(FaultKind.MALFORMED, route=STUDENTS, times=1),
], ids=lambda f: f.kind.value)
def test_a_passing_fault_is_retried_to_success(ps_sandbox, powerschool, stream_all, fault):
    ps_sandbox.inject("powerschool", fault)
    creds = powerschool.emulator.credentials(powerschool.base_url)
    assert len(stream_all(creds, "students")) == 50
    assert any(e.fault == fault.kind.value for e in ps_sandbox.log)


@pytest.mark.parametrize("kind, code", [
    (FaultKind.SERVER_ERROR, "powerschool.transient"),
    (FaultKind.RATE_LIMIT, "powerschool.transient"),
    (FaultKind.DROP, "powerschool.transient"),
    (FaultKind.MALFORMED, "powerschool.garbled_answer"),
])
def test_a_lasting_fault_on_a_page_raises_a_transient_error(ps_sandbox, powerschool, stream_all, kind, code):
    ps_sandbox.inject("powerschool", Fault(kind, route=STUDENTS, retry_after=0))
    with pytest.raises(VendorError) as caught:
        stream_all(powerschool.emulator.credentials(powerschool.base_url), "students")
    assert caught.value.code == code and caught.value.kind is FailureKind.TRANSIENT and caught.value.remedy


@pytest.mark.parametrize("route, layer", [("/ws/v1/metadata", Layer.REACH), ("/oauth", Layer.AUTHENTICATE)])
def test_a_lasting_server_error_fails_the_check_as_transient(ps_sandbox, powerschool, run_check, route, layer):
    ps_sandbox.inject("powerschool", Fault(FaultKind.SERVER_ERROR, route=route, status=503))
    results = run_check(powerschool.emulator.credentials(powerschool.base_url))
    failed = [r for r in results if r.status is Status.FAILED]
    assert [(r.code, r.layer) for r in failed] == [("powerschool.transient", layer)]
    assert failed[0].remedy and "503" in failed[0].detail
    assert results[-1].status is Status.SKIPPED


def test_a_garbled_answer_during_the_check_is_one_failed_result(ps_sandbox, powerschool, run_check):
    ps_sandbox.inject("powerschool", Fault(FaultKind.MALFORMED, route="/ws/v1/district/school"))
    results = run_check(powerschool.emulator.credentials(powerschool.base_url))
    failed = [r for r in results if r.status is Status.FAILED]
    assert [r.code for r in failed] == ["powerschool.garbled_answer"]
