"""The vendor contract, run over every registered system (as Airbyte's standard source tests run
over every connector): a system gets this suite by being listed in vendors/registry.py.

Each test talks to the system's own emulator over loopback through the app's real HTTP client.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mis_wizard.vendors import concepts, registry
from mis_wizard.vendors.base import (
    CheckResult,
    Context,
    Field,
    FieldKind,
    KeySet,
    Record,
    Status,
    VendorSpec,
    form_results,
    lazy,
)
from mis_wizard.vendors.errors import VendorError
from mis_wizard.vendors.sandbox import school
from mis_wizard.vendors.sandbox.kit import Fault, FaultKind, Hosted, Sandbox
from mis_wizard.wizard import checks, profile, steps
from mis_wizard.wizard.http import build_client
from mis_wizard.wizard.redact import RedactingFilter

SYSTEMS = registry.SYSTEM_IDS
PROFILES = profile.builtin_names()
FAULTS = [
    Fault(FaultKind.RATE_LIMIT, times=1, retry_after=0),
    Fault(FaultKind.SERVER_ERROR, times=1, status=503),
    Fault(FaultKind.DROP, times=1),
    Fault(FaultKind.TRUNCATE, times=1),
    Fault(FaultKind.MALFORMED, times=1),
    Fault(FaultKind.LATENCY, times=1, latency_ms=200),
]
"""One of each fault the sandbox kit injects, hitting one request of a stream (the first after
``after`` requests went through, set per test)."""
SHORTEST_SECRET = 6
"""Secret values shorter than this (a PIN-like code) could match by chance and are not searched for."""


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    """Every registered system's emulator over one synthetic school built around today, as the
    connectors read the calendar from today (PowerSchool's current term)."""
    synthetic = school.generate(seed=7, size="small")
    with Sandbox() as sandbox:
        for sid in SYSTEMS:
            make = registry.get(sid).emulator
            assert make is not None, f"{sid} has no emulator"
            sandbox.add(make(synthetic))
        yield sandbox


@pytest.fixture
def hosted(box: Sandbox, system: str) -> Iterator[Hosted]:
    box.clear_faults(system)
    yield box.hosted[system]
    box.clear_faults(system)


def _check(spec: VendorSpec, credentials: dict[str, Any], **client: Any) -> list[CheckResult]:
    async def go() -> list[CheckResult]:
        async with build_client(backoff=0.01, **client) as http:
            return [r async for r in checks.run(spec, Context(http), credentials, spec.requirements())]

    return asyncio.run(go())


def _stream(spec: VendorSpec, credentials: dict[str, Any], entity: str) -> list[Record]:
    assert spec.connector is not None
    connector = spec.connector()

    async def go() -> list[Record]:
        async with build_client(backoff=0.01) as http:
            return [r async for r in connector.stream(Context(http), credentials, spec.requirements(), entity)]

    return asyncio.run(go())


def _secrets(spec: VendorSpec, credentials: dict[str, Any]) -> list[str]:
    found = []
    for key_set, f in spec.all_fields(spec.requirements()):
        values = credentials if key_set is None else credentials.get(key_set) or {}
        value = str(values.get(f.id) or "")
        if f.secret and len(value) >= SHORTEST_SECRET:
            found.append(value)
    return found


def _first_entity(spec: VendorSpec) -> str:
    ids = [e.id for e in spec.entities]
    return "students" if "students" in ids else ids[0]


# spec shape ---------------------------------------------------------------------------------


@pytest.mark.parametrize("system", SYSTEMS)
def test_spec_shape(system: str) -> None:
    spec = registry.get(system)
    assert spec.id == system and spec.name and spec.region and spec.summary
    assert all(isinstance(f, Field) and isinstance(f.kind, FieldKind) and f.label for f in spec.fields)
    key_sets = spec.key_sets(spec.requirements())
    assert all(isinstance(k, KeySet) and k.label and k.fields for k in key_sets), system
    assert len({k.id for k in key_sets}) == len(key_sets)
    for scope in [spec.fields, *(k.fields for k in key_sets)]:
        assert len({f.id for f in scope}) == len(scope), (system, [f.id for f in scope])
    secret = [f for _, f in spec.all_fields(spec.requirements()) if f.secret]
    assert secret, f"{system} declares no secret field"
    for _, f in spec.all_fields(spec.requirements()):
        assert not (f.secret and f.example and f.example in (f.help + f.format_hint)), (system, f.id)
        if f.kind is FieldKind.CHOICE:
            assert f.choices and (not f.default or f.default in f.choices), (system, f.id)
    assert spec.connector is not None and spec.emulator is not None, system
    assert spec.entities and len({e.id for e in spec.entities}) == len(spec.entities)
    listed = steps.load(system, spec.step_values(spec.requirements()))
    assert listed and all(s.title for s in listed), system


HTTPX_AT_SPEC = {"tass": "tass/endpoints.py (the endpoint users' key sets are built from it)"}
"""Systems whose spec still loads httpx through a module other than the client, and which one."""


@pytest.mark.parametrize("system", SYSTEMS)
def test_importing_the_spec_loads_no_client_or_emulator(system: str) -> None:
    """The spec names its connector and emulator with base.lazy, so the form, the steps and the
    mapping can read a system without loading its client, its emulator or the sandbox kit."""
    spec = registry.get(system)
    assert isinstance(spec.connector, lazy) and isinstance(spec.emulator, lazy), system
    assert spec.connector.path.startswith(f"mis_wizard.vendors.{system}.client:"), spec.connector
    assert spec.emulator.path.startswith(f"mis_wizard.vendors.{system}.sandbox:"), spec.emulator
    probe = ("import importlib, json, sys; importlib.import_module(sys.argv[1]); "
             "print(json.dumps(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", probe, f"mis_wizard.vendors.{system}"],
                          capture_output=True, text=True, check=True, timeout=60)
    loaded = set(json.loads(done.stdout))
    assert f"mis_wizard.vendors.{system}" in loaded
    heavy = {m for m in loaded if m.startswith("mis_wizard.vendors.")
             and m.rsplit(".", 1)[-1] in ("client", "sandbox", "kit", "school")}
    assert not heavy, (system, sorted(heavy))
    if system not in HTTPX_AT_SPEC:
        assert "httpx" not in loaded, system
    connector = spec.connector()
    assert callable(connector.check) and callable(connector.stream), system


