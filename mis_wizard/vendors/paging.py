"""Fetching a paged collection with a fixed number of requests in flight, yielding pages in order.

Each of ``concurrency`` workers takes the next page number the moment its last request
finishes, so the connection slots never wait for the slowest page of a "round"; a sync of
5,000 students is then bound by latency, not by how requests happen to line up. The count
and the first ``speculate`` pages go out together, since PowerSchool pages at a default size
that is only learned from the first page. Workers only send and receive; reading a page
(``finish``) happens as the consumer reaches it, and only while every slot is waiting on the
network: the answers of one window arrive together, and a page parsed while another slot's
answer is coming in would hold back that slot's next request (in the sync benchmark, 25 ms of
330 for 5,000 students). ``fetch`` says when its request is out and when its answer comes in
(httpx's trace extension tells it). Workers stay at most two windows ahead of the consumer, so
a slow sink does not pile pages up in memory.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

R = TypeVar("R")
T = TypeVar("T")


Waiting = Callable[[bool], None]
"""Told True when a request is on the wire and its slot only waits for the answer, False when the
answer is coming in (the slot is busy again until its next request is out)."""


class _Traffic:
    """How many slots are busy between an answer and their next request; the consumer parses
    only when none is, so that parsing a page never holds back the next request of a slot."""

    def __init__(self) -> None:
        self.busy = 0
        self.quiet = asyncio.Event()
        self.quiet.set()

    def slot(self) -> Waiting:
        waiting = True

        def tell(now_waiting: bool) -> None:
            nonlocal waiting
            if now_waiting == waiting:
                return
            waiting = now_waiting
            self.busy += -1 if waiting else 1
            if self.busy:
                self.quiet.clear()
            else:
                self.quiet.set()

        return tell


async def ordered_pages(fetch: Callable[[int, Waiting], Awaitable[R]], finish: Callable[[int, R], Awaitable[list[T]]],
                        count: Callable[[], Awaitable[int]], *, concurrency: int, speculate: int = 1,
                        page_size: int | None = None) -> AsyncIterator[list[T]]:
    """Pages 1..last of a collection in order, each ``finish(page, fetch(page, waiting))``; ``last``
    from the count and the page size (asked for, or the length of page 1 when the server's default
    applies). ``fetch`` tells ``waiting`` when its request is out and when its answer comes in."""
    concurrency = max(1, concurrency)
    speculate = max(1, min(speculate, concurrency))
    loop = asyncio.get_running_loop()
    results: dict[int, asyncio.Future[R]] = {}
    sized, moved = asyncio.Event(), asyncio.Event()
    next_page, yielded, last = 1, 0, 0
    traffic = _Traffic()

    def slot(page: int) -> asyncio.Future[R]:
        return results.setdefault(page, loop.create_future())

    async def worker() -> None:
        nonlocal next_page
        waiting = traffic.slot()
        try:
            while True:
                if not sized.is_set() and next_page > speculate:
                    waiting(True)
                    await sized.wait()
                    continue
                if sized.is_set() and next_page > last:
                    return
                if next_page - yielded > 2 * concurrency:
                    waiting(True)  # parked until the consumer moves on, which it must be free to do
                    moved.clear()
                    await moved.wait()
                    continue
                page, next_page = next_page, next_page + 1
                future = slot(page)
                waiting(False)
                try:
                    future.set_result(await fetch(page, waiting))
                except Exception as exc:  # handed to the consumer, which raises it when it reaches this page
                    future.set_exception(exc)
                    return
        finally:
            waiting(True)

    counting = asyncio.ensure_future(count())
    workers = [asyncio.ensure_future(worker()) for _ in range(concurrency)]
    complete = False
    try:
        total = await counting
        first = await finish(1, await slot(1))
        last = max(1, math.ceil(total / (page_size or len(first) or 1)))
        sized.set()
        await asyncio.sleep(0)  # the parked workers send their next requests before page 1 is read on
        await traffic.quiet.wait()
        yield first
        for page in range(2, last + 1):
            raw = await slot(page)
            await traffic.quiet.wait()
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
