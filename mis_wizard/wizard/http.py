"""The one HTTP client every connector uses.

School networks often inspect TLS with their own root certificate, so trust comes from the
operating system's store (truststore). The system proxy is honoured, each phase has its own
timeout, the User-Agent names the app, plain HTTP is refused except to loopback unless the
profile allows it, and transient failures are retried here, once for all vendors, honouring
Retry-After within a bounded count and time.
"""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import functools
import ipaddress
import ssl
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import httpx

from mis_wizard import APP_NAME, __version__
from mis_wizard.vendors.errors import RETRYABLE_STATUS

USER_AGENT = f"{APP_NAME.replace(' ', '')}/{__version__} (+school onboarding)"
TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=30.0, pool=30.0)
MAX_RETRIES = 4
MAX_RETRY_WAIT = 30.0


class PlainHttpRefused(httpx.UnsupportedProtocol):
    """Raised for http:// to a non-loopback host when the profile does not allow it."""


@functools.lru_cache(maxsize=256)
def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def retry_after_seconds(value: str | None, default: float) -> float:
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else default


class GuardedTransport(httpx.AsyncBaseTransport):
    """Refuses plain HTTP off loopback and retries transient failures."""

    def __init__(self, inner: httpx.AsyncBaseTransport, allow_plain_http: bool, retries: int = MAX_RETRIES,
                 backoff: float = 0.5) -> None:
        self.inner = inner
        self.allow_plain_http = allow_plain_http
        self.retries = retries
        self.backoff = backoff

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "http" and not self.allow_plain_http and not is_loopback(request.url.host):
            raise PlainHttpRefused(
                f"Refusing plain http:// to {request.url.host}: use https:// so keys are not sent in the clear.",
                request=request)
        deadline = time.monotonic() + MAX_RETRY_WAIT
        attempt = 0
        while True:
            started = time.perf_counter()
            try:
                response = await self.inner.handle_async_request(request)
                # Read the body here so a connection cut mid-body is retried like any other. The
                # response goes on read and closed, so the client keeps its content rather than
                # reading it again, and its elapsed time is set here as the client would at close.
                await response.aread()
                response.elapsed = datetime.timedelta(seconds=time.perf_counter() - started)
            except (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError,
                    httpx.ReadTimeout) as exc:
                if attempt >= self.retries or time.monotonic() > deadline or isinstance(exc, httpx.ConnectError) \
                        and attempt >= 1:
                    raise
                wait = self.backoff * 2**attempt
            else:
                if response.status_code not in RETRYABLE_STATUS or attempt >= self.retries:
                    return response
                wait = retry_after_seconds(response.headers.get("Retry-After"), self.backoff * 2**attempt)
                if time.monotonic() + wait > deadline:
                    return response
                await response.aclose()
            attempt += 1
            await asyncio.sleep(wait)

    async def aclose(self) -> None:
        await self.inner.aclose()


def ssl_context(extra_ca: Path | None = None) -> ssl.SSLContext:
    """The OS trust store, plus a CA file the sandbox or a support engineer names."""
    try:
        import truststore

        ctx: ssl.SSLContext = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    except Exception:  # truststore cannot load on this platform: fall back to certifi-less default
        ctx = ssl.create_default_context()
    if extra_ca is not None:
        ctx.load_verify_locations(cafile=str(extra_ca))
    return ctx


class ProxyRouter(httpx.AsyncBaseTransport):
    """Sends each request direct or through the system proxy (environment, or the Windows
    registry via urllib), loopback always direct.

    Each scheme and host is routed once per client: reading the proxy settings (the registry on
    Windows) for every page of a sync would cost more than the request, and a client lives for
    one check, preview or sync."""

    def __init__(self, make: Callable[[str | None], httpx.AsyncBaseTransport]) -> None:
        self._make = make
        self._direct = make(None)
        self._proxied: dict[str, httpx.AsyncBaseTransport] = {}
        self._routes: dict[tuple[str, str], str | None] = {}

    def route(self, url: httpx.URL) -> str | None:
        if is_loopback(url.host):
            return None
        proxy = urllib.request.getproxies().get(url.scheme)
        if not proxy or urllib.request.proxy_bypass(url.host):
            return None
        return proxy

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        where = (request.url.scheme, request.url.host)
        try:
            proxy = self._routes[where]
        except KeyError:
            proxy = self._routes[where] = self.route(request.url)
        if proxy is None:
            return await self._direct.handle_async_request(request)
        if proxy not in self._proxied:
            self._proxied[proxy] = self._make(proxy)
        return await self._proxied[proxy].handle_async_request(request)

    async def aclose(self) -> None:
        for t in (self._direct, *self._proxied.values()):
            await t.aclose()


def build_client(*, allow_plain_http: bool = False, extra_ca: Path | None = None,
                 timeout: httpx.Timeout = TIMEOUT, max_connections: int = 16, retries: int = MAX_RETRIES,
                 backoff: float = 0.5) -> httpx.AsyncClient:
    verify = ssl_context(extra_ca)
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)

    def make(proxy: str | None) -> httpx.AsyncBaseTransport:
        return httpx.AsyncHTTPTransport(verify=verify, limits=limits, proxy=proxy)

    transport = GuardedTransport(ProxyRouter(make), allow_plain_http, retries=retries, backoff=backoff)
    return httpx.AsyncClient(transport=transport, timeout=timeout, headers={"User-Agent": USER_AGENT},
                             follow_redirects=False, trust_env=True)
