"""The live check, as an admin meets it: each setup mistake gets its own code and a remedy."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from mis_wizard.vendors.base import CONNECTION, Context, Layer, Status, form_results
from mis_wizard.vendors.powerschool import SPEC
from mis_wizard.vendors.powerschool.sandbox import PowerSchoolEmulator
from mis_wizard.vendors.sandbox.kit import Sandbox
from mis_wizard.wizard.http import build_client


def problems(results):
    return [r for r in results if r.status in (Status.FAILED, Status.WARNING)]


def test_good_credentials_pass_every_layer(powerschool, run_check):
    results = run_check(powerschool.emulator.credentials(powerschool.base_url))
    assert not problems(results), problems(results)
    codes = {r.code for r in results}
    assert {"powerschool.reachable", "powerschool.client_accepted", "powerschool.plugin_enabled",
            "powerschool.resource_ok", "powerschool.terms_ok", "powerschool.sample_student_ok"} <= codes
    granted = [r.check for r in results if r.code == "powerschool.resource_ok"]
    assert len(granted) == 7
    assert results[0].layer is Layer.REACH and results[0].key == CONNECTION


SCENARIOS = ("wrong_client_secret", "wrong_client_id", "plugin_disabled", "students_not_granted",
             "cc_table_not_granted", "no_term_covering_today", "credentials_regenerated", "address_is_sign_in_page")


def test_every_scenario_is_listed(powerschool):
    assert set(powerschool.emulator.scenarios(powerschool.base_url)) == set(SCENARIOS)


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_reports_its_own_code_with_a_remedy(powerschool, name, run_check):
    scenario = powerschool.emulator.scenarios(powerschool.base_url)[name]
    results = run_check(scenario.credentials)
    hits = [r for r in problems(results) if r.code == scenario.expect]
    assert hits, [(r.code, r.message) for r in results]
    assert all(r.remedy for r in hits)
    assert {r.code for r in problems(results)} == {scenario.expect}


def test_missing_grant_names_the_resource_and_the_screen(powerschool, run_check):
    results = run_check(powerschool.emulator.scenarios(powerschool.base_url)["students_not_granted"].credentials)
    denied = next(r for r in results if r.code == "powerschool.resource_denied")
    assert "Students" in denied.message
    assert "Plugin Management Configuration" in denied.remedy
    assert not any(r.code == "powerschool.sample_student_ok" for r in results)


def test_missing_term_names_the_school_and_the_menu(powerschool, run_check):
    results = run_check(powerschool.emulator.scenarios(powerschool.base_url)["no_term_covering_today"].credentials)
    warning = next(r for r in results if r.code == "powerschool.no_current_term")
    assert warning.status is Status.WARNING
    assert "Riverbend South Campus" in warning.message and "North" not in warning.message
    assert "Start Page > School Setup > Years and Terms > Term Setup" in warning.remedy


def test_disabled_plugin_skips_the_grants(powerschool, run_check):
    results = run_check(powerschool.emulator.scenarios(powerschool.base_url)["plugin_disabled"].credentials)
    assert [r.status for r in results if r.layer is Layer.AUTHORISE][1:] == [Status.SKIPPED] * 7
    assert "Enable" in next(r for r in results if r.code == "powerschool.plugin_disabled").remedy


def test_only_required_resources_are_checked(powerschool, run_check):
    results = run_check(powerschool.emulator.credentials(powerschool.base_url), {"resources": ["students"]})
    assert [r.check for r in results if r.code == "powerschool.resource_ok"] == ["Students granted"]


def test_a_wrong_address_is_unreachable(powerschool, run_check):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    creds = powerschool.emulator.credentials(f"http://127.0.0.1:{port}")
    results = run_check(creds)
    assert [(r.code, r.status) for r in results][:1] == [("powerschool.unreachable", Status.FAILED)]
    assert results[1].status is Status.SKIPPED and len(results) == 2


def test_each_field_wrong_gives_a_clear_message(powerschool, run_check):
    good = powerschool.emulator.credentials(powerschool.base_url)
    for field, value, code in (("client_id", "00000000-1111-4222-8333-444444444444", "powerschool.client_rejected"),
                               ("client_secret", "not-the-secret-at-all", "powerschool.client_rejected")):
        creds = {**good, "plugin": {**good["plugin"], field: value}}
        failed = [r for r in run_check(creds) if r.status is Status.FAILED]
        assert [r.code for r in failed] == [code]
        assert "Client ID and Client Secret" in failed[0].message and "Data Provider Configuration" in failed[0].remedy
    bad_form = {"base_url": "district.powerschool", "plugin": {"client_id": "has spaces in it", "client_secret": ""}}
    codes = {r.code for r in form_results(SPEC, bad_form, SPEC.requirements())}
    assert codes == {"powerschool.field_invalid.base_url", "powerschool.field_invalid.client_id",
                     "powerschool.field_invalid.client_secret"}
    assert not form_results(SPEC, good, SPEC.requirements())


def test_the_secret_never_appears_in_results_or_the_log(ps_sandbox, powerschool, connector):
    good = powerschool.emulator.credentials(powerschool.base_url)
    every = [good, *(s.credentials for s in powerschool.emulator.scenarios(powerschool.base_url).values())]

    async def all_checks():
        async with build_client(backoff=0.01) as http:
            async def one(creds):
                return [r async for r in connector().check(Context(http), creds, SPEC.requirements())]
            return await asyncio.gather(*(one(c) for c in every))

    for creds, results in zip(every, asyncio.run(all_checks()), strict=True):
        text = json.dumps([r.to_json() for r in results])
        assert creds["plugin"]["client_secret"] not in text and good["plugin"]["client_secret"] not in text
    tokens = list(powerschool.emulator._tokens)
    assert tokens
    log = json.dumps([e.__dict__ for e in ps_sandbox.log])
    assert good["plugin"]["client_secret"] not in log and not any(t in log for t in tokens)


def test_tls_check_stream_and_untrusted_certificate(tmp_path, small_school, run_check, stream_all):
    with Sandbox(tls_dir=tmp_path / "tls") as box:
        hosted = box.add(PowerSchoolEmulator(small_school))
        assert hosted.base_url.startswith("https://")
        creds = hosted.emulator.credentials(hosted.base_url)
        trusted = run_check(creds, extra_ca=box.cert_path)
        assert not problems(trusted)
        assert len(stream_all(creds, "students", extra_ca=box.cert_path)) == len(small_school.students)
        untrusted = run_check(creds)
        assert untrusted[0].code == "powerschool.tls_untrusted" and untrusted[0].remedy


def test_each_check_asks_for_the_token_and_what_follows_reuses_it(ps_sandbox, powerschool, run_check,
                                                                    stream_all, connector):
    """A check proves the Client ID and Secret work now; the preview and sync after it need not."""
    conn = connector()
    creds = powerschool.emulator.credentials(powerschool.base_url)
    run_check(creds, conn=conn)
    run_check(creds, conn=conn)
    stream_all(creds, "students", conn=conn)
    assert sum(1 for e in ps_sandbox.log if e.path.startswith("/oauth/")) == 2
    issued = [t for t, (plugin, _) in powerschool.emulator._tokens.items()
              if plugin.client_id == creds["plugin"]["client_id"]]
    assert len(issued) == 1, "PowerSchool handed back the same token"
