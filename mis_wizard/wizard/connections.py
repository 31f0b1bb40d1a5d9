"""Direct HTTP/1.1 connections for the client: asyncio's streams, framed by h11.

httpx's default transport (httpcore over anyio) spends about 1 ms of CPU on each exchange on this
machine, against 0.4 ms for the same exchange on asyncio's own streams with h11 (httpcore's
parser) doing the framing. A sync keeps several page requests in flight on one thread, so that
CPU sits between one answer and the next request: benchmarks/sync.py. Requests that go direct
come here; a proxy keeps httpx's own transport (``wizard.proxy``).

What httpcore's pool gives the client, this gives too: keep-alive connections per origin, at most
``max_connections`` requests at once (a request waits for a place up to the pool timeout), idle
connections dropped after ``keepalive_expiry``, httpx's per-phase timeouts (each read and write
has the read or write timeout), httpx's trace extension, and httpx's exceptions, so retries and
the admin's messages (``vendors.errors``) are the same whichever transport carried a request.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import h11
import httpx

READ_SIZE = 256 * 1024
MAX_HEAD = 100 * 1024
"""The longest status line and headers a server may send (httpcore's limit)."""
PORTS = {"http": 80, "https": 443}
Origin = tuple[str, str, int]
Trace = Callable[[str, dict[str, Any]], Awaitable[None]]


@contextlib.contextmanager
def _mapped(timeout: type[httpx.TimeoutException], broken: type[httpx.TransportError]) -> Iterator[None]:
    """asyncio's and h11's failures as the httpx exceptions the rest of the client knows."""
    try:
        yield
    except TimeoutError:
        raise timeout("the server did not answer in time") from None
    except h11.RemoteProtocolError as exc:
        raise httpx.RemoteProtocolError(str(exc)) from exc
    except h11.LocalProtocolError as exc:
        raise httpx.LocalProtocolError(str(exc)) from exc
    except OSError as exc:  # ssl.SSLError is one: a certificate refused shows as a connect error
        raise broken(str(exc) or type(exc).__name__) from exc


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)
        self.idle_since = time.monotonic()

    def reusable(self, expiry: float) -> bool:
        """Idle and still open: a server that closed it while idle has sent its end already."""
        return (self.h11.our_state is h11.IDLE and not self.reader.at_eof() and not self.writer.is_closing()
                and time.monotonic() - self.idle_since < expiry)

    def close(self) -> None:
        self.writer.close()

    async def send(self, request: httpx.Request, timeout: float | None) -> None:
        head = h11.Request(method=request.method, target=request.url.raw_path, headers=request.headers.raw)
        self.writer.write(self.h11.send(head) or b"")
        assert isinstance(request.stream, httpx.AsyncByteStream)
        async for chunk in request.stream:
            self.writer.write(self.h11.send(h11.Data(data=chunk)) or b"")
        self.writer.write(self.h11.send(h11.EndOfMessage()) or b"")
        async with asyncio.timeout(timeout):
            await self.writer.drain()

    async def event(self, timeout: float | None) -> Any:
        """The next h11 event of the answer, reading from the socket as it needs."""
        while True:
            event = self.h11.next_event()
            if event is not h11.NEED_DATA:
                return event
            async with asyncio.timeout(timeout):
                data = await self.reader.read(READ_SIZE)
            self.h11.receive_data(data)

    async def head(self, timeout: float | None) -> h11.Response:
        while True:
            event = await self.event(timeout)
            if isinstance(event, h11.Response):
                return event
            if not isinstance(event, h11.InformationalResponse):
                raise httpx.RemoteProtocolError("the server closed the connection without answering")


