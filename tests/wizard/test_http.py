"""The one HTTP client: refuses plain HTTP off loopback, retries what is transient, honours Retry-After."""

from __future__ import annotations

import asyncio
import gzip
import json
import time

import httpx
import pytest

from mis_wizard.vendors.sandbox.kit import Emulator, Fault, FaultKind, Request, Response
from mis_wizard.wizard.http import USER_AGENT, PlainHttpRefused, ProxyRouter, build_client, retry_after_seconds
from tests.helpers.echo import Echo


def get(url: str, **kwargs) -> httpx.Response:
    async def go() -> httpx.Response:
        async with build_client(backoff=0.01, **kwargs) as client:
            return await client.get(url)

    return asyncio.run(go())


def test_plain_http_refused_off_loopback() -> None:
    with pytest.raises(PlainHttpRefused, match="https://"):
        get("http://tass.example.edu.au/tassweb/api/")


def test_user_agent_names_the_app(sandbox) -> None:
    base = sandbox.add(Echo()).base_url
    assert get(base + "/x").json()["ua"] == USER_AGENT


def test_429_is_retried_after_the_servers_retry_after(sandbox) -> None:
    base = sandbox.add(Echo()).base_url
    sandbox.inject("echo", Fault(FaultKind.RATE_LIMIT, times=1, retry_after=1))
    started = time.monotonic()
    assert get(base + "/x").status_code == 200
    assert time.monotonic() - started >= 0.9


@pytest.mark.parametrize("kind", [FaultKind.SERVER_ERROR, FaultKind.DROP, FaultKind.TRUNCATE])
def test_transient_faults_are_retried(sandbox, kind: FaultKind) -> None:
    base = sandbox.add(Echo()).base_url
    sandbox.inject("echo", Fault(kind, times=2, status=503))
    assert get(base + "/x").json()["path"] == "/x"
    assert [e.fault for e in sandbox.log][:3] == [kind.value, kind.value, ""]


def test_persistent_500_is_returned_after_bounded_retries(sandbox) -> None:
    base = sandbox.add(Echo()).base_url
    sandbox.inject("echo", Fault(FaultKind.SERVER_ERROR))
    assert get(base + "/x").status_code == 500
    assert len(sandbox.log) == 5


def test_tls_sandbox_is_trusted_only_when_told(tmp_path) -> None:
    from mis_wizard.vendors.sandbox.kit import Sandbox

    with Sandbox(tls_dir=tmp_path) as box:
        base = box.add(Echo()).base_url
        assert base.startswith("https://")
        with pytest.raises(httpx.ConnectError):
            get(base + "/x")
        assert get(base + "/x", extra_ca=box.cert_path).status_code == 200


def test_retry_after_accepts_seconds_and_dates() -> None:
    assert retry_after_seconds("3", 1) == 3
    assert retry_after_seconds("", 1) == 1
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", 1) == 0


class Gzipped(Emulator):
    system = "gzipped"

    def handle(self, request: Request) -> Response:
        body = gzip.compress(json.dumps({"students": list(range(500))}).encode())
        return Response(200, body, headers={"Content-Encoding": "gzip"})

    def credentials(self, base_url: str) -> dict[str, str]:
        return {"base_url": base_url}


def test_a_compressed_answer_is_read_once_decoded_and_timed(sandbox) -> None:
    base = sandbox.add(Gzipped()).base_url
    response = get(base + "/x")
    assert response.json() == {"students": list(range(500))}
    assert response.is_closed and response.elapsed.total_seconds() > 0


class Recorder(httpx.AsyncBaseTransport):
    """Where ProxyRouter sent each request: the direct transport (None) or a proxy's."""

    def __init__(self, proxy: str | None, sent: list[tuple[str | None, str]]) -> None:
        self.proxy, self.sent = proxy, sent

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((self.proxy, request.url.host))
        return httpx.Response(204)


def test_the_system_proxy_is_used_except_for_loopback_and_bypassed_hosts(monkeypatch) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("https_proxy", "http://proxy.school.internal:3128")
    monkeypatch.setenv("no_proxy", "sis.school.internal")
    sent: list[tuple[str | None, str]] = []
    router = ProxyRouter(lambda proxy: Recorder(proxy, sent))

    async def go() -> None:
        for url in ("https://district.powerschool.com/ws/v1/time", "https://sis.school.internal/x",
                    "http://127.0.0.1:8080/x", "https://district.powerschool.com/ws/v1/metadata"):
            await router.handle_async_request(httpx.Request("GET", url))

    asyncio.run(go())
    proxy = "http://proxy.school.internal:3128"
    assert sent == [(proxy, "district.powerschool.com"), (None, "sis.school.internal"), (None, "127.0.0.1"),
                    (proxy, "district.powerschool.com")]


class GzipBomb(Emulator):
    system = "gzipbomb"

    def handle(self, request: Request) -> Response:
        return Response(200, gzip.compress(b"0" * 20_000_000), headers={"Content-Encoding": "gzip"})

    def credentials(self, base_url: str) -> dict[str, str]:
        return {"base_url": base_url}


def test_the_ceiling_counts_what_a_compressed_reply_becomes(sandbox) -> None:
    from mis_wizard.vendors.errors import ReplyTooLarge
    from mis_wizard.wizard.http import reply_limits

    base = sandbox.add(GzipBomb()).base_url
    with pytest.raises(ReplyTooLarge):  # about 20 KB on the wire, 20 MB once unpacked
        get(base + "/x", limits=reply_limits("data=1MB"))
    assert get(base + "/x", limits=reply_limits("data=30MB")).content == b"0" * 20_000_000
