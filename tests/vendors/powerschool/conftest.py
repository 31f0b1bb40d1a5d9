"""PowerSchool test helpers: the emulator on loopback, and the connector run to completion."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mis_wizard.vendors.base import CheckResult, Context, Record
from mis_wizard.vendors.powerschool import SPEC
from mis_wizard.vendors.powerschool.client import HeldTokens, PowerSchoolConnector
from mis_wizard.vendors.powerschool.sandbox import PowerSchoolEmulator
from mis_wizard.vendors.sandbox.kit import Hosted, Sandbox
from mis_wizard.wizard.http import build_client

TODAY = dt.date(2026, 11, 22)
"""The synthetic school's anchor day: its terms are built around it."""


def _connector(tokens: HeldTokens | None = None) -> PowerSchoolConnector:
    """Its own tokens unless given some: a test's requests never depend on what an earlier test held."""
    return PowerSchoolConnector(today=lambda: TODAY, tokens=tokens or HeldTokens())


def _run_check(credentials: dict[str, Any], requirements: dict[str, Any] | None = None,
              conn: PowerSchoolConnector | None = None, **client: Any) -> list[CheckResult]:
    async def go() -> list[CheckResult]:
        async with build_client(backoff=0.01, **client) as http:
            c = conn or _connector()
            return [r async for r in c.check(Context(http), credentials, SPEC.requirements(requirements))]

    return asyncio.run(go())


def _stream_all(credentials: dict[str, Any], entity: str, conn: PowerSchoolConnector | None = None,
               on_page: Callable[[str, int], None] | None = None, **settings: Any) -> list[Record]:
    client = {k: settings.pop(k) for k in ("extra_ca",) if k in settings}

    async def go() -> list[Record]:
        async with build_client(backoff=0.01, **client) as http:
            ctx = Context(http, on_page=on_page, **settings)
            c = conn or _connector()
            return [r async for r in c.stream(ctx, credentials, SPEC.requirements(), entity)]

    return asyncio.run(go())


@pytest.fixture(scope="module")
def _shared_box(small_school) -> Iterator[Sandbox]:
    with Sandbox() as box:
        box.add(PowerSchoolEmulator(small_school))
        yield box


@pytest.fixture
def ps_sandbox(_shared_box: Sandbox) -> Iterator[Sandbox]:
    """A sandbox serving the small school's PowerSchool, shared by a module's tests (closing a sandbox
    takes the kit a tenth of a second); faults and the log are cleared after each test."""
    yield _shared_box
    _shared_box.clear_faults()
    _shared_box.log.clear()


@pytest.fixture
def powerschool(ps_sandbox: Sandbox) -> Hosted:
    """The hosted emulator: ``.base_url`` and ``.emulator`` as the kit gives them."""
    return ps_sandbox.hosted["powerschool"]


@pytest.fixture
def connector() -> Callable[..., PowerSchoolConnector]:
    """``connector(tokens=None)``: a connector whose "today" is the synthetic school's anchor day, holding
    its tokens in ``tokens`` (by default its own, not the process's)."""
    return _connector


@pytest.fixture
def run_check() -> Callable[..., list[CheckResult]]:
    """``run_check(credentials, requirements=None, conn=None, **build_client_args)``: every result."""
    return _run_check


@pytest.fixture
def stream_all() -> Callable[..., list[Record]]:
    """``stream_all(credentials, entity, conn=None, on_page=None, **context_settings)``: every record."""
    return _stream_all