class _Body(httpx.AsyncByteStream):
    """The answer's body as it arrives; the connection goes back to the pool once it is all read."""

    def __init__(self, pool: StreamTransport, origin: Origin, connection: _Connection, timeout: float | None) -> None:
        self.pool, self.origin, self.connection, self.timeout = pool, origin, connection, timeout
        self.done = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            with _mapped(httpx.ReadTimeout, httpx.ReadError):
                while not self.done:
                    event = await self.connection.event(self.timeout)
                    if isinstance(event, h11.Data):
                        yield bytes(event.data)
                    elif isinstance(event, h11.EndOfMessage):
                        self.finish(reuse=True)
                    else:
                        raise httpx.RemoteProtocolError("the server closed the connection part-way through its answer")
        except BaseException:
            self.finish(reuse=False)
            raise

    def finish(self, *, reuse: bool) -> None:
        if self.done:
            return
        self.done = True
        self.pool.give_back(self.origin, self.connection, reuse)

    async def aclose(self) -> None:
        self.finish(reuse=False)  # not read to its end: the rest of the answer would be in the way


class StreamTransport(httpx.AsyncBaseTransport):
    """Requests straight to the server, over TLS with ``verify`` for https://."""

    def __init__(self, verify: ssl.SSLContext, max_connections: int = 16, keepalive_expiry: float = 5.0) -> None:
        self.verify = verify
        self.max_connections = max_connections
        self.keepalive_expiry = keepalive_expiry
        self._idle: dict[Origin, list[_Connection]] = {}
        self._places: asyncio.Semaphore | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in PORTS:
            raise httpx.UnsupportedProtocol(f"the address must start with http:// or https://, not {url.scheme}://")
        origin = (url.scheme, url.host, url.port or PORTS[url.scheme])
        timeouts = request.extensions.get("timeout", {})
        trace: Trace | None = request.extensions.get("trace")
        await self._place(timeouts.get("pool"))
        connection: _Connection | None = None
        try:
            connection = self._reuse(origin) or await self._connect(origin, timeouts.get("connect"))
            with _mapped(httpx.WriteTimeout, httpx.WriteError):
                await connection.send(request, timeouts.get("write"))
            if trace:
                await trace("http11.send_request_body.complete", {"request": request})
            with _mapped(httpx.ReadTimeout, httpx.ReadError):
                head = await connection.head(timeouts.get("read"))
            if trace:
                await trace("http11.receive_response_headers.complete", {"request": request})
        except BaseException:
            self.give_back(origin, connection, reuse=False)
            raise
        return httpx.Response(head.status_code, headers=head.headers.raw_items(),
                              stream=_Body(self, origin, connection, timeouts.get("read")),
                              extensions={"http_version": b"HTTP/1.1", "reason_phrase": head.reason})

    async def _place(self, timeout: float | None) -> None:
        if self._places is None:
            self._places = asyncio.Semaphore(self.max_connections)
        try:
            async with asyncio.timeout(timeout):
                await self._places.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout("no connection became free in time") from None

    def _reuse(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin, [])
        while idle:
            connection = idle.pop()
            if connection.reusable(self.keepalive_expiry):
                return connection
            connection.close()
        return None

    async def _connect(self, origin: Origin, timeout: float | None) -> _Connection:
        scheme, host, port = origin
        tls = self.verify if scheme == "https" else None
        with _mapped(httpx.ConnectTimeout, httpx.ConnectError):
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=tls, server_hostname=host if tls else None, limit=READ_SIZE)
        return _Connection(reader, writer)

    def give_back(self, origin: Origin, connection: _Connection | None, reuse: bool) -> None:
        """The request's place in the pool is free; its connection is kept for the next if it can be."""
        assert self._places is not None
        self._places.release()
        if connection is None:
            return
        state = connection.h11
        kept = sum(map(len, self._idle.values()))
        if reuse and state.our_state is h11.DONE and state.their_state is h11.DONE and kept < self.max_connections:
            state.start_next_cycle()
            connection.idle_since = time.monotonic()
            self._idle.setdefault(origin, []).append(connection)
        else:
            connection.close()

    async def aclose(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()
