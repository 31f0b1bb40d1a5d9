"""Running several async streams at once: every key's checks together, results as they finish.

One mechanism for all connectors, so cancellation and error handling are right once: when the
consumer stops early, every source is cancelled and awaited; a source that raises ends with
the item ``on_error`` makes of the exception (so one broken key never hides the others), or
the exception propagates when no ``on_error`` is given. ``guarded`` is the same for one source
(a connector's check, which never raises: what broke is its last result).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


async def merged(sources: Iterable[AsyncIterator[T]],
                 on_error: Callable[[int, Exception], T] | None = None) -> AsyncIterator[T]:
    queue: asyncio.Queue[object] = asyncio.Queue()

    async def pump(index: int, source: AsyncIterator[T]) -> None:
        try:
            async for item in source:
                await queue.put(item)
        except Exception as exc:
            await queue.put(on_error(index, exc) if on_error is not None else _Raised(exc))
        finally:
            await queue.put(_DONE)

    tasks = [asyncio.create_task(pump(i, s)) for i, s in enumerate(sources)]
    try:
        remaining = len(tasks)
        while remaining:
            item = await queue.get()
            if item is _DONE:
                remaining -= 1
            elif isinstance(item, _Raised):
                raise item.exc
            else:
                yield item  # type: ignore[misc]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def guarded(source: AsyncIterator[T], on_error: Callable[[Exception], T]) -> AsyncIterator[T]:
    """The items of ``source`` as they come; when it raises, one last item ``on_error`` makes of the exception."""
    try:
        async for item in source:
            yield item
    except Exception as exc:
        yield on_error(exc)


class _Raised:
    def __init__(self, exc: Exception) -> None:
        self.exc = exc