@pytest.mark.parametrize("name", PROFILES)
@pytest.mark.parametrize("system", SYSTEMS)
def test_steps_render_with_every_profile(system: str, name: str) -> None:
    chosen = profile.load_builtin(name)
    if not chosen.offers(system):
        pytest.skip(f"profile {name} does not take {system}")
    spec = registry.get(system)
    listed = steps.load(system, spec.step_values(chosen.requirements(system)))
    assert listed, (system, name)
    for step in listed:
        text = " ".join([step.title, *step.prose, *step.items, *(f"{k} {v}" for k, v in step.copies)])
        assert "{{" not in text and "}}" not in text and "<!--" not in text, (system, name, step.title)
    assert all(value for _, value in (c for s in listed for c in s.copies)), (system, name)


@pytest.mark.parametrize("system", SYSTEMS)
def test_every_raw_field_maps_to_a_known_concept(system: str) -> None:
    for entity in registry.get(system).entities:
        assert entity.id in concepts.ENTITIES, (system, entity.id)
        names = [f.name for f in entity.fields]
        assert len(set(names)) == len(names), (system, entity.id)
        assert entity.id_field in names, (system, entity.id, entity.id_field)
        for f in entity.fields:
            assert f.concept is None or f.concept in concepts.CONCEPTS, (system, entity.id, f.name)


@pytest.mark.parametrize("system", SYSTEMS)
def test_the_fact_table_where_the_vendor_keeps_one(system: str) -> None:
    """(fact, confirmed/inferred, where from): the DESIGN's rule that every fact is tagged."""
    facts = getattr(importlib.import_module(f"mis_wizard.vendors.{system}"), "FACTS", None)
    if facts is None:
        pytest.skip(f"{system} keeps no FACTS table")
    assert facts, system
    for fact, status, source in facts:
        assert fact.strip() and source.strip() and status in ("confirmed", "inferred"), (system, fact)


