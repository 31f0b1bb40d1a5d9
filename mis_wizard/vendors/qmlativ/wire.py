"""Qmlativ's Generic API wire format, no network: sign-in, list addresses, field lists, pages.

The key and secret are URL-encoded before Basic encoding (a working connector had to fix exactly
this). A list page is ``GET Generic/{EntityID}/{Module}/{Object}/{page}/{pageSize}``; repeated
``searchFields`` pick the columns (qmlativ.md, Endpoints); the answer is ``{"Objects": [...],
"Paging": {"Next": path}}`` with Next empty on the last page.
"""

from __future__ import annotations

import base64
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

from mis_wizard.vendors.base import Record


def basic_auth(key: str, secret: str) -> str:
    """The Authorization header of a token request: Basic of the URL-encoded key and secret."""
    pair = f"{urllib.parse.quote(key, safe='')}:{urllib.parse.quote(secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def read_basic(header: str) -> tuple[str, str]:
    """(key, secret) from a Basic header, URL-decoded; blanks when it is not one."""
    if not header.lower().startswith("basic "):
        return "", ""
    try:
        pair = base64.b64decode(header[6:].strip()).decode("utf-8")
    except ValueError:  # UnicodeDecodeError included
        pair = ""
    key, _, secret = pair.partition(":")
    return urllib.parse.unquote(key), urllib.parse.unquote(secret)


def list_path(entity_id: int, obj: str, page: int, size: int) -> str:
    return f"Generic/{entity_id}/{obj}/{page}/{size}"


def search_fields(fields: Iterable[str]) -> list[tuple[str, str]]:
    """The query naming the columns to send (repeated ``searchFields``)."""
    return [("searchFields", f) for f in fields]


def page(body: Any) -> tuple[list[Record], str | None]:
    """A list page's rows and the path of the next page (None on the last)."""
    if not isinstance(body, Mapping):
        raise ValueError("a list page is a JSON object")
    rows = body.get("Objects") or []
    return rows, ((body.get("Paging") or {}).get("Next") or "").lstrip("/") or None
