"""A OneRoster 1.1 REST server over the synthetic school, mountable inside a vendor's emulator.

Aeries and Qmlativ serve OneRoster on the same host as their own API, so ``OneRosterService``
answers paths below a mount point and a vendor emulator delegates to it; ``OneRosterEmulator``
is the same service standing alone. It follows the fact sheet: OAuth2 client credentials at
one or more token paths (Basic or form fields, scopes required where older servers required
them), 6-hour bearer tokens, a sticky load-balancer cookie that can be required, per-endpoint
permission areas, limit/offset/sort/filter/fields, X-Total-Count and Link headers, and
statusInfo error bodies.
"""

from __future__ import annotations

import base64
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mis_wizard.vendors.oneroster.render import Naming, Record, Rendered, render
from mis_wizard.vendors.sandbox.kit import Emulator, Request, Response, Scenario, json_response
from mis_wizard.vendors.sandbox.school import School

API_ROOT = "/ims/oneroster/v1p1"
TOKEN_SECONDS = 21600
COOKIE = "ARRAffinity"
MAX_LIMIT = 1000

SINGULAR = {"orgs": "org", "schools": "org", "academicSessions": "academicSession", "terms": "academicSession",
            "gradingPeriods": "academicSession", "courses": "course", "classes": "class", "users": "user",
            "students": "user", "teachers": "user", "demographics": "demographics", "enrollments": "enrollment"}
AERIES_AREAS = {"academicSessions": "Terms", "terms": "Terms", "gradingPeriods": "Terms",
                "classes": "Master Schedule", "courses": "Course Data", "demographics": "Student Data",
                "students": "Student Data", "users": "Student Data", "teachers": "Staff Data",
                "enrollments": "Classes", "orgs": "Schools", "schools": "Schools"}
"""Aeries' security area for each endpoint (fact sheet, S5; teachers' area is inferred)."""
_FILTER = re.compile(r"^\s*(\w+)\s*(!=|>=|<=|=|>|<|~)\s*'(.*)'\s*$")


