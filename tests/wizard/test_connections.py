"""Direct connections (wizard.connections) against real loopback sockets: what httpcore's pool did
for the client, and what a misbehaving server does to it, ends the same way here."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from mis_wizard.vendors import errors
from mis_wizard.vendors.sandbox.kit import Sandbox
from mis_wizard.wizard.connections import StreamTransport
from mis_wizard.wizard.http import build_client, ssl_context
from tests.helpers.echo import Echo
from tests.helpers.loopback_server import LoopbackServer

Answer = Callable[[socket.socket, bytes], bool]
"""Answers one request head on a connection; False closes the connection."""


def ok(body: bytes = b'{"ok":true}', extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n%s" % (
        len(body), extra, body)


class Scripted(LoopbackServer):
    """Answers every request with ``answer``; counts connections and keeps each request head."""

    def __init__(self, answer: Answer) -> None:
        super().__init__()
        self.answer = answer
        self.connections = 0
        self.heads: list[bytes] = []
        self.lock = threading.Lock()

    def _serve(self, conn: socket.socket) -> None:
        with self.lock:
            self.connections += 1
        conn.settimeout(5)
        with conn:
            while True:
                try:
                    head = self.read_head(conn)
                except OSError:
                    return
                if not head:
                    return
                self.heads.append(head)
                if not self.answer(conn, head):
                    return


def gets(url: str, n: int = 1, *, retries: int = 0, **kw) -> list[httpx.Response]:
    async def go() -> list[httpx.Response]:
        async with build_client(retries=retries, backoff=0.01, **kw) as client:
            return [await client.get(url) for _ in range(n)]

    return asyncio.run(go())


def test_one_connection_carries_many_requests() -> None:
    with Scripted(lambda conn, _head: conn.sendall(ok()) is None) as server:
        answers = gets(server.url("/ws/v1/x?page=1"), 5)
    assert [r.json() for r in answers] == [{"ok": True}] * 5
    assert server.connections == 1
    assert server.heads[0].startswith(b"GET /ws/v1/x?page=1 HTTP/1.1\r\n")
    assert b"host: 127.0.0.1:" in server.heads[0].lower()


def test_a_server_that_closes_after_each_answer_gets_a_fresh_connection_each_time() -> None:
    def close_after(conn: socket.socket, _head: bytes) -> bool:
        conn.sendall(ok(extra=b"Connection: close\r\n"))
        return False

    with Scripted(close_after) as server:
        assert [r.status_code for r in gets(server.url("/x"), 3)] == [200, 200, 200]
    assert server.connections == 3


def test_chunked_bodies_and_early_hints_are_read_as_one_answer() -> None:
    def chunked(conn: socket.socket, _head: bytes) -> bool:
        conn.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                     b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n")
        return True

    with Scripted(chunked) as server:
        assert [r.json() for r in gets(server.url("/x"), 2)] == [{"a": 1}, {"a": 1}]
    assert server.connections == 1


def test_a_post_sends_its_body_with_its_length() -> None:
    bodies: list[bytes] = []

    def echo(conn: socket.socket, head: bytes) -> bool:
        length = int(next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
                     .split(b":")[1])
        body = head.split(b"\r\n\r\n", 1)[1]
        while len(body) < length:
            body += conn.recv(4096)
        bodies.append(body)
        conn.sendall(ok(body))
        return True

    async def go(url: str) -> httpx.Response:
        async with build_client(retries=0) as client:
            return await client.post(url, json={"grant": "client_credentials"})

    with Scripted(echo) as server:
        assert asyncio.run(go(server.url("/oauth"))).json() == {"grant": "client_credentials"}
    assert bodies == [b'{"grant":"client_credentials"}']


def test_a_body_cut_off_part_way_is_a_dropped_connection() -> None:
    def cut(conn: socket.socket, _head: bytes) -> bool:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"half\":")
        return False

    with Scripted(cut) as server, pytest.raises(httpx.RemoteProtocolError) as caught:
        gets(server.url("/x"))
    assert errors.reach_failure(caught.value, "powerschool").suffix == "connection_dropped"


def test_a_connection_closed_without_an_answer_is_retried_on_a_new_one() -> None:
    def first_silent(conn: socket.socket, _head: bytes) -> bool:
        if server.connections == 1:
            return False
        conn.sendall(ok())
        return True

    with Scripted(first_silent) as server:
        assert gets(server.url("/x"), retries=2)[0].json() == {"ok": True}
    assert server.connections == 2


def test_a_server_that_stops_answering_is_a_read_timeout() -> None:
    with Scripted(lambda _conn, _head: time.sleep(2) or False) as server, pytest.raises(httpx.ReadTimeout):
        gets(server.url("/x"), timeout=httpx.Timeout(5, read=0.3))


def test_nothing_listening_is_unreachable() -> None:
    port = socket.create_server(("127.0.0.1", 0))
    address = port.getsockname()
    port.close()
    with pytest.raises(httpx.ConnectError) as caught:
        gets(f"http://127.0.0.1:{address[1]}/x")
    assert errors.reach_failure(caught.value, "powerschool").suffix == "unreachable"


def test_a_server_name_that_does_not_resolve_says_so() -> None:
    with pytest.raises(httpx.ConnectError) as caught:
        gets("https://no-such-host.invalid/x")
    assert errors.classify_exception(caught.value).message == "The server name could not be found."


def test_https_is_verified_against_the_trusted_certificates(tmp_path: Path) -> None:
    with Sandbox(tls_dir=tmp_path) as box:
        base = box.add(Echo()).base_url
        assert [r.json()["path"] for r in gets(base + "/x", 2, extra_ca=box.cert_path)] == ["/x"] * 2
        with pytest.raises(httpx.ConnectError) as caught:
            gets(base + "/x")
    assert errors.reach_failure(caught.value, "powerschool").suffix == "tls_untrusted"


def test_requests_past_the_pool_size_wait_for_a_place_and_give_up_at_the_pool_timeout() -> None:
    release = threading.Event()

    def slow(conn: socket.socket, _head: bytes) -> bool:
        release.wait(5)
        conn.sendall(ok())
        return True

    async def go(url: str) -> list[int]:
        transport = StreamTransport(ssl_context(), max_connections=2)
        async with httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(5, pool=0.2)) as client:
            first = [asyncio.ensure_future(client.get(url)) for _ in range(2)]
            await asyncio.sleep(0.1)
            with pytest.raises(httpx.PoolTimeout):
                await client.get(url)
            release.set()
            return [r.status_code for r in await asyncio.gather(*first)]

    with Scripted(slow) as server:
        assert asyncio.run(go(server.url("/x"))) == [200, 200]
    assert server.connections == 2


def test_an_answer_left_unread_is_not_reused_and_frees_its_place() -> None:
    big = b"x" * 300_000

    async def go(url: str) -> int:
        transport = StreamTransport(ssl_context(), max_connections=1)
        async with httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(5, pool=1)) as client:
            async with client.stream("GET", url) as response:
                await anext(response.aiter_bytes())  # one piece, then left
            return (await client.get(url)).status_code

    with Scripted(lambda conn, _head: conn.sendall(ok(big)) is None) as server:
        assert asyncio.run(go(server.url("/x"))) == 200
    assert server.connections == 2


def test_the_trace_says_when_the_request_is_out_and_when_the_answer_comes() -> None:
    events: list[str] = []

    async def trace(event: str, _info: dict) -> None:
        events.append(event)

    async def go(url: str) -> None:
        async with build_client(retries=0) as client:
            await client.get(url, extensions={"trace": trace})

    with Scripted(lambda conn, _head: conn.sendall(ok()) is None) as server:
        asyncio.run(go(server.url("/x")))
    assert events == ["http11.send_request_body.complete", "http11.receive_response_headers.complete"]
