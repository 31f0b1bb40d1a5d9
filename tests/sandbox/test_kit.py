"""The sandbox kit over real sockets: each fault as a client sees it, routes, and a log without secrets."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest

from mis_wizard.vendors.sandbox.kit import Emulator, Fault, FaultKind, Request, Response, Sandbox, json_response

BODY = {"records": [{"id": i, "name": f"Student {i}"} for i in range(200)]}


class Echo(Emulator):
    system = "echo"

    def handle(self, request: Request) -> Response:
        return json_response(BODY)

    def credentials(self, base_url: str) -> dict[str, str]:
        return {"base_url": base_url}


def get(url: str) -> httpx.Response:
    with httpx.Client(timeout=10) as client:
        return client.get(url)


@pytest.fixture
def echo(sandbox) -> str:
    return sandbox.add(Echo()).base_url


def test_latency_is_added(sandbox, echo: str) -> None:
    sandbox.inject("echo", Fault(FaultKind.LATENCY, latency_ms=300))
    started = time.perf_counter()
    assert get(echo + "/x").json() == BODY
    assert time.perf_counter() - started >= 0.3


class Busy(Echo):
    """An emulator whose answer takes 40 ms of this process's CPU (and GIL) to make."""

    system = "busy"

    def handle(self, request: Request) -> Response:
        until = time.thread_time() + 0.04  # this thread's own CPU time: the four answers take 160 ms
        while time.thread_time() < until:
            pass
        return json_response(BODY)


def test_the_emulators_own_work_is_inside_the_latency(sandbox) -> None:
    """Four requests at once, each answered 300 ms after it came in (the kit's log times each from
    its arrival to its answer): the 160 ms of work the four take between them is done while they
    wait, not queued after it, which would answer the last at 460 ms."""
    base = sandbox.add(Busy()).base_url
    sandbox.inject("busy", Fault(FaultKind.LATENCY, latency_ms=300))
    before = len(sandbox.log)

    def one(client: httpx.Client) -> None:
        assert client.get(base + "/x").json() == BODY

    with httpx.Client(timeout=10) as client:
        threads = [threading.Thread(target=one, args=(client,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    answered = [e.elapsed_ms for e in sandbox.log[before:] if e.system == "busy"]
    assert len(answered) == 4
    assert all(300 <= ms < 360 for ms in answered), answered


def test_slow_trickle_delivers_the_whole_body_slowly(sandbox, echo: str) -> None:
    sandbox.inject("echo", Fault(FaultKind.TRICKLE, latency_ms=400))
    started = time.perf_counter()
    assert get(echo + "/x").json() == BODY
    assert time.perf_counter() - started >= 0.3


def test_malformed_body_is_not_json(sandbox, echo: str) -> None:
    sandbox.inject("echo", Fault(FaultKind.MALFORMED, times=1))
    response = get(echo + "/x")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()
    assert get(echo + "/x").json() == BODY


def test_truncated_body_breaks_the_connection(sandbox, echo: str) -> None:
    sandbox.inject("echo", Fault(FaultKind.TRUNCATE, times=1))
    with pytest.raises(httpx.RemoteProtocolError):
        get(echo + "/x")


def test_dropped_connection(sandbox, echo: str) -> None:
    sandbox.inject("echo", Fault(FaultKind.DROP, times=1))
    with pytest.raises(httpx.RemoteProtocolError):
        get(echo + "/x")
    assert get(echo + "/x").status_code == 200


def test_rate_limit_and_server_error_and_after(sandbox, echo: str) -> None:
    sandbox.inject("echo", Fault(FaultKind.RATE_LIMIT, times=1, after=1, retry_after=7))
    assert get(echo + "/x").status_code == 200
    limited = get(echo + "/x")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "7"
    sandbox.clear_faults()
    sandbox.inject("echo", Fault(FaultKind.SERVER_ERROR, status=503, times=1))
    assert get(echo + "/x").status_code == 503


def test_faults_can_target_one_route(sandbox, echo: str) -> None:
    sandbox.inject("echo", Fault(FaultKind.SERVER_ERROR, route="/students"))
    assert get(echo + "/students/1").status_code == 500
    assert get(echo + "/staff").status_code == 200


def test_request_log_keeps_parameter_names_not_values(sandbox, echo: str) -> None:
    get(echo + "/api?token=SECRET-TOKEN-VALUE&method=getStudents")
    [entry] = sandbox.log
    assert entry.params == ["method", "token"] and entry.status == 200
    assert "SECRET-TOKEN-VALUE" not in repr(sandbox.log)


def test_only_loopback_and_ports_are_freed_on_close(small_school) -> None:
    with pytest.raises(ValueError, match="loopback"):
        Sandbox(host="0.0.0.0")
    box = Sandbox()
    port = int(box.add(Echo()).base_url.rsplit(":", 1)[1])
    box.close()
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
