"""merged(): results as each source yields them, a broken source reported, early stop cancels the rest; guarded()."""

from __future__ import annotations

import asyncio

import pytest

from mis_wizard.vendors.streams import guarded, merged


async def slow(name: str, delays: list[float]):
    for i, d in enumerate(delays):
        await asyncio.sleep(d)
        yield f"{name}{i}"


async def broken():
    yield "b0"
    raise RuntimeError("boom")


def collect(sources, on_error=None) -> list[str]:
    async def go() -> list[str]:
        return [x async for x in merged(sources, on_error)]

    return asyncio.run(go())


def test_items_arrive_in_the_order_they_are_ready() -> None:
    assert collect([slow("a", [0.05, 0.05]), slow("z", [0.01, 0.07])]) == ["z0", "a0", "z1", "a1"]


def test_a_broken_source_becomes_an_item_or_raises() -> None:
    got = collect([broken(), slow("a", [0.01])], lambda i, exc: f"source {i} failed: {exc}")
    assert sorted(got) == ["a0", "b0", "source 0 failed: boom"]
    with pytest.raises(RuntimeError, match="boom"):
        collect([broken()])


def test_stopping_early_cancels_every_source() -> None:
    cancelled: list[str] = []

    async def forever(name: str):
        try:
            while True:
                await asyncio.sleep(0.01)
                yield name
        finally:
            cancelled.append(name)

    async def go() -> str:
        async for item in merged([forever("x"), forever("y")]):
            return item
        return ""

    assert asyncio.run(go()) in ("x", "y")
    assert sorted(cancelled) == ["x", "y"]


def test_guarded_ends_a_broken_source_with_one_item() -> None:
    async def go(source) -> list[str]:
        return [x async for x in guarded(source, lambda exc: f"failed: {exc}")]

    assert asyncio.run(go(broken())) == ["b0", "failed: boom"]
    assert asyncio.run(go(slow("a", [0, 0]))) == ["a0", "a1"]
