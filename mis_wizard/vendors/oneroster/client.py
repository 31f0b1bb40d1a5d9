"""A OneRoster 1.1 REST client over the app's one HTTP client.

SIS vendors drift on the token endpoint (Aeries moved from ``/token``, which demands a scope, to
``/v2/oauth/token``), so the client probes the known paths in order and keeps the first that
answers. Tokens live six hours and are reused; a 401 later renews once. Load balancers in front
of some servers route by cookie, so cookies set with the token go back on every call.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from mis_wizard.vendors.errors import SMALL_REPLY
from mis_wizard.vendors.paging import ordered_pages, untraced

API_ROOT = "/ims/oneroster/v1p1"
TOKEN_PATHS = ("/v2/oauth/token", "/token")
SCOPE = "https://purl.imsglobal.org/spec/or/v1p1/scope/roster-core.readonly"
RENEW_MARGIN = 300


class TokenRefused(Exception):
    """The token endpoint answered and said no (``status`` is its HTTP status)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class NoTokenEndpoint(Exception):
    """None of the known token paths exists at this address."""


def api_base(url: str) -> str:
    """The server root, whether the admin pasted it with or without the OneRoster path."""
    base = url.strip().rstrip("/")
    if base.lower().endswith(API_ROOT):
        base = base[: -len(API_ROOT)]
    return base


def error_text(response: httpx.Response) -> str:
    """The human part of an error body (statusInfo, OAuth error, or Aeries' Message), never a secret."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        for key in ("imsx_description", "error_description", "Message", "message", "error"):
            if body.get(key):
                return str(body[key])[:200]
    return json.dumps(body)[:200]


@dataclass
class OneRosterClient:
    http: httpx.AsyncClient
    base_url: str
    client_id: str
    client_secret: str
    token_paths: tuple[str, ...] = TOKEN_PATHS

    def __post_init__(self) -> None:
        self.base_url = api_base(self.base_url)
        self._token: str | None = None
        self._expires = 0.0
        self._cookie = ""
        self.token_path = ""
        self._lock = asyncio.Lock()

    async def token(self, renew: bool = False) -> str:
        async with self._lock:
            if self._token and not renew and time.monotonic() < self._expires - RENEW_MARGIN:
                return self._token
            for path in self.token_paths:
                url = self.base_url + path
                response = await self._request_token(url)
                if response.status_code in (404, 405):
                    continue
                if response.status_code != 200:
                    raise TokenRefused(response.status_code, error_text(response))
                body = response.json()
                token = body.get("access_token") if isinstance(body, dict) else None
                if not isinstance(token, str) or not token.strip():
                    raise ValueError("the token answer holds no access_token")
                lifetime = body.get("expires_in") or 3600
                if isinstance(lifetime, bool) or not isinstance(lifetime, int | float | str):
                    raise ValueError("the token answer's expires_in is not a number")
                self._token = token
                self._expires = time.monotonic() + float(lifetime)
                self._cookie = "; ".join(f"{k}={v}" for k, v in response.cookies.items())
                self.token_path = path
                return self._token
            raise NoTokenEndpoint(f"no token endpoint at {', '.join(self.token_paths)}")

    async def _request_token(self, url: str) -> httpx.Response:
        form = {"grant_type": "client_credentials", "scope": SCOPE}
        response = await self.http.post(url, data=form, auth=(self.client_id, self.client_secret),
                                        extensions=SMALL_REPLY)
        if response.status_code in (400, 401):
            # Older servers read the credentials from the form rather than the Basic header.
            alt = await self.http.post(url, data={**form, "client_id": self.client_id,
                                                  "client_secret": self.client_secret}, extensions=SMALL_REPLY)
            if alt.status_code == 200:
                return alt
        return response

    async def get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        """GET below the OneRoster root, renewing the token once when the server says it is no good."""
        response = await self._get(path, params, await self.token())
        if response.status_code == 401:
            response = await self._get(path, params, await self.token(renew=True))
        return response

    async def _get(self, path: str, params: dict[str, Any] | None, token: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if self._cookie:
            headers["Cookie"] = self._cookie
        return await self.http.get(f"{self.base_url}{API_ROOT}/{path.lstrip('/')}", params=params, headers=headers)

    async def pages(self, collection: str, page_size: int = 100, concurrency: int = 4,
                    on_refusal: Callable[[httpx.Response], Exception] | None = None,
                    params: dict[str, Any] | None = None) -> AsyncIterator[list[dict[str, Any]]]:
        """Every record of a collection (``params`` such as a filter narrow it), a page at a time, with
        up to ``concurrency`` pages in flight once the first answer says how many there are
        (X-Total-Count); without it, one page at a time until a short one (vendors/paging.py)."""

        async def fetch(number: int) -> tuple[list[dict[str, Any]], str | None]:
            offset = (number - 1) * page_size
            response = await self.get(collection, {**(params or {}), "limit": page_size, "offset": offset})
            if response.status_code != 200:
                raise on_refusal(response) if on_refusal else httpx.HTTPStatusError(
                    f"{collection}: {response.status_code}", request=response.request, response=response)
            rows = response.json().get(collection.split("/")[-1])
            if not isinstance(rows, list):
                raise ValueError(f"{collection}: answer has no {collection!r} list")
            return rows, response.headers.get("X-Total-Count")

        async def finish(_number: int, answer: tuple[list[dict[str, Any]], str | None]) -> list[dict[str, Any]]:
            return answer[0]

        def last_page(answer: tuple[list[dict[str, Any]], str | None]) -> int | None:
            total = answer[1]
            return math.ceil(int(total) / page_size) if total is not None and total.isdigit() else None

        async for rows in ordered_pages(untraced(fetch), finish, concurrency=concurrency, page_size=page_size,
                                        last_page=last_page):
            yield rows
