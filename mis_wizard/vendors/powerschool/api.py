"""One plugin's conversation with a PowerSchool server: token, requests, paging.

PowerSchool hands the same bearer token back until it expires (30 days by default), and the
wizard asks for one check after check, then for the preview, then for the sync: so a token is
held in memory for the whole process (``TOKENS``, never on disk, never logged), per server,
Client ID and secret, and reused until its ``expires_in`` nears. A 401 on an API call drops it:
one fresh token is asked for and the request sent once more. Pages are fetched concurrently
once the first answers are in: a page without ``pagesize`` comes at the plugin's maximum page
size (PowerSchool's default), so the first pages can be asked for alongside the count.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import math
import secrets
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from mis_wizard.vendors import errors
from mis_wizard.vendors.errors import FailureKind, VendorError
from mis_wizard.vendors.paging import Waiting, ordered_pages
from mis_wizard.vendors.powerschool import wire

TOKEN_PATHS = ("/oauth/access_token", "/oauth/access_token/")
"""Both spellings are used by clients in the wild; the first that exists is remembered."""
RENEW_MARGIN_S = 60.0
"""A token this close to its end is renewed rather than risked on a long sync."""

TokenKey = tuple[str, str, str]
"""(server, Client ID, keyed digest of the secret): another server, plugin or secret never shares a token."""


@dataclass
class _Token:
    value: str = field(repr=False)
    renew_at: float
    """The clock's time after which it is renewed rather than risked."""


class HeldTokens:
    """Bearer tokens held in this process's memory only, by ``TokenKey``.

    The secret is in the key only as a digest keyed with a random per-process salt, so the key
    is of no use outside this process. A token is renewed under a lock (one per event loop: the
    GUI's background loop and a command's ``asyncio.run`` each have theirs), so the requests of
    one run that all find the token missing or refused ask for one new token between them."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._held: dict[TokenKey, _Token] = {}
        self._salt = secrets.token_bytes(16)
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = \
            weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        return f"<HeldTokens: {len(self._held)} held>"

    def key(self, base_url: str, client_id: str, secret: str) -> TokenKey:
        return base_url, client_id, hashlib.blake2b(secret.encode(), key=self._salt).hexdigest()

    def get(self, key: TokenKey, refused: str | None = None) -> str | None:
        """The held token unless it is near its end or it is ``refused`` (the one a 401 just answered)."""
        held = self._held.get(key)
        if held is None or held.value == refused or held.renew_at <= self._clock():
            return None
        return held.value

    def put(self, key: TokenKey, value: str, lifetime: float | None) -> None:
        """``lifetime`` None (the server did not say) holds the token until a 401 refuses it."""
        if lifetime is None:
            renew_at = math.inf
        else:  # a short-lived token is still used for half its life
            renew_at = self._clock() + lifetime - min(RENEW_MARGIN_S, lifetime / 2)
        self._held[key] = _Token(value, renew_at)

    def forget(self, key: TokenKey) -> None:
        self._held.pop(key, None)

    def lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock


TOKENS = HeldTokens()
"""The process's tokens: checks, the preview and a sync with the same credentials share one."""


@dataclass
class TokenCache:
    """What one connector remembers of a server: where its token path is, its metadata (per
    Client ID and secret); tokens themselves are the process's (``TOKENS``) unless a test gives
    its own."""

    tokens: HeldTokens = field(default_factory=lambda: TOKENS)
    token_paths: dict[str, str] = field(default_factory=dict)
    metadata: dict[TokenKey, dict[str, Any]] = field(default_factory=dict)


REACH_NAMES = {"connection_dropped": "transient"}
"""PowerSchool's names for the shared reach table's suffixes (errors.REACH_TABLE)."""


