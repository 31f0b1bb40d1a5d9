"""OneRoster 1.1: the CSV package rules against a real bulk package, and the shared REST client,
consumer check and emulator over loopback."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from mis_wizard.vendors.base import Status
from mis_wizard.vendors.oneroster import csv_spec
from mis_wizard.vendors.oneroster.checks import Wording, check_consumer
from mis_wizard.vendors.oneroster.client import OneRosterClient
from mis_wizard.vendors.oneroster.sandbox import GOOD_SECRET, OneRosterEmulator
from mis_wizard.vendors.sandbox import school as school_mod
from mis_wizard.vendors.sandbox.kit import Fault, FaultKind, Sandbox
from mis_wizard.wizard.http import build_client

BULK = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "oneroster" / "csv" / "bulk-minimal"
SCHOOL = school_mod.generate(7, "small", dt.date(2026, 11, 22))
SCENARIOS = sorted(OneRosterEmulator(SCHOOL).scenarios("http://127.0.0.1:1"))
WORDING = Wording("oneroster.", "oneroster", "Copy the Consumer ID and Secret again.",
                  "Use the OneRoster server address.", lambda e: f"Grant read access to {e}.")


def run_check(creds: dict, ca: Path | None = None) -> list:
    async def go() -> list:
        async with build_client(backoff=0.01, extra_ca=ca) as http:
            client = OneRosterClient(http, creds["base_url"], creds["client_id"], creds["client_secret"])
            return [r async for r in check_consumer(client, WORDING)]
    return asyncio.run(go())


@pytest.fixture
def roster(sandbox, small_school):
    return sandbox.add(OneRosterEmulator(small_school))


# -- CSV ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(BULK.glob("*.csv")), ids=lambda p: p.name)
def test_each_fixture_file_has_the_exact_spec_header(path: Path) -> None:
    header = path.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert header == (csv_spec.MANIFEST_HEADER if path.name == csv_spec.MANIFEST else csv_spec.HEADERS[path.name])


def test_the_real_bulk_package_is_valid_as_folder_and_zip(tmp_path: Path) -> None:
    assert csv_spec.validate_bulk_package(BULK) == []
    archive = tmp_path / "bulk.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in BULK.glob("*.csv"):
            zf.write(p, p.name)
    assert csv_spec.validate_bulk_package(archive) == []


def _broken(tmp_path: Path, name: str, edit) -> Path:
    folder = tmp_path / "pkg"
    shutil.copytree(BULK, folder)
    for p in folder.iterdir():
        p.chmod(0o644)
    target = folder / name
    edit(target)
    return folder


@pytest.mark.parametrize(("name", "edit", "expect"), [
    ("manifest.csv", lambda p: p.unlink(), "manifest.csv: is missing"),
    ("users.csv", lambda p: p.write_text(p.read_text().replace("givenName,familyName", "familyName,givenName")),
     "users.csv line 1 column familyName: header must be exactly"),
    ("orgs.csv", lambda p: p.write_text(p.read_text().splitlines()[0] + "\r\n"), "has a header but no rows"),
    ("enrollments.csv", lambda p: p.write_text(p.read_text().replace("usr-222-987654", "usr-nobody")),
     "column userSourcedId: refers to 'usr-nobody', which users.csv does not define"),
    ("orgs.csv", lambda p: p.write_text(p.read_text().replace("org-sch-222-456,,", "org-sch-222-456,active,")),
     "orgs.csv line 2 column status: must be blank in a bulk package"),
    ("manifest.csv", lambda p: p.write_text(p.read_text().replace("file.lineItems,absent\n", "")),
     "does not list file.lineItems"),
])
def test_a_broken_package_names_its_problem(tmp_path: Path, name: str, edit, expect: str) -> None:
    problems = csv_spec.validate_bulk_package(_broken(tmp_path, name, edit))
    assert any(expect in p for p in problems), problems


# -- REST -----------------------------------------------------------------------------------------

def test_good_credentials_pass(roster) -> None:
    results = run_check(roster.emulator.credentials(roster.base_url))
    assert not [r for r in results if r.status in (Status.FAILED, Status.WARNING)]
    assert "oneroster.sample_ok" in {r.code for r in results}


@pytest.mark.parametrize("name", SCENARIOS)
def test_each_scenario_gets_its_code(roster, name: str) -> None:
    scenario = roster.emulator.scenarios(roster.base_url)[name]
    results = run_check(scenario.credentials)
    assert any(r.code == scenario.expect and r.status is Status.FAILED and r.remedy for r in results)


def test_the_secret_never_appears(roster, sandbox) -> None:
    every = run_check(roster.emulator.credentials(roster.base_url))
    for scenario in roster.emulator.scenarios(roster.base_url).values():
        every += run_check(scenario.credentials)
    assert GOOD_SECRET not in json.dumps([r.to_json() for r in every]) + json.dumps([vars(e) for e in sandbox.log])


def test_paging_filter_fields_and_token_renewal(roster, small_school) -> None:
    creds = roster.emulator.credentials(roster.base_url)

    async def go() -> tuple[int, int, dict, int]:
        async with build_client(backoff=0.01) as http:
            client = OneRosterClient(http, creds["base_url"] + "/ims/oneroster/v1p1", creds["client_id"],
                                     creds["client_secret"])
            users = 0
            async for rows in client.pages("users", page_size=25, concurrency=3):
                users += len(rows)
            roster.emulator.service.store.expire_all()
            filtered = await client.get("users", {"filter": "role='teacher'", "fields": "sourcedId,role",
                                                  "limit": 1000})
            paged = await client.get("students", {"limit": 5})
            return users, len(filtered.json()["users"]), dict(paged.headers), \
                len({tuple(r) for r in filtered.json()["users"]})

    users, teachers, headers, shapes = asyncio.run(go())
    s = small_school
    assert users == len(s.students) + len(s.staff) + len(s.contacts)
    assert teachers == sum(t.teaching for t in s.staff) and shapes == 1
    assert headers["x-total-count"] == str(len(s.students)) and 'rel="next"' in headers["link"]
    assert roster.emulator.service.store.issued() == 2  # one token reused for every page, one after expiry


def test_a_call_without_the_sticky_cookie_is_refused(roster) -> None:
    creds = roster.emulator.credentials(roster.base_url)

    async def go() -> int:
        async with build_client(backoff=0.01) as http:
            client = OneRosterClient(http, creds["base_url"], creds["client_id"], creds["client_secret"])
            token = await client.token()
            http.cookies.clear()
            response = await http.get(f"{creds['base_url']}/ims/oneroster/v1p1/students",
                                      headers={"Authorization": f"Bearer {token}"})
            return response.status_code
    assert asyncio.run(go()) == 401


def test_a_rate_limited_token_call_is_retried(roster, sandbox) -> None:
    sandbox.inject("oneroster", Fault(FaultKind.RATE_LIMIT, route="/v2/oauth/token", times=1, retry_after=0))
    results = run_check(roster.emulator.credentials(roster.base_url))
    assert not [r for r in results if r.status is Status.FAILED]


def test_a_failing_server_gives_a_transient_code(roster, sandbox) -> None:
    sandbox.inject("oneroster", Fault(FaultKind.SERVER_ERROR, route="/ims/oneroster/v1p1/students"))
    results = run_check(roster.emulator.credentials(roster.base_url))
    assert any(r.code == "oneroster.transient" and r.status is Status.FAILED for r in results)


def test_checks_pass_over_tls(tmp_path, small_school) -> None:
    with Sandbox(tls_dir=tmp_path / "tls") as box:
        hosted = box.add(OneRosterEmulator(small_school))
        results = run_check(hosted.emulator.credentials(hosted.base_url), ca=box.cert_path)
    assert not [r for r in results if r.status is Status.FAILED]
