"""Pages come in order with a bounded number in flight, and a failed page stops the stream there."""

from __future__ import annotations

import asyncio

import pytest

from mis_wizard.vendors.paging import ordered_pages


def collect(records: int, size: int, *, concurrency: int, speculate: int = 1, fail_page: int | None = None,
            page_size: int | None = None):
    in_flight = peak = receiving = 0
    asked: list[int] = []
    read_while_receiving: list[int] = []

    async def fetch(page: int, waiting) -> list[int]:
        nonlocal in_flight, peak, receiving
        asked.append(page)
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0)  # the request goes out
        waiting(True)
        await asyncio.sleep(0.001 * (page % 3))
        waiting(False)
        receiving += 1
        await asyncio.sleep(0)  # the answer comes in
        receiving -= 1
        in_flight -= 1
        if page == fail_page:
            raise RuntimeError(f"page {page} broke")
        return list(range((page - 1) * size, min(records, page * size)))

    async def count() -> int:
        await asyncio.sleep(0.002)
        return records

    async def go() -> list[list[int]]:
        async def finish(page: int, raw: list[int]) -> list[int]:
            if page > 1 and receiving:
                read_while_receiving.append(page)
            return raw

        return [p async for p in ordered_pages(fetch, finish, count, concurrency=concurrency, speculate=speculate,
                                               page_size=page_size)]

    pages = asyncio.run(go())
    assert not read_while_receiving, f"pages {read_while_receiving} were read while an answer was coming in"
    return pages, asked, peak


def test_pages_arrive_in_order_with_at_most_concurrency_in_flight():
    pages, asked, peak = collect(1000, 37, concurrency=4, speculate=4)
    assert [x for p in pages for x in p] == list(range(1000))
    assert peak <= 4 and sorted(asked)[: len(pages)] == list(range(1, len(pages) + 1))


def test_the_default_page_size_is_learned_from_the_first_page():
    pages, asked, _ = collect(10, 10, concurrency=4)
    assert pages == [list(range(10))] and asked == [1]


def test_speculative_pages_past_the_end_are_dropped():
    pages, asked, _ = collect(5, 10, concurrency=4, speculate=4)
    assert pages == [list(range(5))] and len(asked) == 4


def test_an_empty_collection_is_one_empty_page():
    pages, _, _ = collect(0, 10, concurrency=2, page_size=10)
    assert pages == [[]]


def test_a_failed_page_raises_when_the_stream_reaches_it():
    with pytest.raises(RuntimeError, match="page 3 broke"):
        collect(100, 10, concurrency=3, fail_page=3)
