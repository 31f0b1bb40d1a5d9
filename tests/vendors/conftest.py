"""What a sync asks a system for: stream entities from the system's own emulator over loopback,
with ``Context.fields`` set as the sync sets it (wizard/mapping/needed.py over the demo profile),
and record every request the app's real HTTP client sends (an httpx event hook only observes).

``requests_seen(system)`` hosts the system's emulator (once per test module) and gives its
``Reads``: ``receipt()`` the fields the sync asks for, ``stream(fields, *entities)`` a ``Streamed``
with each entity's records and requests, so a narrowed read can be checked on its own and against
a whole one (``fields=None``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from mis_wizard.vendors import registry
from mis_wizard.vendors.base import Context, Record
from mis_wizard.vendors.sandbox.kit import Hosted, Sandbox
from mis_wizard.wizard.http import build_client
from mis_wizard.wizard.mapping import needed
from mis_wizard.wizard.profile import load_builtin


@dataclass
class Streamed:
    """Per entity streamed: the records and the requests sent for them, and the fields asked for
    (``None`` for a whole read)."""

    fields: Mapping[str, frozenset[str]] | None
    records: dict[str, list[Record]] = field(default_factory=dict)
    requests: dict[str, list[httpx.Request]] = field(default_factory=dict)

    def wanted(self, entity: str) -> frozenset[str]:
        assert self.fields is not None, "a whole read wants no fields in particular"
        return self.fields[entity]

    def paths(self, entity: str) -> list[str]:
        return [r.url.path for r in self.requests[entity]]

    def params(self, entity: str, name: str) -> list[str]:
        """Every value of query parameter ``name`` across the requests for ``entity``."""
        return [v for r in self.requests[entity] for v in r.url.params.get_list(name)]

    def asked(self, entity: str, of: Callable[[httpx.Request], set[str]]) -> set[str]:
        """What the requests for ``entity`` asked for (methods, objects…), as ``of`` reads one request."""
        return set().union(*(of(r) for r in self.requests[entity]))

    def missing(self, entity: str) -> set[str]:
        """Wanted fields no streamed record of ``entity`` carries."""
        carried = set().union(*(r.keys() for r in self.records[entity]))
        return set(self.wanted(entity)) - carried

    def carries_every_wanted_field(self, entity: str) -> None:
        assert self.records[entity], entity
        assert not self.missing(entity), (entity, self.missing(entity))

    def assert_each_asks_only(self, allowed: Mapping[str, set[str]], of: Callable[[httpx.Request], set[str]]) -> None:
        """Each entity's requests ask for something and nothing outside ``allowed[entity]``, and its
        records carry every field the sync wanted."""
        for entity in self.requests:
            asked = self.asked(entity, of)
            assert asked and asked <= allowed[entity], (entity, asked)
            self.carries_every_wanted_field(entity)

    def is_cut_from(self, whole: Streamed, entity: str) -> None:
        """The narrowed records of ``entity`` carry every wanted field and are ``whole``'s records
        cut to those fields, in the same order."""
        wanted = self.wanted(entity)
        self.carries_every_wanted_field(entity)
        assert len(self.records[entity]) == len(whole.records[entity]) > 0
        for cut, full in zip(self.records[entity], whole.records[entity], strict=True):
            assert {f: cut.get(f) for f in wanted} == {f: full.get(f) for f in wanted}


@dataclass
class Reads:
    """One system's emulator on loopback, read as the sync reads it."""

    system: str
    hosted: Hosted

    def receipt(self, skip: Mapping[str, str] | None = None) -> dict[str, frozenset[str]]:
        """The demo profile's fields per entity (needed.fields), with ``skip`` (target entity →
        target field) set to Do not map."""
        session = {entity: {name: {"kind": "skip"}} for entity, name in (skip or {}).items()}
        return needed.fields(registry.get(self.system), load_builtin(), session or None)

    def stream(self, fields: Mapping[str, frozenset[str]] | None, *entities: str,
               requirements: Mapping[str, Any] | None = None) -> Streamed:
        """Stream ``entities`` (all of ``fields`` when none are named) one at a time with the
        profile's requirements (and ``requirements`` over them), recording each one's requests."""
        spec = registry.get(self.system)
        assert spec.connector is not None
        entities = entities or tuple(fields or ())
        assert entities, "a whole read names its entities"
        reqs = {**load_builtin().requirements(self.system), **(requirements or {})}
        credentials = self.hosted.emulator.credentials(self.hosted.base_url)
        streamed = Streamed(fields)
        sent: list[httpx.Request] = []

        async def seen(request: httpx.Request) -> None:
            sent.append(request)

        async def go() -> None:
            async with build_client(backoff=0.01) as http:
                http.event_hooks["request"].append(seen)
                ctx = Context(http, fields=fields)
                connector = spec.connector()
                for entity in entities:
                    sent.clear()
                    streamed.records[entity] = [r async for r in connector.stream(
                        ctx, dict(credentials), reqs, entity)]
                    streamed.requests[entity] = list(sent)

        asyncio.run(go())
        return streamed

    def skipping_changes_no_request(self, entity: str, name: str, sent: Callable[[httpx.Request], object]) -> None:
        """For a system whose requests name no fields: setting ``name`` of ``entity`` to Do not map
        takes it off the fields the sync needs, and every request for ``entity`` (as ``sent`` reads
        it) stays as it was; the mapper drops the field after reading."""
        whole = self.stream(self.receipt(), entity)
        skipped = self.stream(self.receipt({entity: name}), entity)
        assert skipped.wanted(entity) < whole.wanted(entity)
        assert [sent(r) for r in skipped.requests[entity]] == [sent(r) for r in whole.requests[entity]]


@pytest.fixture(scope="module")
def requests_seen(small_school: Any) -> Iterator[Callable[[str], Reads]]:
    """``requests_seen(system)`` → the system's ``Reads``, its emulator over the small school hosted
    on loopback once for the test module."""
    with Sandbox() as box:
        def reads(system: str) -> Reads:
            if system not in box.hosted:
                make = registry.get(system).emulator
                assert make is not None
                box.add(make(small_school))
            return Reads(system, box.hosted[system])

        yield reads