# live, against the emulator -----------------------------------------------------------------


@pytest.mark.parametrize("system", SYSTEMS)
def test_good_credentials_pass(system: str, hosted: Hosted) -> None:
    spec = registry.get(system)
    credentials = hosted.emulator.credentials(hosted.base_url)
    assert form_results(spec, credentials, spec.requirements()) == []
    results = _check(spec, credentials)
    assert results and all(r.code.startswith(f"{system}.") for r in results), [r.code for r in results]
    assert [r for r in results if r.status is Status.FAILED] == []
    assert any(r.status is Status.OK for r in results)


@pytest.mark.parametrize("system", SYSTEMS)
def test_every_scenario_gives_its_own_code(system: str, hosted: Hosted) -> None:
    """Each setup mistake is reported with the code its scenario names, as a failure or warning
    with a remedy, and working keys never give that code. (Several mistakes may share a code:
    three ways of getting a password wrong are one "password rejected".)"""
    spec = registry.get(system)
    scenarios = hosted.emulator.scenarios(hosted.base_url)
    assert scenarios, f"{system} emulates no setup mistake"
    passing = {r.code for r in _check(spec, hosted.emulator.credentials(hosted.base_url))}
    for name, scenario in scenarios.items():
        results = _check(spec, scenario.credentials)
        hits = [r for r in results if r.code == scenario.expect]
        assert hits, f"{system}/{name}: expected {scenario.expect}, got {[r.code for r in results]}"
        assert all(r.status in (Status.FAILED, Status.WARNING) and r.remedy for r in hits), (system, name)
        assert scenario.expect not in passing, f"{system}/{name}: working keys also give {scenario.expect}"


@pytest.mark.parametrize("system", SYSTEMS)
def test_secrets_never_in_reprs_or_logs(system: str, hosted: Hosted, box: Sandbox,
                                        caplog: pytest.LogCaptureFixture) -> None:
    spec = registry.get(system)
    credentials = hosted.emulator.credentials(hosted.base_url)
    secrets = _secrets(spec, credentials)
    assert secrets, f"{system}: the emulator's credentials hold no secret to look for"
    scenario_runs = [s.credentials for s in hosted.emulator.scenarios(hosted.base_url).values()]
    assert spec.connector is not None
    connector = spec.connector()
    with caplog.at_level(logging.DEBUG):
        results = [r for creds in [credentials, *scenario_runs] for r in _check(spec, creds)]
    redacting = RedactingFilter()
    logged = []
    for record in caplog.records:
        if not record.name.startswith("mis_wizard"):  # the app puts its filter on httpx/httpcore (logs.setup)
            redacting.filter(record)
        logged.append(record.getMessage())
    said = [repr(spec), repr(connector), *map(repr, results), *logged, *(repr(e) for e in box.log)]
    for secret in secrets:
        leaks = [s for s in said if secret in s]
        assert not leaks, f"{system}: a secret value is in {leaks[0][:200]!r}"


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.kind.value)
@pytest.mark.parametrize("system", SYSTEMS)
def test_streams_survive_each_injected_fault(system: str, hosted: Hosted, box: Sandbox, fault: Fault) -> None:
    """A fault on one request ends in the same records (retried) or in the system's own clear
    VendorError: never a crash, and never fewer records said to be all of them."""
    spec = registry.get(system)
    credentials = hosted.emulator.credentials(hosted.base_url)
    entity = _first_entity(spec)
    baseline = _stream(spec, credentials, entity)  # warms what a connector keeps (a held token)
    assert baseline, f"{system} streams no {entity}"
    before = len(box.log)
    assert _stream(spec, credentials, entity) == baseline, f"{system}: two clean streams differ"
    requests = len([e for e in box.log[before:] if e.system == system])
    for after in sorted({0, requests - 1}):
        seen = len(box.log)
        box.inject(system, Fault(fault.kind, times=1, after=after, retry_after=fault.retry_after,
                                            latency_ms=fault.latency_ms, status=fault.status))
        try:
            got = _stream(spec, credentials, entity)
        except VendorError as exc:
            assert fault.kind is not FaultKind.LATENCY, (system, exc.code)
            assert exc.code.startswith(f"{system}.") and exc.message and exc.remedy, (system, exc.code)
        else:
            assert got == baseline, (system, fault.kind.value, after, len(got), len(baseline))
        finally:
            box.clear_faults(system)
        hits = [e for e in box.log[seen:] if e.system == system and e.fault == fault.kind.value]
        assert hits, f"{system}: the {fault.kind.value} fault never hit (after {after})"


