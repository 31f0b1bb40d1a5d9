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

The one pager of vendors/: every system that pages uses it, in the mode its system allows.

- Counted (``count``): the total comes from its own request, sent with the first ``speculate``
  pages (PowerSchool's ``/count``).
- Told by page 1 (``last_page``): page 1 goes out alone and its answer names the last page
  (OneRoster's X-Total-Count, Integris' page count); the rest follow as above. When page 1 does
  not say, pages go one at a time until a short one.
- Open-ended (neither): the system never says how many there are (Aeries' record slices), so up to
  ``concurrency`` pages go out ahead of the consumer and the first page shorter than
  ``page_size`` is the last; answers past it are dropped.
- Followed (``followed_pages``): the system hands each page the address of the next (Qmlativ's
  ``Paging.Next``), so nothing can be asked for ahead; pages go one at a time.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Generic, TypeVar

R = TypeVar("R")
T = TypeVar("T")
C = TypeVar("C")


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

    async def wait(self) -> None:
        """Until no slot is busy at the moment this returns (the event may be cleared again between
        being set and the waiting task running on)."""
        while not self.quiet.is_set():
            await self.quiet.wait()


def untraced(fetch: Callable[[int], Awaitable[R]]) -> Callable[[int, Waiting], Awaitable[R]]:
    """A ``fetch`` for ordered_pages from one that does not trace its request: its slot counts as
    waiting on the network throughout, so reading pages never waits for it."""

    async def traced(page: int, waiting: Waiting) -> R:
        waiting(True)
        return await fetch(page)

    return traced


class _Pager(Generic[R, T]):
    """What ordered_pages' workers and its consumer share: the answers by page, the next page to ask
    for, the last page read and the last page (0 while unknown)."""

    def __init__(self, fetch: Callable[[int, Waiting], Awaitable[R]], *, concurrency: int, speculate: int,
                 page_size: int | None, open_ended: bool) -> None:
        self.fetch = fetch
        self.concurrency, self.speculate, self.page_size = concurrency, speculate, page_size
        self.loop = asyncio.get_running_loop()
        self.results: dict[int, asyncio.Future[R]] = {}
        self.sized, self.moved = asyncio.Event(), asyncio.Event()
        self.next_page, self.yielded, self.last = 1, 0, 0
        self.window = concurrency if open_ended else 0  # while the last page is unknown: pages asked past the one read
        self.traffic = _Traffic()
        if open_ended:
            self.sized.set()

    def slot(self, page: int) -> asyncio.Future[R]:
        return self.results.setdefault(page, self.loop.create_future())

    async def worker(self) -> None:
        waiting = self.traffic.slot()
        try:
            while True:
                if not self.sized.is_set() and self.next_page > self.speculate:
                    waiting(True)
                    await self.sized.wait()
                    continue
                if self.last and self.next_page > self.last:
                    return
                ahead = self.window if not self.last and self.window else 2 * self.concurrency
                if self.next_page - self.yielded > ahead:
                    waiting(True)  # parked until the consumer moves on, which it must be free to do
                    self.moved.clear()
                    await self.moved.wait()
                    continue
                page, self.next_page = self.next_page, self.next_page + 1
                future = self.slot(page)
                waiting(False)
                try:
                    future.set_result(await self.fetch(page, waiting))
                except Exception as exc:  # handed to the consumer, which raises it when it reaches this page
                    future.set_exception(exc)
                    return
        finally:
            waiting(True)

    def short(self, rows: list[T]) -> bool:
        return not self.last and self.window > 0 and len(rows) < (self.page_size or 1)

    def size(self, total: int | None, raw: R, first: list[T], last_page: Callable[[R], int | None] | None) -> None:
        """The last page, from the count, or from what page 1 says, or from page 1 being short."""
        if total is not None:
            self.last = max(1, math.ceil(total / (self.page_size or len(first) or 1)))
        elif last_page is not None:
            told = last_page(raw)
            if told is None:
                self.window = 1  # the server did not say how many: one page at a time until a short one
            else:
                self.last = max(1, told)
        if self.short(first):
            self.last = 1

    async def release(self) -> None:
        """Page 1 is read: the workers waiting on the size ask for the pages after it."""
        if self.window:
            self.yielded = 1
            self.moved.set()
        self.sized.set()
        await asyncio.sleep(0)  # the parked workers send their next requests before page 1 is read on
        await self.traffic.wait()

    async def read(self, page: int, finish: Callable[[int, R], Awaitable[list[T]]]) -> list[T]:
        """Page ``page`` (after 1) once its answer is in and no slot is busy; a short one is the last
        while the last is unknown."""
        raw = await self.slot(page)
        await self.traffic.wait()
        del self.results[page]
        if self.window:
            rows = await finish(page, raw)
            if self.short(rows):
                self.last = page
            self.yielded = page
            self.moved.set()
            return rows
        self.yielded = page
        self.moved.set()
        return await finish(page, raw)

    async def close(self, tasks: list[asyncio.Future[Any]], complete: bool) -> None:
        if not complete:
            # A request cancelled mid-handshake can leave a half-open connection behind; finished
            # streams therefore let speculative requests past the end run out instead.
            for task in tasks:
                task.cancel()
        self.moved.set()  # parked workers see the end and return
        await asyncio.gather(*tasks, return_exceptions=True)
        for future in self.results.values():
            if future.done() and not future.cancelled():
                future.exception()  # pages fetched past the end or past a failure are dropped quietly


async def ordered_pages(fetch: Callable[[int, Waiting], Awaitable[R]], finish: Callable[[int, R], Awaitable[list[T]]],
                        count: Callable[[], Awaitable[int]] | None = None, *, concurrency: int, speculate: int = 1,
                        page_size: int | None = None, last_page: Callable[[R], int | None] | None = None
                        ) -> AsyncIterator[list[T]]:
    """Pages 1..last of a collection in order, each ``finish(page, fetch(page, waiting))``.

    ``last`` comes from ``count`` and the page size (asked for, or the length of page 1 when the
    server's default applies), or from ``last_page(answer of page 1)``; with neither, or when
    ``last_page`` says None, the first page shorter than ``page_size`` is the last (see the module
    docstring for the modes). ``fetch`` tells ``waiting`` when its request is out and when its answer
    comes in (``untraced`` wraps one that does not)."""
    concurrency = max(1, concurrency)
    speculate = max(1, min(speculate, concurrency))
    open_ended = count is None and last_page is None
    if count is None and page_size is None and last_page is None:
        raise ValueError("an open-ended pager needs the page size to know the last page")
    pager: _Pager[R, T] = _Pager(fetch, concurrency=concurrency, speculate=speculate, page_size=page_size,
                                 open_ended=open_ended)
    counting = asyncio.ensure_future(count()) if count is not None else None
    workers = [asyncio.ensure_future(pager.worker()) for _ in range(concurrency)]
    tasks: list[asyncio.Future[Any]] = [t for t in (counting, *workers) if t is not None]
    complete = False
    try:
        total = await counting if counting is not None else None
        raw = await pager.slot(1)
        first = await finish(1, raw)
        pager.size(total, raw, first, last_page)
        await pager.release()
        yield first
        page = 2
        while not pager.last or page <= pager.last:
            yield await pager.read(page, finish)
            page += 1
        complete = True
    finally:
        await pager.close(tasks, complete)


async def followed_pages(fetch: Callable[[C], Awaitable[tuple[list[T], C | None]]], first: C
                         ) -> AsyncIterator[list[T]]:
    """Pages one at a time, each answer naming the next (``fetch(cursor) -> (rows, next cursor)``),
    until there is no next, the next was already read (a server looping), or a page is empty."""
    cursor: C | None = first
    seen: list[C] = []
    while cursor is not None and cursor not in seen:
        seen.append(cursor)
        rows, cursor = await fetch(cursor)
        if not rows:
            return
        yield rows
