"""A Skyward Qmlativ API server: OAuth token, the Generic/Custom object API, and OneRoster.

Districts sit under their API path as real ones do (``https://<customer>.skyward.com/<customer>API``):
``/RiverbendAPI`` is a district in term time, ``/RolloverAPI`` one half-way through year-end
rollover with no current school year. Integration Accesses carry what the admin set on
Administrative Access > API > Integration: Is Active, Effective and Expiration dates, which
entities the integrator may read, and which fields are read-allowed. Skyward's wording of
errors is not published, so the bodies here are our own and the statuses follow the fact sheet.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from mis_wizard.vendors.oneroster.render import Naming
from mis_wizard.vendors.oneroster.sandbox import OneRosterService, TokenStore
from mis_wizard.vendors.qmlativ import wire
from mis_wizard.vendors.qmlativ.render import ENTITY_IDS, render
from mis_wizard.vendors.sandbox.kit import Emulator, Request, Response, Scenario, json_response
from mis_wizard.vendors.sandbox.school import School

TOKEN_SECONDS = 3600
GOOD_KEY = "RBG-Enroll+01"
GOOD_SECRET = "qM7%2fx+Lp9/zK=Vt4wR8s"
"""Holds ``%``, ``+``, ``/`` and ``=`` so a client that skips URL-encoding before Basic fails."""
@dataclass
class Access:
    """One Integration Access record."""

    secret: str
    active: bool = True
    effective: dt.date | None = None
    expiration: dt.date | None = None
    entities: frozenset[int] | None = None
    """Entities the integration may read; None for all."""
    denied: dict[str, frozenset[str]] = field(default_factory=dict)
    """Object ("Module/Object") → fields that are not read-allowed."""


class _Tenant:
    def __init__(self, school: School, has_current_year: bool) -> None:
        self.school = school
        self.has_current_year = has_current_year
        self._lock = threading.Lock()
        self._objects: dict[str, list[dict[str, Any]]] | None = None

    def objects(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            if self._objects is None:
                self._objects = render(self.school, self.has_current_year)
            return self._objects


ID_FIELDS = {"District/Entity": "EntityID", "District/SchoolYear": "SchoolYearID", "Student/Student": "StudentID",
             "Demographics/Name": "NameID", "Demographics/NameEmail": "NameEmailID",
             "Enrollment/EntryWithdrawal": "EntryWithdrawalID", "Family/StudentGuardian": "StudentGuardianID",
             "Staff/Staff": "StaffID"}


class QmlativEmulator(Emulator):
    system = "qmlativ"

    def __init__(self, school: School) -> None:
        self.school = school
        today = school.anchor
        self.tenants = {"/RiverbendAPI": _Tenant(school, True), "/RolloverAPI": _Tenant(school, False)}
        self.accesses = {
            GOOD_KEY: Access(GOOD_SECRET, effective=today - dt.timedelta(days=90)),
            "RBG-Inactive": Access(GOOD_SECRET, active=False),
            "RBG-Expired": Access(GOOD_SECRET, effective=today - dt.timedelta(days=400),
                                  expiration=today - dt.timedelta(days=10)),
            "RBG-Future": Access(GOOD_SECRET, effective=today + dt.timedelta(days=30)),
            "RBG-SchoolsOnly": Access(GOOD_SECRET, entities=frozenset(ENTITY_IDS.values())),
            "RBG-NoBirthDate": Access(GOOD_SECRET, denied={"Demographics/Name": frozenset({"BirthDate"})}),
            "RBG-NoEmail": Access(GOOD_SECRET, denied={"Demographics/NameEmail": frozenset({"EmailAddress"})}),
        }
        self.store = TokenStore(TOKEN_SECONDS)
        # Students and teachers keep their Qmlativ StudentID and StaffID as OneRoster sourcedIds
        # (inferred: the fact sheet does not say how Skyward's OneRoster names them).
        naming = Naming("1", {c: str(e) for c, e in ENTITY_IDS.items()}, lambda s: str(int(s.id[1:])),
                        lambda t: str(int(t.id[1:])))
        self._oneroster = {prefix: OneRosterService(school, naming, token_paths=(), require_cookie=False,
                                                    authorize=self._bearer)
                           for prefix in self.tenants}

    def credentials(self, base_url: str) -> dict[str, Any]:
        return {"base_url": f"{base_url}/RiverbendAPI", "integration_access": {"key": GOOD_KEY, "secret": GOOD_SECRET}}

    def scenarios(self, base_url: str) -> dict[str, Scenario]:
        good = self.credentials(base_url)

        def key(k: str, secret: str = GOOD_SECRET) -> dict[str, Any]:
            return {**good, "integration_access": {"key": k, "secret": secret}}

        return {
            "secret_wrong": Scenario(key(GOOD_KEY, "not-the-secret"), "qmlativ.credentials_rejected",
                                     "The secret was copied wrongly or generated again since."),
            "access_inactive": Scenario(key("RBG-Inactive"), "qmlativ.access_inactive",
                                        "Is Active is not ticked on the Integration Access."),
            "access_expired": Scenario(key("RBG-Expired"), "qmlativ.access_outside_dates",
                                       "The Integration Access's Expiration Date has passed."),
            "access_not_yet_effective": Scenario(key("RBG-Future"), "qmlativ.access_outside_dates",
                                                 "The Integration Access's Effective Date is in the future."),
            "entity_not_allowed": Scenario(key("RBG-SchoolsOnly"), "qmlativ.entity_not_allowed",
                                           "The integration may read the schools' entities but not the district."),
            "no_current_school_year": Scenario({**good, "base_url": f"{base_url}/RolloverAPI"},
                                               "qmlativ.no_current_school_year",
                                               "Mid-rollover: no school year is current for the entity."),
            "field_not_allowed": Scenario(key("RBG-NoBirthDate"), "qmlativ.fields_not_allowed",
                                          "BirthDate is not read-allowed for the integration."),
            "email_not_allowed": Scenario(key("RBG-NoEmail"), "qmlativ.fields_not_allowed",
                                          "EmailAddress on Demographics/NameEmail is not read-allowed, so "
                                          "guardians would arrive without e-mail addresses."),
            "base_url_missing_api_path": Scenario({**good, "base_url": base_url}, "qmlativ.not_qmlativ",
                                                  "The address lacks the district's API path."),
        }

    # -- auth -------------------------------------------------------------------------------------

    def _token(self, request: Request) -> Response:
        header = request.headers.get("authorization", "")
        key, secret = wire.read_basic(header)
        if not key:
            key, secret = request.arg("client_id"), request.arg("client_secret")
        if request.arg("grant_type") != "client_credentials":
            return json_response({"error": "unsupported_grant_type"}, 400)
        access = self.accesses.get(key)
        if access is None or not secrets.compare_digest(access.secret.encode(), secret.encode()):
            return json_response({"error": "invalid_client", "error_description": "Invalid client credentials."}, 401)
        if not access.active:
            return json_response({"error": "invalid_client",
                                  "error_description": "Integration Access is not active."}, 401)
        today = self.school.anchor
        if (access.effective and today < access.effective) or (access.expiration and today > access.expiration):
            return json_response({"error": "invalid_client", "error_description":
                                  "Integration Access is not effective on this date."}, 401)
        return json_response({"access_token": self.store.issue(key), "token_type": "bearer",
                              "expires_in": TOKEN_SECONDS})

    def _bearer(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        return self.store.client(header[7:].strip()) if header.lower().startswith("bearer ") else None

    # -- routing ----------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        for prefix, tenant in self.tenants.items():
            if not (request.path == prefix or request.path.startswith(prefix + "/")):
                continue
            rest = request.path[len(prefix):]
            if rest.lower() == "/oauth/token":
                return self._token(request)
            if self._oneroster[prefix].handles(rest):
                return self._oneroster[prefix].handle(request, rest)
            parts = [p for p in rest.split("/") if p]
            if parts and parts[0] in ("Generic", "Custom"):
                key = self._bearer(request)
                if key is None:
                    return json_response({"error": "Token has expired or is not valid."}, 403)
                return self._generic(request, tenant, self.accesses[key], parts)
        return json_response({"error": "Not Found"}, 404)

    def _generic(self, request: Request, tenant: _Tenant, access: Access, parts: list[str]) -> Response:
        if len(parts) < 4 or not parts[1].isdigit():
            return json_response({"error": "Not Found"}, 404)
        entity = int(parts[1])
        if entity not in (1, *ENTITY_IDS.values()):
            return json_response({"error": f"Entity {entity} does not exist."}, 404)
        if access.entities is not None and entity not in access.entities:
            return json_response({"error": f"This Integration Access may not read entity {entity}."}, 403)
        name = f"{parts[2]}/{parts[3]}"
        rows = tenant.objects().get(name)
        if rows is None:
            return json_response({"error": f"Unknown object {name}."}, 404)
        denied = access.denied.get(name, frozenset())
        allowed = [f for f in rows[0] if f not in denied] if rows else []
        rest = parts[4:]
        if not rest:
            return json_response({**{f: "String" for f in allowed}, "ValidationRules": [], "Relationships": []})
        if len(rest) == 1:
            one = next((r for r in rows if str(r[ID_FIELDS[name]]) == rest[0]), None)
            if one is None:
                return json_response({"error": f"No {name} {rest[0]}."}, 404)
            return json_response({"DataObject": {f: one[f] for f in allowed}})
        if len(rest) != 2 or not all(p.isdigit() for p in rest) or int(rest[0]) < 1 or int(rest[1]) < 1:
            return json_response({"error": "Page and page size must be whole numbers from 1."}, 400)
        wanted = request.query.get("searchFields") or [v[0] for k, v in sorted(request.query.items())
                                                       if k.startswith("searchFields[")]
        refused = sorted(set(wanted) & denied)
        if refused:
            return json_response({"error": f"Field(s) {', '.join(refused)} on {name} are not read-allowed "
                                           "for this Integration."}, 403)
        fields = [f for f in (wanted or allowed) if f in allowed]
        year = request.arg("SchoolYearID")
        if year and "SchoolYearID" in allowed:
            rows = [r for r in rows if str(r["SchoolYearID"]) == year]
        if request.method == "POST":
            rows = [r for r in rows if _search(request.json() if request.body else {}, r)]
        page, size = int(rest[0]), int(rest[1])
        chunk = rows[(page - 1) * size: page * size]
        more = page * size < len(rows)
        return json_response({"Objects": [{f: r.get(f) for f in fields} for r in chunk],
                              "Paging": {"Next": f"/{parts[0]}/{entity}/{name}/{page + 1}/{size}" if more else None}})


def _search(body: dict[str, Any], row: dict[str, Any]) -> bool:
    """The subset of Qmlativ search bodies connectors send: Long/String conditions, And/Or groups."""
    cond = body.get("SearchCondition") or {}
    return _condition(cond, row)


def _condition(cond: dict[str, Any], row: dict[str, Any]) -> bool:
    if "SearchConditionGroup" in cond:
        group = cond["SearchConditionGroup"]
        results = [_condition(c, row) for c in group.get("Conditions", [])]
        return any(results) if group.get("ConditionGroupType") == "Or" else all(results)
    for kind in ("LongSearchCondition", "StringSearchCondition", "BooleanSearchCondition"):
        if kind in cond:
            c = cond[kind]
            value, wanted, op = row.get(c.get("FieldName")), c.get("Value"), c.get("ConditionType", "Equal")
            if op == "Equal":
                return value == wanted or str(value) == str(wanted)
            if op == "NotEqual":
                return str(value) != str(wanted)
            if op == "Like":
                return str(value).lower().startswith(str(wanted).rstrip("%").lower())
            return False
    return True
