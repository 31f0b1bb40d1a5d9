"""The Datashare wire format, kept in this one module so it can be replaced.

RM publishes no technical documentation for the Integris Datashare API; it is private to RM
partners. Everything here is our own constructed contract, following the fact sheet's
emulator contract: partner credentials exchanged for a bearer token, one JSON resource per
Datashare object under the school's identifier, paged by page number, errors as a JSON body
with an ``error`` code. An optional field the school switched off is absent from every record, while
a blank value is sent as null. When a partner holds RM's real documentation, this module and the
emulator change; the checks, the records, the steps and the tests of the school's story do not.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any

import httpx

TOKEN_PATH = "/oauth/token"
SCHOOL_PATH = "/schools/{school_id}"
RESOURCE_PATH = "/schools/{school_id}/{resource}"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500

RESOURCES: dict[str, str] = {
    "students": "students",
    "contacts": "contacts",
    "contact_links": "contactLinks",
    "staff": "teachers",
    "classes": "classes",
    "groups": "groups",
}
"""Our entity id -> the Datashare object's resource name (the six objects consumers receive)."""


class ErrorCode(enum.StrEnum):
    """The ``error`` values of the constructed contract, one per state a partner must tell apart."""

    INVALID_CLIENT = "invalid_client"
    INVALID_TOKEN = "invalid_token"
    SCHOOL_NOT_FOUND = "school_not_found"
    ACCESS_NOT_GRANTED = "access_not_granted"
    ACCESS_WITHDRAWN = "access_withdrawn"


@dataclass(frozen=True)
class SchoolInfo:
    school_id: str
    name: str


@dataclass(frozen=True)
class Page:
    records: list[dict[str, Any]]
    page: int
    page_count: int
    total: int


def token_form(client_id: str, client_secret: str) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}


def auth_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def page_params(page: int, size: int) -> dict[str, str]:
    return {"page": str(page), "pageSize": str(size)}


def _object(body: bytes) -> dict[str, Any]:
    data = json.loads(body.decode("utf-8"))
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


def is_json(response: httpx.Response) -> bool:
    """Whether the answer looks like this API's at all (a wrong address answers with a web page)."""
    return "json" in response.headers.get("content-type", "").lower()


def parse_token(body: bytes) -> str:
    token = _object(body).get("access_token")
    if not isinstance(token, str) or not token:
        raise ValueError("token answer without access_token")
    return token


def error_code(response: httpx.Response) -> str:
    """The contract's ``error`` value, or "" when the body carries none."""
    if not is_json(response):
        return ""
    try:
        value = _object(response.content).get("error", "")
    except ValueError:
        return ""
    return value if isinstance(value, str) else ""


def parse_school(body: bytes) -> SchoolInfo:
    data = _object(body)
    school = data.get("school")
    if not isinstance(school, dict):
        raise ValueError("school answer without school object")
    return SchoolInfo(str(school.get("schoolId", "")), str(school.get("name", "")))


def parse_page(resource: str, body: bytes) -> Page:
    data = _object(body)
    records = data.get(resource)
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ValueError(f"page without a list of {resource}")
    paging = data.get("pagination") or {}
    page = int(paging.get("page", 1))
    return Page(records, page, int(paging.get("pageCount", page)), int(paging.get("totalCount", len(records))))
