"""What a sync asks a system for: stream entities from the system's own emulator over loopback,
with ``Context.fields`` set as the sync sets it (wizard/mapping/needed.py over a profile), and
record every request the app's real HTTP client sends (an httpx event hook only observes).

``narrowed`` streams every demo-profile entity in one go; ``requests_seen`` streams one entity at a
time, for comparing a narrowed read with a whole one."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from mis_wizard.vendors import registry
from mis_wizard.vendors.base import Context, Record
from mis_wizard.vendors.sandbox import school
from mis_wizard.vendors.sandbox.kit import Emulator, Hosted, Sandbox
from mis_wizard.wizard.http import build_client
from mis_wizard.wizard.mapping import needed
from mis_wizard.wizard.profile import load_builtin


@dataclass
class Streamed:
    """Per entity: the fields asked for, the records streamed and the requests sent for them."""

    hosted: Hosted
    fields: dict[str, frozenset[str]]
    records: dict[str, list[Record]] = field(default_factory=dict)
    requests: dict[str, list[httpx.Request]] = field(default_factory=dict)

    def asked(self, entity: str, of: Callable[[httpx.Request], set[str]]) -> set[str]:
        """What the requests for ``entity`` asked for (methods, objects…), as ``of`` reads one request."""
        return set().union(*(of(r) for r in self.requests[entity]))

    def assert_each_asks_only(self, allowed: Mapping[str, set[str]], of: Callable[[httpx.Request], set[str]]) -> None:
        """Each entity's requests ask for something and nothing outside ``allowed[entity]``, and its
        records carry every field the sync wanted."""
        for entity in self.fields:
            asked = self.asked(entity, of)
            assert asked and asked <= allowed[entity], (entity, asked)
            assert self.records[entity], entity
            assert not self.missing(entity), (entity, self.missing(entity))

    def missing(self, entity: str) -> set[str]:
        """Wanted fields no streamed record of ``entity`` carries."""
        carried = set().union(*(r.keys() for r in self.records[entity])) if self.records[entity] else set()
        return set(self.fields[entity]) - carried


@pytest.fixture
def narrowed(sandbox: Any, small_school: Any) -> Callable[..., Streamed]:
    """``narrowed(system, session_mapping=None, emulator=None)`` streams every entity the demo
    profile has a target for, one at a time, and says what was asked for each."""

    def run(system: str, session_mapping: Mapping[str, Any] | None = None,
            emulator: Emulator | None = None) -> Streamed:
        spec = registry.get(system)
        assert spec.connector is not None and spec.emulator is not None
        hosted = sandbox.add(emulator or spec.emulator(small_school))
        profile = load_builtin()
        requirements = profile.requirements(system)
        streamed = Streamed(hosted, needed.fields(spec, profile, session_mapping))
        connector = spec.connector()
        credentials = hosted.emulator.credentials(hosted.base_url)
        sent: list[httpx.Request] = []

        async def seen(request: httpx.Request) -> None:
            sent.append(request)

        async def go() -> None:
            async with build_client(backoff=0.01) as http:
                http.event_hooks["request"].append(seen)
                ctx = Context(http, fields=streamed.fields)
                for entity in streamed.fields:
                    sent.clear()
                    streamed.records[entity] = [r async for r in connector.stream(
                        ctx, dict(credentials), requirements, entity)]
                    streamed.requests[entity] = list(sent)

        asyncio.run(go())
        return streamed

    return run


@dataclass
class Run:
    records: list[Record]
    requests: list[httpx.Request] = field(default_factory=list)

    def params(self, name: str) -> list[str]:
        """Every value of query parameter ``name`` across the requests."""
        return [v for r in self.requests for v in r.url.params.get_list(name)]

    @property
    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]


def _hosted(system: str) -> Iterator[Hosted]:
    """The system's emulator over one small synthetic school, on loopback."""
    with Sandbox() as box:
        make = registry.get(system).emulator
        assert make is not None
        box.add(make(school.generate(seed=7, size="small", anchor=dt.date(2026, 11, 22))))
        yield box.hosted[system]


def stream(system: str, where: Hosted, entity: str, fields: Mapping[str, frozenset[str]] | None,
           requirements: Mapping[str, Any] | None = None) -> Run:
    spec = registry.get(system)
    assert spec.connector is not None
    run = Run([])

    async def seen(request: httpx.Request) -> None:
        run.requests.append(request)

    async def go() -> None:
        async with build_client(backoff=0.01) as http:
            http.event_hooks["request"].append(seen)
            ctx = Context(http, fields=fields)
            connector = spec.connector()
            run.records.extend([r async for r in connector.stream(
                ctx, where.emulator.credentials(where.base_url), spec.requirements(dict(requirements or {})),
                entity)])

    asyncio.run(go())
    return run


def receipt(system: str, skip: Mapping[str, str] | None = None) -> dict[str, frozenset[str]]:
    """The demo profile's fields per entity (needed.fields), with ``skip`` (target entity → target
    field) set to Do not map."""
    session = {entity: {name: {"kind": "skip"}} for entity, name in (skip or {}).items()}
    return needed.fields(registry.get(system), load_builtin(), session or None)


def carries_every_wanted_field(narrow: Run, whole: Run, wanted: frozenset[str]) -> None:
    """The narrowed records are the whole ones cut to the wanted fields, in the same order."""
    assert len(narrow.records) == len(whole.records) > 0
    for cut, full in zip(narrow.records, whole.records, strict=True):
        assert {f: cut.get(f) for f in wanted} == {f: full.get(f) for f in wanted}


@pytest.fixture(scope="module")
def requests_seen() -> SimpleNamespace:
    """``hosted(system)`` (a context: the emulator on loopback), ``stream(system, hosted, entity, fields,
    requirements=None)`` → Run (records and requests), ``receipt(system, skip=None)`` and
    ``carries_every_wanted_field(narrow, whole, wanted)``."""
    return SimpleNamespace(hosted=contextmanager(_hosted), stream=stream, receipt=receipt,
                           carries_every_wanted_field=carries_every_wanted_field)
