"""Fetching a paged collection with a fixed number of requests in flight, yielding pages in order.

Each of ``concurrency`` workers takes the next page number the moment its last request
finishes, so the connection slots never wait for the slowest page of a "round"; a sync of
5,000 students is then bound by latency, not by how requests happen to line up. The count
and the first ``speculate`` pages go out together, since PowerSchool pages at a default size
that is only learned from the first page. Workers only send and receive; reading a page
(``finish``) happens as the consumer reaches it, so the next request of a slot goes out before
the last answer is parsed. Workers stay at most two windows ahead of the consumer, so a slow
sink does not pile pages up in memory.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

R = TypeVar("R")
T = TypeVar("T")


async def ordered_pages(fetch: Callable[[int], Awaitable[R]], finish: Callable[[int, R], Awaitable[list[T]]],
                        count: Callable[[], Awaitable[int]], *, concurrency: int, speculate: int = 1,
                        page_size: int | None = None) -> AsyncIterator[list[T]]:
    """Pages 1..last of a collection in order, each ``finish(page, fetch(page))``; ``last`` from the
    count and the page size (asked for, or the length of page 1 when the server's default applies)."""
    concurrency = max(1, concurrency)
    speculate = max(1, min(speculate, concurrency))
    loop = asyncio.get_running_loop()
    results: dict[int, asyncio.Future[R]] = {}
    sized, moved = asyncio.Event(), asyncio.Event()
    next_page, yielded, last = 1, 0, 0

    def slot(page: int) -> asyncio.Future[R]:
        return results.setdefault(page, loop.create_future())

    async def worker() -> None:
        nonlocal next_page
        while True:
            if not sized.is_set() and next_page > speculate:
                await sized.wait()
                continue
            if sized.is_set() and next_page > last:
                return
            if next_page - yielded > 2 * concurrency:
                moved.clear()
                await moved.wait()
                continue
            page, next_page = next_page, next_page + 1
            future = slot(page)
            try:
                future.set_result(await fetch(page))
            except Exception as exc:  # handed to the consumer, which raises it when it reaches this page
                future.set_exception(exc)
                return

    counting = asyncio.ensure_future(count())
    workers = [asyncio.ensure_future(worker()) for _ in range(concurrency)]
    complete = False
    try:
        total = await counting
        first = await finish(1, await slot(1))
        last = max(1, math.ceil(total / (page_size or len(first) or 1)))
        sized.set()
        yield first
        for page in range(2, last + 1):
            raw = await slot(page)
            del results[page]
            yielded = page
            moved.set()
            yield await finish(page, raw)
        complete = True
    finally:
        if not complete:
            # A request cancelled mid-handshake can leave a half-open connection behind; finished
            # streams therefore let speculative requests past the end run out instead.
            for task in (counting, *workers):
                task.cancel()
        await asyncio.gather(counting, *workers, return_exceptions=True)
        for future in results.values():
            if future.done() and not future.cancelled():
                future.exception()  # pages fetched past the end or past a failure are dropped quietly
