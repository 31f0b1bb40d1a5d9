"""The one HTTP client every connector uses.

School networks often inspect TLS with their own root certificate, so trust comes from the
operating system's store (truststore). The system proxy is honoured (``wizard.proxy``: PAC, WPAD,
407 logins), each phase has its own timeout, the User-Agent names the app, plain HTTP is refused
except to loopback unless the profile allows it, and transient failures are retried here, once for
all vendors, honouring Retry-After within a bounded count and time.

Every reply is bounded: its body is read here in pieces and reading stops at a ceiling, and the
whole exchange (retries included) has an overall deadline on top of httpx's per-phase timeouts,
both by the kind of reply a request names (``vendors.errors.REPLY_KIND``): a server that streams
forever or trickles a byte a second ends as its own clear failure, not as memory or a hang.
The limits can be changed with ``MIS_WIZARD_REPLY_LIMITS``, e.g. ``data=20MB/120s,small=0.5MB/30s``.
"""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import functools
import ipaddress
import logging
import os
import re
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

from mis_wizard import APP_NAME, __version__
from mis_wizard.vendors.errors import REPLY_KIND, RETRYABLE_STATUS, ReplyTooLarge, ReplyTooSlow
from mis_wizard.wizard import proxy as proxy_choice

USER_AGENT = f"{APP_NAME.replace(' ', '')}/{__version__} (+school onboarding)"
TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=30.0, pool=30.0)
MAX_RETRIES = 4
MAX_RETRY_WAIT = 30.0
LIMITS_ENV = "MIS_WIZARD_REPLY_LIMITS"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplyLimit:
    """How much one reply may hold (bytes, after decompression) and how long it may take in all."""

    max_bytes: int
    seconds: float


DEFAULT_LIMITS: dict[str, ReplyLimit] = {
    "small": ReplyLimit(2_000_000, 60.0),
    "data": ReplyLimit(64_000_000, 300.0),
    "bulk": ReplyLimit(256_000_000, 1200.0),
}
"""Generous: a PowerSchool or OneRoster page is a few MB, a whole school's iSAMS Batch export tens."""
_LIMIT_ITEM = re.compile(r"^\s*(\w+)\s*=\s*(?:(\d+(?:\.\d+)?)\s*MB)?\s*/?\s*(?:(\d+(?:\.\d+)?)\s*s)?\s*$",
                         re.IGNORECASE)


def reply_limits(text: str | None = None) -> dict[str, ReplyLimit]:
    """The defaults, changed by ``text`` (default: the ``MIS_WIZARD_REPLY_LIMITS`` environment
    variable), a comma-separated list of ``kind=<MB>MB/<seconds>s`` where either part may be left out.
    A malformed item is logged and ignored, so a typo cannot stop the app."""
    limits = dict(DEFAULT_LIMITS)
    text = os.environ.get(LIMITS_ENV, "") if text is None else text
    for item in filter(str.strip, text.split(",")):
        match = _LIMIT_ITEM.match(item)
        if not match or match.group(1).lower() not in limits or not (match.group(2) or match.group(3)):
            log.warning("ignoring %s item %r: expected kind=<MB>MB/<seconds>s with kind one of %s", LIMITS_ENV,
                        item, ", ".join(limits))
            continue
        kind, megabytes, seconds = match.group(1).lower(), match.group(2), match.group(3)
        limit = limits[kind]
        if megabytes:
            limit = replace(limit, max_bytes=max(1, int(float(megabytes) * 1_000_000)))
        if seconds:
            limit = replace(limit, seconds=max(0.01, float(seconds)))
        limits[kind] = limit
    return limits


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
                 backoff: float = 0.5, limits: Mapping[str, ReplyLimit] | None = None) -> None:
        self.inner = inner
        self.allow_plain_http = allow_plain_http
        self.retries = retries
        self.backoff = backoff
        self.limits = dict(DEFAULT_LIMITS if limits is None else limits)

    def limit_for(self, request: httpx.Request) -> ReplyLimit:
        kind = request.extensions.get(REPLY_KIND, "data")
        return self.limits.get(kind) or self.limits.get("data") or DEFAULT_LIMITS["data"]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "http" and not self.allow_plain_http and not is_loopback(request.url.host):
            raise PlainHttpRefused(
                f"Refusing plain http:// to {request.url.host}: use https:// so keys are not sent in the clear.",
                request=request)
        limit = self.limit_for(request)
        scope = asyncio.timeout(limit.seconds)
        try:
            async with scope:
                return await self._exchange(request, limit)
        except TimeoutError:
            if not scope.expired():
                raise
            raise ReplyTooSlow(limit.seconds, request=request) from None

    async def _exchange(self, request: httpx.Request, limit: ReplyLimit) -> httpx.Response:
        deadline = time.monotonic() + MAX_RETRY_WAIT
        attempt = 0
        while True:
            started = time.perf_counter()
            try:
                response = await self.inner.handle_async_request(request)
                # Read the body here so a connection cut mid-body is retried like any other. The
                # response goes on read and closed, so the client keeps its content rather than
                # reading it again, and its elapsed time is set here as the client would at close.
                try:
                    await read_bounded(response, limit.max_bytes, request)
                except BaseException:
                    await response.aclose()
                    raise
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


