"""The iSAMS emulator on loopback, and a way to run the real connector against it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest

from mis_wizard.vendors.base import CheckResult, Context, Record
from mis_wizard.vendors.isams import SPEC
from mis_wizard.vendors.isams.sandbox import IsamsEmulator
from mis_wizard.wizard.http import build_client


@pytest.fixture
def isams(sandbox, small_school):
    """The hosted emulator (``.emulator``, ``.base_url``)."""
    return sandbox.add(IsamsEmulator(small_school))


def run_check(credentials: Mapping[str, Any], requirements: Mapping[str, Any] | None = None) -> list[CheckResult]:
    return run_checks([credentials], requirements)[0]


def run_checks(many: list[Mapping[str, Any]], requirements: Mapping[str, Any] | None = None) -> list[list[CheckResult]]:
    """Several checks at once through one client, as the GUI runs them (and quicker in tests)."""

    async def one(ctx: Context, credentials: Mapping[str, Any]) -> list[CheckResult]:
        return [r async for r in SPEC.connector().check(ctx, dict(credentials), SPEC.requirements(requirements))]

    async def go() -> list[list[CheckResult]]:
        async with build_client(backoff=0.01) as http:
            ctx = Context(http)
            return list(await asyncio.gather(*(one(ctx, c) for c in many)))

    return asyncio.run(go())


def run_stream(credentials: Mapping[str, Any], entity: str, requirements: Mapping[str, Any] | None = None,
               **context: Any) -> list[Record]:
    async def go() -> list[Record]:
        async with build_client(backoff=0.01) as http:
            ctx = Context(http, **context)
            connector = SPEC.connector()
            return [r async for r in connector.stream(ctx, dict(credentials), SPEC.requirements(requirements), entity)]

    return asyncio.run(go())


EMPTY_MEDICAL = [("medical", "warning", "isams.sample_empty")]
"""What good credentials leave: no public sample shows the medical dataset, so the emulator answers
it empty (an emulator serves only what the fact sheet lists) and the check warns of an empty key."""


def problems(results: list[CheckResult]) -> list[tuple[str, str, str]]:
    return [(r.key, r.status.value, r.code) for r in results if r.status.value in ("failed", "warning")]
