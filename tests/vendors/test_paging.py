"""The shared pager's modes beyond PowerSchool's counted one (tests/vendors/powerschool/test_paging.py):
told by page 1, open-ended, and followed. Each mode keeps pages in order and in-flight requests bounded."""

from __future__ import annotations

import asyncio

import pytest

from mis_wizard.vendors.paging import followed_pages, ordered_pages, untraced


class Server:
    """A collection of ``records`` numbers served ``size`` at a time, counting what is asked."""

    def __init__(self, records: int, size: int, fail_page: int | None = None) -> None:
        self.records, self.size, self.fail_page = records, size, fail_page
        self.asked: list[int] = []
        self.in_flight = self.peak = 0

    async def fetch(self, page: int) -> list[int]:
        self.asked.append(page)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        await asyncio.sleep(0.001 * (page % 3))
        self.in_flight -= 1
        if page == self.fail_page:
            raise RuntimeError(f"page {page} broke")
        return list(range((page - 1) * self.size, min(self.records, page * self.size)))


async def _same(_page: int, rows: list[int]) -> list[int]:
    return rows


def read(server: Server, concurrency: int, **mode) -> list[list[int]]:
    async def go() -> list[list[int]]:
        return [p async for p in ordered_pages(untraced(server.fetch), _same, concurrency=concurrency,
                                               page_size=server.size, **mode)]

    return asyncio.run(go())


@pytest.mark.parametrize("records", [0, 1, 36, 37, 38, 370, 1000])
def test_open_ended_stops_at_the_first_short_page(records: int) -> None:
    server = Server(records, 37)
    pages = read(server, concurrency=4)
    assert [x for p in pages for x in p] == list(range(records))
    assert pages[-1] == [] or len(pages[-1]) < 37 or records % 37 == 0
    assert server.peak <= 4
    wanted = records // 37 + 1
    assert len(pages) == wanted
    assert sorted(server.asked) == list(range(1, len(server.asked) + 1)), "no page is skipped or asked twice"
    assert len(server.asked) - wanted < 4, "requests past the end stay within one window"


def test_told_by_page_one_asks_for_exactly_the_pages_named() -> None:
    server = Server(1000, 37)
    pages = read(server, concurrency=4, last_page=lambda rows: 28)
    assert [x for p in pages for x in p] == list(range(1000))
    assert sorted(server.asked) == list(range(1, 29)) and server.peak <= 4
    assert server.asked[0] == 1


def test_told_nothing_by_page_one_goes_one_page_at_a_time() -> None:
    server = Server(200, 37)
    pages = read(server, concurrency=4, last_page=lambda rows: None)
    assert [x for p in pages for x in p] == list(range(200))
    assert server.asked == [1, 2, 3, 4, 5, 6] and server.peak == 1


def test_a_failed_page_stops_the_open_ended_stream_there() -> None:
    server = Server(1000, 37, fail_page=5)
    seen: list[list[int]] = []

    async def go() -> None:
        async for page in ordered_pages(untraced(server.fetch), _same, concurrency=3, page_size=37):
            seen.append(page)

    with pytest.raises(RuntimeError, match="page 5 broke"):
        asyncio.run(go())
    assert [x for p in seen for x in p] == list(range(4 * 37))


def test_followed_pages_stop_at_no_next_a_repeat_or_an_empty_page() -> None:
    links = {"a": ([1, 2], "b"), "b": ([3], "c"), "c": ([4], "b"), "d": ([], "e"), "e": ([5], None)}
    asked: list[str] = []

    async def fetch(cursor: str) -> tuple[list[int], str | None]:
        asked.append(cursor)
        return links[cursor]

    async def go(first: str) -> list[list[int]]:
        return [p async for p in followed_pages(fetch, first)]

    assert asyncio.run(go("a")) == [[1, 2], [3], [4]] and asked == ["a", "b", "c"]
    asked.clear()
    assert asyncio.run(go("d")) == [] and asked == ["d"]
    assert asyncio.run(go("e")) == [[5]]