async def read_bounded(response: httpx.Response, max_bytes: int, request: httpx.Request) -> bytes:
    """The body, decompressed, read piece by piece and given up on as soon as it passes ``max_bytes``
    (a declared Content-Length over it is refused before reading). It is kept as the response's content."""
    declared = response.headers.get("Content-Length", "").strip()
    if declared.isdigit() and int(declared) > max_bytes:
        raise ReplyTooLarge(max_bytes, request=request)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise ReplyTooLarge(max_bytes, request=request)
        chunks.append(chunk)
    content = b"".join(chunks)
    # What Response.aread() keeps; set here because the body was read through the bounded loop above.
    response._content = content
    return content


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
    """Sends each request direct or through the proxy that ``wizard.proxy`` chooses (the environment,
    the saved setting, or Windows' own: WPAD, PAC file, static proxy), loopback always direct.

    Each scheme and host is routed once per client: reading the proxy settings (the registry on
    Windows, a PAC file) for every page of a sync would cost more than the request, and a client
    lives for one check, preview or sync."""

    def __init__(self, make: Callable[[str | None], httpx.AsyncBaseTransport],
                 resolver: proxy_choice.ProxyResolver | None = None) -> None:
        self._make = make
        self.resolver = resolver or proxy_choice.ProxyResolver()
        self._direct = make(None)
        self._proxied: dict[str, httpx.AsyncBaseTransport] = {}
        self._routes: dict[tuple[str, str], str | None] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        where = (request.url.scheme, request.url.host)
        try:
            proxy = self._routes[where]
        except KeyError:
            proxy = self._routes[where] = await self.resolver.proxy_for(request.url)
        if proxy is None:
            return await self._direct.handle_async_request(request)
        if proxy not in self._proxied:
            self._proxied[proxy] = self._make(proxy)
        return await self._proxied[proxy].handle_async_request(request)

    async def aclose(self) -> None:
        for t in (self._direct, *self._proxied.values()):
            await t.aclose()
        await self.resolver.aclose()


Recorder = Callable[[httpx.Request, httpx.Response], None]
"""Called with each finished exchange (the body read, after retries); see wizard/trace/."""


class RecordingTransport(httpx.AsyncBaseTransport):
    """Hands each finished exchange to a recorder: how ``mis-wizard capture`` sees every request of
    every vendor in one place. A request that got no answer goes to the recorder's ``failed(request,
    exc)`` when it has one. The recorder keeps what it is given in memory; nothing is written here."""

    def __init__(self, inner: httpx.AsyncBaseTransport, recorder: Recorder) -> None:
        self.inner = inner
        self.recorder = recorder

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await self.inner.handle_async_request(request)
        except Exception as exc:
            failed = getattr(self.recorder, "failed", None)
            if callable(failed):
                failed(request, exc)
            raise
        self.recorder(request, response)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def build_client(*, allow_plain_http: bool = False, extra_ca: Path | None = None,
                 timeout: httpx.Timeout = TIMEOUT, max_connections: int = 16, retries: int = MAX_RETRIES,
                 backoff: float = 0.5, limits: Mapping[str, ReplyLimit] | None = None,
                 recorder: Recorder | None = None) -> httpx.AsyncClient:
    """The client; ``limits`` by reply kind default to ``reply_limits()`` (the defaults and the environment).
    ``recorder`` (for a trace) is given every exchange as it finishes."""
    verify = ssl_context(extra_ca)
    pool = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)

    plain = proxy_choice.transport_maker(verify, pool)
    resolver = proxy_choice.ProxyResolver()

    def make(proxy: str | None) -> httpx.AsyncBaseTransport:
        return plain() if proxy is None else proxy_choice.ProxyTransport(proxy, resolver.choice, plain,
                                                                         resolver.logins)

    transport: httpx.AsyncBaseTransport = GuardedTransport(
        ProxyRouter(make, resolver), allow_plain_http, retries=retries, backoff=backoff,
        limits=reply_limits() if limits is None else limits)
    if recorder is not None:
        transport = RecordingTransport(transport, recorder)
    return httpx.AsyncClient(transport=transport, timeout=timeout, headers={"User-Agent": USER_AGENT},
                             follow_redirects=False, trust_env=True)
