"""An emulator of a Datashare partner endpoint, in the constructed wire format of wire.py.

It holds what makes the school's side real: the consent lifecycle per school for our partner
(not granted, granted, withdrawn) and the optional fields each school switched off, which are
left out of the payloads as Datashare leaves them out. It serves the six Datashare objects with
the quirks consumers rely on: combined "Mr and Mrs" contacts, blank titles, contacts whose only
child has left, students in no class, registration groups with two tutors, custom groups with
more than two staff, and no contact priority.

The objects themselves are rendered from the synthetic school in render.py.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mis_wizard.vendors.integris import wire
from mis_wizard.vendors.integris.render import RENDERERS
from mis_wizard.vendors.sandbox.kit import Emulator, Request, Response, Scenario, json_response, text_response
from mis_wizard.vendors.sandbox.school import School

GOOD_SCHOOL = "8881234"
NOT_GRANTED_SCHOOL = "8881235"
WITHDRAWN_SCHOOL = "8881236"
FIELDS_OFF_SCHOOL = "8881237"
PARTNER_ID = "mis-wizard-demo-partner"

_SCHOOL_PATH = re.compile(r"^/schools/([^/]+)(?:/([^/]+))?/?$")


@dataclass
class SchoolState:
    """Our partner's standing at one school, as the school set it on the Datashare screen."""

    consent: str = "granted"
    """"granted", "not_granted" or "withdrawn"."""
    off: set[tuple[str, str]] = field(default_factory=set)
    """(resource, raw field) pairs the school switched off."""


class IntegrisEmulator(Emulator):
    system = "integris"

    def __init__(self, school: School) -> None:
        self.school = school
        self.client_secret = hashlib.sha256(f"{school.seed}:integris-partner-secret".encode()).hexdigest()[:40]
        self._lock = threading.Lock()
        self._tokens: set[str] = set()
        self._rendered: dict[str, list[dict[str, Any]]] = {}
        self.schools: dict[str, SchoolState] = {
            GOOD_SCHOOL: SchoolState(),
            NOT_GRANTED_SCHOOL: SchoolState("not_granted"),
            WITHDRAWN_SCHOOL: SchoolState("withdrawn"),
            FIELDS_OFF_SCHOOL: SchoolState(off={("contacts", "email"), ("students", "dateOfBirth")}),
        }

    # The school's side: what an admin does on the Datashare screen.

    def grant(self, school_id: str) -> None:
        with self._lock:
            self.schools.setdefault(school_id, SchoolState()).consent = "granted"

    def withdraw(self, school_id: str) -> None:
        with self._lock:
            self.schools[school_id].consent = "withdrawn"

    def switch_off(self, school_id: str, resource: str, raw_field: str) -> None:
        with self._lock:
            self.schools[school_id].off.add((resource, raw_field))

    # The partner's side: the API.

    def credentials(self, base_url: str) -> dict[str, Any]:
        return {"base_url": base_url, "school_id": GOOD_SCHOOL,
                "datashare": {"client_id": PARTNER_ID, "client_secret": self.client_secret}}

    def scenarios(self, base_url: str) -> dict[str, Scenario]:
        good = self.credentials(base_url)

        def with_(**changes: Any) -> dict[str, Any]:
            return {**good, **changes}

        return {
            "bad_partner_credentials": Scenario(
                with_(datashare={"client_id": PARTNER_ID, "client_secret": "x" * 40}),
                "integris.partner_credentials_rejected", "The partner client secret is wrong."),
            "wrong_address": Scenario(
                with_(base_url=f"{base_url}/integris"), "integris.not_datashare",
                "The address is a web server but not the Datashare partner endpoint."),
            "wrong_school_id": Scenario(
                with_(school_id="8889999"), "integris.school_unknown",
                "The school identifier is not one Datashare knows."),
            "access_not_granted": Scenario(
                with_(school_id=NOT_GRANTED_SCHOOL), "integris.access_not_granted",
                "The school never clicked Grant Access on the integrator's tile."),
            "access_withdrawn": Scenario(
                with_(school_id=WITHDRAWN_SCHOOL), "integris.access_withdrawn",
                "The school granted access and later withdrew it."),
            "optional_field_off": Scenario(
                with_(school_id=FIELDS_OFF_SCHOOL), "integris.optional_field_off",
                "The school switched off contacts' Email Address and students' Date of Birth."),
        }

    def handle(self, request: Request) -> Response:
        if request.path == wire.TOKEN_PATH:
            return self._token(request)
        match = _SCHOOL_PATH.match(request.path)
        if not match or request.method != "GET":
            return text_response("<html><body><h1>404 Not Found</h1></body></html>", 404, "text/html")
        header = request.headers.get("authorization", "")
        with self._lock:
            authorised = header.startswith("Bearer ") and header[7:] in self._tokens
            state = self.schools.get(match.group(1))
            consent = state.consent if state else ""
            off = set(state.off) if state else set()
        if not authorised:
            return _error(401, wire.ErrorCode.INVALID_TOKEN, "The access token is missing, wrong or expired.")
        if state is None:
            return _error(404, wire.ErrorCode.SCHOOL_NOT_FOUND, "No school with this identifier.")
        if consent == "not_granted":
            return _error(403, wire.ErrorCode.ACCESS_NOT_GRANTED, "The school has not granted access.")
        if consent == "withdrawn":
            return _error(403, wire.ErrorCode.ACCESS_WITHDRAWN, "The school has withdrawn access.")
        resource = match.group(2)
        if resource is None:
            return json_response({"school": {"schoolId": match.group(1), "name": self.school.name}})
        return self._page(request, resource, off)

    def _token(self, request: Request) -> Response:
        if request.method != "POST":
            return _error(405, "method_not_allowed", "Use POST.")
        if request.arg("grant_type") != "client_credentials":
            return _error(400, "unsupported_grant_type", "Only client_credentials is supported.")
        given = request.arg("client_secret").encode()
        if request.arg("client_id") != PARTNER_ID or not secrets.compare_digest(given, self.client_secret.encode()):
            return _error(401, wire.ErrorCode.INVALID_CLIENT, "Unknown client or wrong secret.")
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens.add(token)
        return json_response({"access_token": token, "token_type": "Bearer", "expires_in": 3600})

    def _page(self, request: Request, resource: str, off: set[tuple[str, str]]) -> Response:
        render = RENDERERS.get(resource)
        if render is None:
            return _error(404, "not_found", f"No resource {resource}.")
        try:
            page = int(request.arg("page", "1"))
            size = min(int(request.arg("pageSize", str(wire.DEFAULT_PAGE_SIZE))), wire.MAX_PAGE_SIZE)
        except ValueError:
            return _error(400, "bad_request", "page and pageSize must be whole numbers.")
        if page < 1 or size < 1:
            return _error(400, "bad_request", "page and pageSize start at 1.")
        records = self._records(resource, render)
        hidden = {name for res, name in off if res == resource}
        chunk = [{k: v for k, v in r.items() if k not in hidden} for r in records[(page - 1) * size:page * size]]
        count = max(1, -(-len(records) // size))
        body = {resource: chunk, "pagination": {"page": page, "pageSize": size, "pageCount": count,
                                                "totalCount": len(records)}}
        return json_response(body)

    def _records(self, resource: str, render: Callable[[School], list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """Each object is rendered once, on first use."""
        with self._lock:
            if resource not in self._rendered:
                self._rendered[resource] = render(self.school)
            return self._rendered[resource]

def _error(status: int, code: str, message: str) -> Response:
    return Response(status, json.dumps({"error": str(code), "message": message}).encode())