def network_error(exc: BaseException, what: str) -> VendorError:
    """A network or parse failure as a VendorError with our stable codes."""
    reach = errors.reach_failure(exc, "powerschool", REACH_NAMES)
    return reach.error(type(exc).__name__, headline=f"{reach.headline} ({what})")


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
        self._cache = cache
        self._tokens = cache.tokens
        self._key = self._tokens.key(self.base_url, self._client_id, self._secret)

    async def token(self, *, refused: str | None = None, ask: bool = False) -> str:
        """A bearer token: the one held for these credentials, or a new one when none is held, it
        nears its end, it is ``refused`` (a 401 just answered it), or ``ask`` says to ask the server
        (a check proves the credentials work now, not earlier). A held token is handed out without
        the lock: every page request asks for it."""
        held = None if ask else self._tokens.get(self._key, refused)
        if held is not None:
            return held
        async with self._tokens.lock():
            held = None if ask else self._tokens.get(self._key, refused)
            if held is not None:
                return held
            self._tokens.forget(self._key)
            value, lifetime = await self._request_token()
            self._tokens.put(self._key, value, lifetime)
            return value

    async def _request_token(self) -> tuple[str, float | None]:
        """A new token and its lifetime in seconds (None when the server does not say)."""
        basic = base64.b64encode(f"{self._client_id}:{self._secret}".encode()).decode()
        headers = {"Authorization": f"Basic {basic}", "Accept": "application/json",
                   "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"}
        known = self._cache.token_paths.get(self.base_url)
        paths = (known,) if known else TOKEN_PATHS
        response: httpx.Response | None = None
        for path in paths:
            try:
                response = await self.http.post(self.base_url + path, content=b"grant_type=client_credentials",
                                                headers=headers, extensions=errors.SMALL_REPLY)
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
        try:  # a string in PowerSchool's answers
            lifetime: float | None = max(0.0, float(str(body["expires_in"]).strip()))
        except (KeyError, ValueError):
            lifetime = None
        return str(body["access_token"]), lifetime

    async def send(self, method: str, path: str, params: Mapping[str, Any] | None = None,
                   payload: Any = None, *, authorised: bool = True, query: str = "",
                   trace: Callable[[str, Any], Awaitable[None]] | None = None) -> httpx.Response:
        """One request; on a 401 the token is renewed once and the request sent again.

        PowerSchool says "expired" in WWW-Authenticate when the token ran out; any other 401 may be
        credentials regenerated mid-run, which the renewal then reports as such. ``query`` is an
        encoded query string (a pager encodes its parameters once, not once per page). ``trace`` is
        httpx's trace extension: told each step of the exchange (request sent, answer coming)."""
        url = f"{self.base_url}{path}?{query}" if query else self.base_url + path
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
                response = await self.http.request(method, url, params=dict(params) if params else None,
                                                   content=content, headers=headers,
                                                   extensions={"trace": trace} if trace else None)
            except httpx.HTTPError as exc:
                raise network_error(exc, path) from None
            if response.status_code == 401 and token and attempt == 0:
                await self.token(refused=token)
                continue
            return response
        return response

    async def json(self, method: str, path: str, params: Mapping[str, Any] | None = None, payload: Any = None,
                   *, query: str = "", resource: wire.Resource | None = None, what: str = "") -> Any:
        """The JSON body of a 200; a garbled body is asked for once more before it counts as a failure."""
        for attempt in range(2):
            response = await self.send(method, path, params, payload, query=query)
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
        encoded = str(httpx.QueryParams(query))

        def page_query(page: int) -> str:
            return f"{encoded}&page={page}" if encoded else f"page={page}"

        async def fetch(page: int, waiting: Waiting) -> httpx.Response:
            async def trace(event: str, _info: Any) -> None:
                if event.endswith("send_request_body.complete"):
                    waiting(True)
                elif event.endswith("receive_response_headers.complete"):
                    waiting(False)

            response = await self.send(method, path, payload=payload, query=page_query(page), trace=trace)
            if response.status_code != 200:
                raise status_error(response, path, resource)
            return response

        async def finish(page: int, response: httpx.Response) -> list[dict[str, Any]]:
            try:
                return parse(response.json())
            except ValueError:  # garbled on the way: asked for once more, as json() does
                body = await self.json(method, path, payload=payload, query=page_query(page), resource=resource,
                                       what=path)
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
