"""One plugin's conversation with a PowerSchool server: token, requests, paging.

PowerSchool hands the same bearer token back until it expires (30 days by default), so the
token is kept per server and Client ID and reused across checks and syncs; a 401 whose
WWW-Authenticate says "expired" gets one renewal. Pages are fetched concurrently once the
first answers are in: a page without ``pagesize`` comes at the plugin's maximum page size
(PowerSchool's default), so the first pages can be asked for alongside the count.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from mis_wizard.vendors import errors
from mis_wizard.vendors.errors import FailureKind, VendorError
from mis_wizard.vendors.powerschool import wire
from mis_wizard.vendors.powerschool.paging import Waiting, ordered_pages

TOKEN_PATHS = ("/oauth/access_token", "/oauth/access_token/")
"""Both spellings are used by clients in the wild; the first that exists is remembered."""
RENEW_MARGIN_S = 60


@dataclass
class _Token:
    value: str
    expires_at: float


@dataclass
class TokenCache:
    """Tokens and metadata per (server, Client ID, secret digest); lives as long as the connector."""

    tokens: dict[tuple[str, str, str], _Token] = field(default_factory=dict)
    token_paths: dict[str, str] = field(default_factory=dict)
    metadata: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    locks: dict[int, asyncio.Lock] = field(default_factory=dict)

    def lock(self) -> asyncio.Lock:
        """One lock per event loop, so a connector can serve a check and then a sync in a new loop."""
        return self.locks.setdefault(id(asyncio.get_running_loop()), asyncio.Lock())


def network_error(exc: BaseException, what: str) -> VendorError:
    """A network or parse failure as a VendorError with our stable codes."""
    failure = errors.classify_exception(exc)
    if failure.kind is FailureKind.TRANSIENT:
        code = "powerschool.transient"
    elif failure.kind is FailureKind.CONFIG:
        code = "powerschool.tls_untrusted" if "certificate" in failure.message else "powerschool.unreachable"
    else:
        code = "powerschool.unexpected_answer"
    return VendorError(code, f"{failure.message} ({what})", failure.remedy, failure.kind,
                       detail=type(exc).__name__)


def status_error(response: httpx.Response, what: str, resource: wire.Resource | None = None) -> VendorError:
    """A refusal by status, worded for the admin; 403 names the resource and where it is granted."""
    status = response.status_code
    said = wire.error_message(_json_or_none(response))
    detail = f"HTTP {status} from {response.request.url.path}" + (f": {said}" if said else "")
    if status == 403:
        label = resource.label if resource else what
        grant = resource.grant if resource else f"access to {what}"
        return VendorError(
            "powerschool.resource_denied",
            f"The plugin is not allowed to read {label}.",
            f"In PowerSchool open {wire.PLUGIN_SCREEN}, select the integrator's plugin and under Data "
            f"Configuration / Data Access grant {grant}. If it is not offered there, install the "
            "integrator's latest plugin file, which asks for it.", FailureKind.CONFIG, detail)
    if status == 401:
        return VendorError(
            "powerschool.plugin_disabled",
            "PowerSchool issued a token but refuses it: the plugin is not enabled.",
            f"In PowerSchool open {wire.PLUGIN_SCREEN}, tick Enable/Disable next to the integrator's plugin "
            "and confirm Enable.", FailureKind.CONFIG, detail)
    failure = errors.classify_status(status)
    code = {FailureKind.TRANSIENT: "powerschool.transient", FailureKind.CONFIG: "powerschool.request_refused"}
    return VendorError(code.get(failure.kind, "powerschool.unexpected_answer"), f"{failure.message} ({what})",
                       failure.remedy, failure.kind, detail)


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def garbled(what: str, detail: str = "") -> VendorError:
    return VendorError("powerschool.garbled_answer", f"PowerSchool's answer was cut or garbled ({what}).",
                       "Try again in a minute; if it keeps happening, check the proxy or ask PowerSchool support.",
                       FailureKind.TRANSIENT, detail)


class PowerSchoolApi:
    """Authenticated requests for one plugin's Client ID on one server."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, client_id: str, client_secret: str,
                 cache: TokenCache) -> None:
        self.http = http
        self.base_url = base_url.strip().rstrip("/")
        self._client_id = client_id.strip()
        self._secret = client_secret.strip()
        digest = hashlib.sha256(self._secret.encode()).hexdigest()
        self._key = (self.base_url, self._client_id, digest)
        self._cache = cache

    async def token(self, *, stale: str | None = None) -> str:
        """A bearer token, reused until it nears expiry or ``stale`` (the token just refused) is current.
        A held token is handed out without the lock: every page request asks for it."""
        held = self._cache.tokens.get(self._key)
        if held and held.value != stale and held.expires_at - RENEW_MARGIN_S > time.monotonic():
            return held.value
        async with self._cache.lock():
            held = self._cache.tokens.get(self._key)
            if held and held.value != stale and held.expires_at - RENEW_MARGIN_S > time.monotonic():
                return held.value
            held = await self._request_token()
            self._cache.tokens[self._key] = held
            return held.value

    async def _request_token(self) -> _Token:
        basic = base64.b64encode(f"{self._client_id}:{self._secret}".encode()).decode()
        headers = {"Authorization": f"Basic {basic}", "Accept": "application/json",
                   "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"}
        known = self._cache.token_paths.get(self.base_url)
        paths = (known,) if known else TOKEN_PATHS
        response: httpx.Response | None = None
        for path in paths:
            try:
                response = await self.http.post(self.base_url + path, content=b"grant_type=client_credentials",
                                                headers=headers)
            except httpx.HTTPError as exc:
                raise network_error(exc, "asking for a token") from None
            if response.status_code not in (404, 405):
                self._cache.token_paths[self.base_url] = path
                break
        assert response is not None
        body = _json_or_none(response)
        if response.status_code in (400, 401) or (isinstance(body, Mapping) and body.get("error")):
            said = wire.error_message(body)
            raise VendorError(
                "powerschool.client_rejected", "PowerSchool did not accept the Client ID and Client Secret.",
                f"In PowerSchool open {wire.PLUGIN_SCREEN}, click the integrator's plugin, then Data Provider "
                "Configuration, and copy the Client ID and Client Secret again. If someone clicked Regenerate "
                "there, only the new pair works.", FailureKind.CONFIG,
                f"HTTP {response.status_code}" + (f": {said}" if said else ""))
        if response.status_code in (404, 405):
            raise VendorError(
                "powerschool.oauth_missing", "This server has no PowerSchool token address (/oauth/access_token).",
                "Use the address of the PowerSchool server itself, e.g. https://district.powerschool.com, "
                "without /admin or /public.", FailureKind.CONFIG, f"HTTP {response.status_code}")
        if response.status_code != 200:
            raise status_error(response, "asking for a token")
        if not isinstance(body, Mapping) or not body.get("access_token"):
            raise garbled("token", f"HTTP 200, {len(response.content)} bytes")
        try:
            lifetime = float(str(body.get("expires_in") or "0").strip())
        except ValueError:
            lifetime = 0.0
        return _Token(str(body["access_token"]), time.monotonic() + max(lifetime, 0.0))

    async def send(self, method: str, path: str, params: Mapping[str, Any] | None = None,
                   payload: Any = None, *, authorised: bool = True,
                   trace: Callable[[str, Any], Awaitable[None]] | None = None) -> httpx.Response:
        """One request; on a 401 the token is renewed once and the request sent again.

        PowerSchool says "expired" in WWW-Authenticate when the token ran out; any other 401 may be
        credentials regenerated mid-run, which the renewal then reports as such. ``trace`` is
        httpx's trace extension: told each step of the exchange (request sent, answer coming)."""
        headers = {"Accept": "application/json"}
        content = None
        if payload is not None:
            headers["Content-Type"] = "application/json"
            content = json.dumps(payload).encode()
        for attempt in range(2):
            token = await self.token() if authorised else None
            if token:
                headers["Authorization"] = f"Bearer {token}"
            try:
                response = await self.http.request(method, self.base_url + path, params=dict(params or {}),
                                                   content=content, headers=headers,
                                                   extensions={"trace": trace} if trace else None)
            except httpx.HTTPError as exc:
                raise network_error(exc, path) from None
            if response.status_code == 401 and token and attempt == 0:
                await self.token(stale=token)
                continue
            return response
        return response

    async def json(self, method: str, path: str, params: Mapping[str, Any] | None = None, payload: Any = None,
                   *, resource: wire.Resource | None = None, what: str = "") -> Any:
        """The JSON body of a 200; a garbled body is asked for once more before it counts as a failure."""
        for attempt in range(2):
            response = await self.send(method, path, params, payload)
            if response.status_code != 200:
                raise status_error(response, what or path, resource)
            try:
                return response.json()
            except ValueError:
                if attempt:
                    raise garbled(what or path, f"{len(response.content)} bytes") from None
        raise AssertionError("unreachable")

    async def metadata(self) -> dict[str, Any]:
        """/ws/v1/metadata with the token (it carries ``plugin_id`` and the maximum page sizes)."""
        held = self._cache.metadata.get(self._key)
        if held is None:
            body = await self.json("GET", "/ws/v1/metadata", what="server metadata")
            held = dict(body.get("metadata") or {}) if isinstance(body, Mapping) else {}
            self._cache.metadata[self._key] = held
        return held

    async def pages(self, path: str, parse: Callable[[Any], list[dict[str, Any]]], *, count_path: str,
                    concurrency: int, page_size: int | None, size_key: str, method: str = "GET",
                    params: Mapping[str, Any] | None = None, payload: Any = None,
                    resource: wire.Resource | None = None, speculate: int = 1) -> AsyncIterator[list[dict[str, Any]]]:
        """Every page of a collection in order, up to ``concurrency`` page requests at once.

        Without an asked-for page size the server's default (the plugin's maximum) is used, so
        the count and the first ``speculate`` pages go out together; with one, it is capped at
        the maximum that /ws/v1/metadata states.
        """
        query = dict(params or {})
        if page_size:
            query["pagesize"] = min(page_size, wire.max_page_size(await self.metadata(), size_key))

        async def fetch(page: int, waiting: Waiting) -> httpx.Response:
            async def trace(event: str, _info: Any) -> None:
                if event.endswith("send_request_body.complete"):
                    waiting(True)
                elif event.endswith("receive_response_headers.complete"):
                    waiting(False)

            response = await self.send(method, path, {**query, "page": page}, payload, trace=trace)
            if response.status_code != 200:
                raise status_error(response, path, resource)
            return response

        async def finish(page: int, response: httpx.Response) -> list[dict[str, Any]]:
            try:
                return parse(response.json())
            except ValueError:  # garbled on the way: asked for once more, as json() does
                body = await self.json(method, path, {**query, "page": page}, payload, resource=resource, what=path)
            except (KeyError, TypeError, AttributeError) as exc:
                raise garbled(path, str(exc)) from None
            try:
                return parse(body)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise garbled(path, str(exc)) from None

        async def total() -> int:
            body = await self.json(method, count_path, params, payload, resource=resource, what=count_path)
            try:
                return wire.count(body)
            except (ValueError, TypeError) as exc:
                raise garbled(count_path, str(exc)) from None

        async for chunk in ordered_pages(fetch, finish, total, concurrency=concurrency, speculate=speculate,
                                         page_size=query.get("pagesize")):
            yield chunk
