"""The Integris emulator on loopback, and helpers that drive the real connector against it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from mis_wizard.vendors.base import CheckResult, Context
from mis_wizard.vendors.integris import SPEC
from mis_wizard.vendors.integris.sandbox import IntegrisEmulator
from mis_wizard.wizard.http import build_client


@pytest.fixture
def hosted(sandbox, small_school):
    return sandbox.add(IntegrisEmulator(small_school))


@pytest.fixture
def emulator(hosted) -> IntegrisEmulator:
    return hosted.emulator


@pytest.fixture
def good(hosted) -> dict[str, Any]:
    return hosted.emulator.credentials(hosted.base_url)


@pytest.fixture
def run_check() -> Callable[..., list[CheckResult]]:
    """Runs connector.check() over a fresh client and returns every result in arrival order."""

    def run(credentials: dict[str, Any], **overrides: Any) -> list[CheckResult]:
        async def go() -> list[CheckResult]:
            async with build_client(backoff=0.01) as http:
                return [r async for r in SPEC.connector().check(Context(http), credentials,
                                                                SPEC.requirements(overrides))]

        return asyncio.run(go())

    return run


@pytest.fixture
def run_stream() -> Callable[..., list[dict[str, Any]]]:
    """Streams one entity to a list; keyword arguments go to Context, ``requirements`` to the profile."""

    def run(credentials: dict[str, Any], entity: str, requirements: dict[str, Any] | None = None,
            **context: Any) -> list[dict[str, Any]]:
        async def go() -> list[dict[str, Any]]:
            async with build_client(backoff=0.01) as http:
                stream = SPEC.connector().stream(Context(http, **context), credentials,
                                                 SPEC.requirements(requirements), entity)
                return [r async for r in stream]

        return asyncio.run(go())

    return run
