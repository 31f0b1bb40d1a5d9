"""The one HTTP client: refuses plain HTTP off loopback, retries what is transient, honours Retry-After."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from mis_wizard.vendors.sandbox.kit import Emulator, Fault, FaultKind, Request, Response, json_response
from mis_wizard.wizard.http import USER_AGENT, PlainHttpRefused, build_client, retry_after_seconds


class Echo(Emulator):
    system = "echo"

    def handle(self, request: Request) -> Response:
        return json_response({"path": request.path, "ua": request.headers.get("user-agent", "")})

    def credentials(self, base_url: str) -> dict[str, str]:
        return {"base_url": base_url}


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