REACH_PINNED = {("integris", "tls_untrusted"): "integris.unreachable",
                ("tass", "plain_http"): "tass.field_invalid.base_url"}
"""Where a vendor's tests pin the code it had before the shared reach table (errors.REACH_TABLE),
or the form refuses the address first (TASS takes HTTPS only since v49, so http:// is a field error)."""


@pytest.mark.parametrize("way", ["unreachable", "timeout", "tls_untrusted", "plain_http"])
@pytest.mark.parametrize("system", SYSTEMS)
def test_each_reach_failure_has_the_shared_code(system: str, way: str, tmp_path: Path, small_school) -> None:
    """A closed port, a server that never answers, a certificate this computer does not trust and
    plain http:// off this computer are four codes in every system, from the one table in
    vendors/errors.py (the last is refused before anything is sent)."""
    spec = registry.get(system)
    assert spec.emulator is not None
    emulator = spec.emulator(small_school)
    with socket.socket() as silent, Sandbox(tls_dir=tmp_path) as tls:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)  # the kernel completes the connection; nothing ever reads or answers
        if way == "unreachable":
            closed = socket.socket()
            closed.bind(("127.0.0.1", 0))
            base_url = f"http://127.0.0.1:{closed.getsockname()[1]}"
            closed.close()
        elif way == "plain_http":
            base_url = "http://mis.school.example"
        elif way == "timeout":
            base_url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        else:
            base_url = tls.add(emulator).base_url
        results = _check(spec, emulator.credentials(base_url), retries=0, timeout=httpx.Timeout(0.5))
    expected = REACH_PINNED.get((system, way), f"{system}.{way}")
    failed = [r for r in results if r.status is Status.FAILED]
    assert failed, (system, way)
    hits = [r for r in failed if r.code == expected]
    assert hits, f"{system}/{way}: expected {expected}, got {[r.code for r in failed]}"
    assert all(r.message and r.remedy for r in hits)
    if way == "tls_untrusted":
        assert all("certificate" in r.message for r in hits)


# asking for fewer fields -------------------------------------------------------------------


@pytest.mark.parametrize("system", SYSTEMS)
def test_a_stream_asked_for_the_receipts_fields_still_gives_each_of_them(system: str, hosted: Hosted) -> None:
    """With ``Context.fields`` set (as the sync and preview set it), every record still carries each
    wanted field with the value the whole record has: a connector may ask for less, never lose any."""
    from mis_wizard.wizard.mapping import needed

    spec = registry.get(system)
    credentials = hosted.emulator.credentials(hosted.base_url)
    wanted = needed.fields(spec, profile.load_builtin())
    assert spec.connector is not None and wanted, f"{system}: the demo profile reads nothing"

    async def go(entity: str, fields: dict[str, frozenset[str]] | None) -> list[Record]:
        async with build_client(backoff=0.01) as http:
            ctx = Context(http, fields=fields)
            return [r async for r in spec.connector().stream(ctx, credentials, spec.requirements(), entity)]

    for entity, names in wanted.items():
        whole = asyncio.run(go(entity, None))
        narrow = asyncio.run(go(entity, wanted))
        assert len(narrow) == len(whole), f"{system} {entity}: other records when fewer fields are asked for"
        for record, full in zip(narrow, whole, strict=True):  # streams are ordered: record by record
            lost = {n: full[n] for n in names if n in full and record.get(n) != full[n]}
            assert not lost, f"{system} {entity}: asked for {sorted(lost)} and did not get them"