def status_info(status: int, minor: str, description: str) -> Response:
    return json_response({"imsx_codeMajor": "failure", "imsx_severity": "error", "imsx_description": description,
                          "imsx_CodeMinor": {"imsx_codeMinorField": [
                              {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": minor}]}},
                         status)


@dataclass
class Consumer:
    secret: str
    areas: frozenset[str] | None = None
    """Permission areas granted; None for all."""


class TokenStore:
    """Bearer tokens issued to consumers; shared when a vendor issues tokens for OneRoster itself."""

    def __init__(self, lifetime: int = TOKEN_SECONDS) -> None:
        self.lifetime = lifetime
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def issue(self, client_id: str) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = (client_id, time.time() + self.lifetime)
        return token

    def client(self, token: str) -> str | None:
        with self._lock:
            held = self._tokens.get(token)
        if held is None or held[1] < time.time():
            return None
        return held[0]

    def expire_all(self) -> None:
        """Make every token issued so far expired, as after six hours."""
        with self._lock:
            self._tokens = {t: (c, 0.0) for t, (c, _) in self._tokens.items()}

    def issued(self) -> int:
        with self._lock:
            return len(self._tokens)


def basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password


@dataclass
class OneRosterService:
    school: School
    naming: Naming = field(default_factory=Naming)
    consumers: dict[str, Consumer] = field(default_factory=dict)
    token_paths: tuple[str, ...] = ("/v2/oauth/token", "/token")
    scope_required: frozenset[str] = frozenset({"/token"})
    areas: Mapping[str, str] = field(default_factory=dict)
    require_cookie: bool = True
    store: TokenStore = field(default_factory=TokenStore)
    authorize: Callable[[Request], str | None] | None = None
    """Validates the bearer when tokens come from the vendor's own endpoint (Qmlativ)."""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rendered: Rendered | None = None
        self._views: dict[str, list[Record]] = {}
        self._affinity = secrets.token_hex(8)

    def handles(self, path: str) -> bool:
        return path in self.token_paths or path == API_ROOT or path.startswith(API_ROOT + "/")

    def handle(self, request: Request, path: str) -> Response:
        if path in self.token_paths:
            return self._token(request, path)
        client = self._authenticate(request)
        if client is None:
            return status_info(401, "unauthorisedrequest", "The access token is missing, invalid or expired.")
        if request.method != "GET":
            return status_info(405, "invalid_method", "Only GET is supported.")
        parts = [p for p in path[len(API_ROOT):].split("/") if p]
        return self._read(request, parts, self.consumers.get(client, Consumer("")).areas)

    # -- auth -------------------------------------------------------------------------------------

    def _token(self, request: Request, path: str) -> Response:
        if request.method != "POST":
            return json_response({"error": "invalid_request", "error_description": "POST required."}, 405)
        if request.arg("grant_type") != "client_credentials":
            return json_response({"error": "unsupported_grant_type"}, 400)
        creds = basic_credentials(request) or (request.arg("client_id"), request.arg("client_secret"))
        consumer = self.consumers.get(creds[0])
        if consumer is None or not secrets.compare_digest(consumer.secret.encode(), creds[1].encode()):
            return json_response({"error": "invalid_client"}, 401)
        scope = request.arg("scope")
        if path in self.scope_required and not scope:
            return json_response({"error": "invalid_scope", "error_description": "At least one scope is required."},
                                 400)
        body = {"access_token": self.store.issue(creds[0]), "token_type": "bearer", "expires_in": TOKEN_SECONDS,
                "scope": scope or "https://purl.imsglobal.org/spec/or/v1p1/scope/roster-core.readonly"}
        return json_response(body, headers={"Set-Cookie": f"{COOKIE}={self._affinity}; Path=/; HttpOnly"})

    def _authenticate(self, request: Request) -> str | None:
        if self.authorize is not None:
            return self.authorize(request)
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            return None
        if self.require_cookie and f"{COOKIE}={self._affinity}" not in request.headers.get("cookie", ""):
            return None
        return self.store.client(header[7:].strip())

    # -- data -------------------------------------------------------------------------------------

    def _view(self, name: str) -> list[Record]:
        with self._lock:
            if self._rendered is None:
                self._rendered = render(self.school, self.naming)
                c = self._rendered.collections
                users = c["users"]
                sessions = c["academicSessions"]
                self._views = {**c, "schools": [o for o in c["orgs"] if o["type"] == "school"],
                               "students": [u for u in users if u["role"] == "student"],
                               "teachers": [u for u in users if u["role"] == "teacher"],
                               "terms": [s for s in sessions if s["type"] == "term"],
                               "gradingPeriods": [s for s in sessions if s["type"] == "gradingPeriod"]}
            return self._views.get(name, [])

    def _read(self, request: Request, parts: list[str], granted: frozenset[str] | None) -> Response:
        collection = parts[2] if len(parts) == 3 else parts[0] if parts else ""
        if collection not in SINGULAR or len(parts) > 3:
            return status_info(404, "unknownobject", "No such endpoint.")
        area = self.areas.get(collection)
        if area and granted is not None and area not in granted:
            return status_info(403, "forbidden", f"This product has no Read permission for {area}.")
        rows = self._view(collection)
        if len(parts) == 2:
            one = next((r for r in rows if r["sourcedId"] == parts[1]), None)
            if one is None:
                return status_info(404, "unknownobject", f"No {SINGULAR[collection]} {parts[1]}.")
            return json_response({SINGULAR[collection]: one})
        if len(parts) == 3:
            nested = self._nested(parts[0], parts[1], collection, rows)
            if nested is None:
                return status_info(404, "unknownobject", "No such endpoint.")
            rows = nested
        return self._page(request, collection, rows)

    def _nested(self, parent: str, pid: str, child: str, rows: list[Record]) -> list[Record] | None:
        """Only the nested paths the fact sheet lists (schools' students, classes and terms, a
        class's students); any other answers 404."""
        if parent == "schools":
            if child == "students":
                return [r for r in rows if any(o["sourcedId"] == pid for o in r["orgs"])]
            if child == "classes":
                return [r for r in rows if r["school"]["sourcedId"] == pid]
            if child == "terms":
                return rows
        if parent == "classes" and child == "students":
            members = {e["user"]["sourcedId"] for e in self._view("enrollments") if e["class"]["sourcedId"] == pid}
            return [r for r in rows if r["sourcedId"] in members]
        return None

    def _page(self, request: Request, collection: str, rows: list[Record]) -> Response:
        try:
            limit = min(int(request.arg("limit", "100")), MAX_LIMIT)
            offset = int(request.arg("offset", "0"))
        except ValueError:
            return status_info(400, "invalid_data", "limit and offset must be whole numbers.")
        known = set(rows[0]) if rows else set()
        wanted = request.arg("filter")
        if wanted:
            for clause in re.split(r"\s+AND\s+", wanted):
                m = _FILTER.match(clause)
                if not m or (known and m.group(1) not in known):
                    return status_info(400, "invalid_filter_field", f"Cannot filter on {clause.strip()!r}.")
                rows = [r for r in rows if _matches(r.get(m.group(1)), m.group(2), m.group(3))]
        sort = request.arg("sort")
        if sort:
            if known and sort not in known:
                return status_info(400, "invalid_sort_field", f"Cannot sort on {sort!r}.")
            rows = sorted(rows, key=lambda r: str(r.get(sort, "")), reverse=request.arg("orderBy") == "desc")
        fields = [f for f in request.arg("fields").split(",") if f]
        if fields and known and not set(fields) <= known:
            return status_info(400, "invalid_selection_field", "Unknown field in fields.")
        page = rows[offset:offset + limit]
        if fields:
            page = [{f: r[f] for f in fields if f in r} for r in page]
        headers = {"X-Total-Count": str(len(rows))}
        if offset + limit < len(rows):
            headers["Link"] = f'<{API_ROOT}/{collection}?limit={limit}&offset={offset + limit}>; rel="next"'
        return json_response({collection: page}, headers=headers)


def _matches(value: Any, op: str, wanted: str) -> bool:
    text = str(value if not isinstance(value, list | dict) else value).strip()
    if op == "=":
        return text == wanted
    if op == "!=":
        return text != wanted
    if op == "~":
        return wanted.lower() in text.lower()
    return {">": text > wanted, "<": text < wanted, ">=": text >= wanted, "<=": text <= wanted}[op]


GOOD_ID = "rbg-roster-7f3a"
GOOD_SECRET = "or-S3cret-9d1c-44b2-a7e0"


class OneRosterEmulator(Emulator):
    """OneRoster standing alone, as a district's OneRoster endpoint separate from its SIS."""

    system = "oneroster"

    def __init__(self, school: School) -> None:
        self.service = OneRosterService(school, consumers={
            GOOD_ID: Consumer(GOOD_SECRET),
            "rbg-roster-nostudents": Consumer(GOOD_SECRET, frozenset(set(AERIES_AREAS.values()) - {"Student Data"})),
        }, areas=AERIES_AREAS)

    def handle(self, request: Request) -> Response:
        if self.service.handles(request.path):
            return self.service.handle(request, request.path)
        return status_info(404, "unknownobject", "Not a OneRoster address.")

    def credentials(self, base_url: str) -> dict[str, Any]:
        return {"base_url": base_url, "client_id": GOOD_ID, "client_secret": GOOD_SECRET}

    def scenarios(self, base_url: str) -> dict[str, Scenario]:
        good = self.credentials(base_url)
        return {
            "wrong_secret": Scenario({**good, "client_secret": "or-wrong-secret"}, "oneroster.credentials_rejected",
                                     "The consumer secret was copied wrongly."),
            "no_student_read": Scenario({**good, "client_id": "rbg-roster-nostudents"},
                                        "oneroster.students_not_permitted",
                                        "The product has no Read permission for Student Data."),
        }
