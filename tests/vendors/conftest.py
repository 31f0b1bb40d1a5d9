"""What a sync asks a system for: stream entities from the system's own emulator over loopback,
with ``Context.fields`` set as the sync sets it (wizard/mapping/needed.py over a profile), and
record every request the app's real HTTP client sends (an httpx event hook only observes)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from mis_wizard.vendors import registry
from mis_wizard.vendors.base import Context, Record
from mis_wizard.vendors.sandbox.kit import Emulator, Hosted
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
