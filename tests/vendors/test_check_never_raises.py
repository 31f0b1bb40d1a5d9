"""A connector's check never raises: whatever breaks inside it is its last result, FAILED, in plain words."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from mis_wizard.vendors import registry
from mis_wizard.vendors.base import Context, Status

BROKEN = {
    # (credentials, requirements, the result's code): what the check's own code trips over, as a damaged
    # session file could hold
    "tass": ({"base_url": "https://127.0.0.1:9", "company_code": "01"}, {"modules": 5}, "tass.bad_response"),
    "powerschool": ({"base_url": "https://127.0.0.1:9"}, {"resources": 5}, "powerschool.unexpected_error"),
    "qmlativ": ({"base_url": "https://127.0.0.1:9", "integration_access": "not a key set"}, {},
                "qmlativ.check_crashed"),
}


@pytest.mark.parametrize("system", sorted(BROKEN))
def test_a_check_that_breaks_ends_with_one_failed_result(system: str) -> None:
    credentials, requirements, code = BROKEN[system]

    async def go() -> list:
        async with httpx.AsyncClient() as http:
            return [r async for r in registry.get(system).connector().check(Context(http), credentials, requirements)]

    results = asyncio.run(go())
    assert results and results[-1].status is Status.FAILED, results
    last = results[-1]
    assert last.code == code and last.message and last.remedy, last
    assert last.detail in ("TypeError", "AttributeError"), last
    assert "Error" not in last.message + last.remedy, last
