"""An iSAMS emulator: the Batch API (xml.ashx and json.ashx) and the REST registers, over the
synthetic school.

Server-side state is what makes the admins' mistakes real: Batch keys with their own active
flag, ticked methods and throttle, and REST clients with their own access. Datasets are rendered
once per method (and contact filter) and cached, so a 5,000-pupil school answers quickly.

Values iSAMS has and the synthetic school does not are derived from it deterministically
(``random.Random(f"{seed}:isams-…")``): key GUIDs, SchoolIds, parental responsibility "Default",
register IDs. Datasets no public sample shows (Medical) answer empty, and each item carries only
the names isams.md lists (tests/vendors/isams/test_fact_sheet_fields.py holds it to that).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

import defusedxml.ElementTree as SafeET

from mis_wizard.vendors.isams.requirements import DEFAULT_REQUIREMENTS
from mis_wizard.vendors.isams.wire import METHODS, Method, element_to_tree
from mis_wizard.vendors.sandbox.kit import Emulator, Request, Response, Scenario, json_response, text_response
from mis_wizard.vendors.sandbox.school import School, Student

_GUID_LEN = 36


@dataclass
class BatchKey:
    guid: str
    name: str
    methods: frozenset[str]
    active: bool = True
    throttle_limit: int | None = None
    """Requests allowed in the current throttle period; None for no per-key rule."""
    used: int = 0
    pupil_years: frozenset[str] | None = None
    """A filter the school set on the key: only pupils of these NCYears come back (iSAMS FAQ: key
    filters silently cut what a key returns; the filter's own shape is not documented)."""


@dataclass
class RestClient:
    client_id: str
    secret: str
    access: frozenset[str] = frozenset({"registration", "students"})


@dataclass
class _Injected:
    status: int
    message_id: str
    description: str
    remaining: int


@dataclass
class _Cache:
    xml: dict[tuple[str, str], str] = field(default_factory=dict)
    json: dict[tuple[str, str], Any] = field(default_factory=dict)


def message_document(message_id: str, title: str, description: str) -> bytes:
    """An iSAMS error body: it declares utf-16 but its bytes are UTF-8, as the real ones are."""
    body = (f'<?xml version="1.0" encoding="utf-16"?>\n<Message>\n  <MessageId>{message_id}</MessageId>\n'
            f"  <MessageName>{message_id}</MessageName>\n  <Title>{_esc(title)}</Title>\n"
            f"  <Description>{_esc(description)}</Description>\n</Message>")
    return body.encode("utf-8")


def _esc(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _date(value: dt.date) -> str:
    return f"{value.isoformat()}T00:00:00"


def _leaf(parent: Element, tag: str, value: object = None, **attrs: str) -> Element:
    el = SubElement(parent, tag, attrs)
    if value is not None and value != "":
        el.text = str(value)
    return el


class IsamsEmulator(Emulator):
    system = "isams"

    def __init__(self, school: School, *, single_item_objects: bool = True) -> None:
        self.school = school
        self.single_item_objects = single_item_objects
        """Json.NET's one-item collection as an object; switch off to test clients on arrays."""
        self._lock = threading.Lock()
        self._cache = _Cache()
        self._injected: list[_Injected] = []
        rng = random.Random(f"{school.seed}:isams-keys")
        self.keys: dict[str, BatchKey] = {}
        for key_id, spec in DEFAULT_REQUIREMENTS["batch_keys"].items():
            self._add_key(key_id, _guid(rng), f"Demo App {spec['label']}", spec["methods"])
        structure = DEFAULT_REQUIREMENTS["batch_keys"]["school_structure"]["methods"]
        self._add_key("scenario_inactive", _guid(rng), "Old contacts key", ["Pupil_GetContacts"], active=False)
        self._add_key("scenario_lacking", _guid(rng), "School structure key (houses not ticked)",
                      [m for m in structure if m != "School_GetAcademicHouses"])
        self._add_key("scenario_extra", _guid(rng), "Staff key (pupils ticked too)",
                      ["HumanResources_GetCurrentStaff", "Pupil_GetCurrentPupils"])
        self._add_key("scenario_throttled", _guid(rng), "Contacts key (throttled)", ["Pupil_GetContacts"],
                      throttle=0)
        self.unknown_key = _guid(rng)
        self.clients = {
            "good": RestClient(f"demo-{_guid(rng)[:8]}", _guid(rng).replace("-", "")),
            "no_registers": RestClient(f"demo-{_guid(rng)[:8]}", _guid(rng).replace("-", ""),
                                       frozenset({"students"})),
        }
        self._tokens: dict[str, RestClient] = {}
        self.registers = {str(rng.randrange(1000, 4999)): "AM", str(rng.randrange(5000, 9999)): "PM"}
        self._ids()
        self._add_key("scenario_filtered", _guid(random.Random(f"{school.seed}:isams-filtered-key")),
                      "Pupils key (filtered to the lowest year)", DEFAULT_REQUIREMENTS["batch_keys"]["pupils"]["methods"])
        self.keys["scenario_filtered"].pupil_years = frozenset({str(min(self.year_id.values()))})

    # --- state -----------------------------------------------------------------------------------

    def _add_key(self, slot: str, guid: str, name: str, methods: list[str], *, active: bool = True,
                 throttle: int | None = None) -> None:
        self.keys[slot] = BatchKey(guid, name, frozenset(methods), active, throttle)

    def key_for(self, slot: str) -> str:
        return self.keys[slot].guid

    def inject_error(self, status: int, message_id: str, description: str, times: int = 1) -> None:
        """Make the next ``times`` Batch requests fail with this iSAMS error (deadlocks, lock
        timeouts and other UnhandledExceptions come back as 500s)."""
        with self._lock:
            self._injected.append(_Injected(status, message_id, description, times))

    def _ids(self) -> None:
        school = self.school
        rng = random.Random(f"{school.seed}:isams-ids")
        self.pupil_id = {s.id: int(s.id[1:]) for s in school.students}
        self.school_id = {s.id: str(4_700_000_000 + int(s.id[1:]) * 37) for s in school.students}
        self.staff_id = {s.id: int(s.id[1:]) for s in school.staff}
        self.staff_code = {s.id: s.code for s in school.staff}
        self.year_id = {y.id: y.level + (0 if y.campus_id == school.campuses[0].id else 20) for y in school.years}
        campus_code = {c.id: c.code for c in school.campuses}
        year_campus = {y.id: y.campus_id for y in school.years}
        self.form_name = {g.id: f"{g.name}-{campus_code[year_campus[g.year_id]]}" for g in school.reg_groups}
        self.house_id = {h.id: i + 1 for i, h in enumerate(school.houses)}
        self.contact_id = {c.id: i + 1 for i, c in enumerate(school.contacts)}
        self.guid = {x: _guid(rng) for x in [s.id for s in school.students] + [s.id for s in school.staff]}
        self.pr_default = {(link.student_id, link.contact_id) for link in school.contact_links
                           if link.parental_responsibility and rng.random() < 0.2}

    # --- Emulator contract -------------------------------------------------------------------------

    def credentials(self, base_url: str) -> dict[str, Any]:
        creds: dict[str, Any] = {"base_url": base_url}
        for key_id in DEFAULT_REQUIREMENTS["batch_keys"]:
            guid = self.key_for(key_id)
            # Some admins copy the key with braces and in capitals; iSAMS accepts both.
            creds[key_id] = {"api_key": "{" + guid.upper() + "}" if key_id == "contacts" else guid}
        am, pm = (rid for rid, _ in sorted(self.registers.items(), key=lambda kv: kv[1]))
        good = self.clients["good"]
        creds["rest"] = {"client_id": good.client_id, "client_secret": good.secret,
                         "am_register_id": am, "pm_register_id": pm}
        return creds

    def scenarios(self, base_url: str) -> dict[str, Scenario]:
        good = self.credentials(base_url)

        def variant(**changes: Any) -> dict[str, Any]:
            creds: dict[str, Any] = json.loads(json.dumps(good))
            for path, value in changes.items():
                key_id, _, name = path.partition("__")
                if name:
                    creds[key_id][name] = value
                else:
                    creds[key_id] = value
            return creds

        limited = self.clients["no_registers"]
        return {
            "wrong_address": Scenario(variant(base_url=base_url + "/Main/Login"), "isams.address_not_isams",
                                      "The address of the iSAMS login page instead of the school's iSAMS."),
            "key_mistyped": Scenario(variant(pupils__api_key=self.unknown_key), "isams.key_invalid",
                                     "The Pupils key is not a key iSAMS knows (mistyped or from another school)."),
            "key_inactive": Scenario(variant(contacts__api_key=self.key_for("scenario_inactive")),
                                     "isams.key_invalid", "The Contacts key's API Key State is not Active."),
            "method_missing": Scenario(variant(school_structure__api_key=self.key_for("scenario_lacking")),
                                       "isams.methods_missing",
                                       "The School structure key lacks Academic Houses on its Batch Methods tab."),
            "method_extra": Scenario(variant(staff__api_key=self.key_for("scenario_extra")),
                                     "isams.methods_extra", "The Staff key also has Current Pupils ticked."),
            "missing_and_extra": Scenario(
                variant(school_structure__api_key=self.key_for("scenario_lacking"),
                        staff__api_key=self.key_for("scenario_extra")), "isams.methods_missing",
                "One key lacks a method and another has an extra one."),
            "pupils_key_filtered": Scenario(variant(pupils__api_key=self.key_for("scenario_filtered")),
                                            "isams.records_look_filtered",
                                            "The school set a filter on the Pupils key: only one year group comes "
                                            "back, though sets and set lists cover every year."),
            "key_throttled": Scenario(variant(contacts__api_key=self.key_for("scenario_throttled")),
                                      "isams.key_throttled",
                                      "The Contacts key's Key Throttling rule has used up its requests."),
            "rest_secret_wrong": Scenario(variant(rest__client_secret="not-the-secret"), "isams.rest_client_rejected",
                                          "The REST client secret was mistyped."),
            "rest_no_register_access": Scenario(
                variant(rest__client_id=limited.client_id, rest__client_secret=limited.secret),
                "isams.rest_not_authorised", "The REST client was set up without access to Registration."),
            "register_wrong": Scenario(variant(rest__am_register_id="999999"), "isams.register_not_found",
                                       "The AM register ID is not a register in this iSAMS."),
        }

    def handle(self, request: Request) -> Response:
        path = request.path.rstrip("/").lower()
        if path in ("/api/batch/1.0/xml.ashx", "/api/batch/1.0/json.ashx"):
            return self._batch(request, path.endswith("json.ashx"))
        if path == "/auth/connect/token" and request.method == "POST":
            return self._token(request)
        if path.startswith("/api/"):
            return self._rest(request, path)
        return text_response("<html><body><h1>404 - Page not found</h1></body></html>", 404, "text/html")

    # --- Batch ---------------------------------------------------------------------------------------

    def _error(self, status: int, message_id: str, title: str, description: str,
               headers: dict[str, str] | None = None) -> Response:
        return Response(status, message_document(message_id, title, description), "application/xml",
                        dict(headers or {}))

    def _batch(self, request: Request, as_json: bool) -> Response:
        raw = request.arg("apiKey", ignore_case=True).strip().strip("{}").lower()
        if len(raw) != _GUID_LEN:
            return self._error(400, "MissingParameter", "Missing Parameter", "Missing Field: apiKey")
        with self._lock:
            key = next((k for k in self.keys.values() if k.guid == raw), None)
            if key is None or not key.active:
                return self._error(401, "InvalidApiKey", "Invalid API Key",
                                   "The API key is invalid.\nPlease contact your iSAMS administrator.")
            key.used += 1
            if key.throttle_limit is not None and key.used > key.throttle_limit:
                return self._error(429, "ApiKeyThrottled", "API Key Throttled",
                                   "The request limit for this API key has been reached.", {"Retry-After": "3600"})
            injected = next((i for i in self._injected if i.remaining > 0), None)
            if injected is not None:
                injected.remaining -= 1
                return self._error(injected.status, injected.message_id, "Unknown Error", injected.description)
        try:
            wanted, contact_types = _read_filters(request.body)
        except SafeET.ParseError:
            return self._error(500, "UnhandledException", "Unknown Error",
                               "Data at the root level is invalid. Line 1, position 1.")
        allocated = {m.lower(): m for m in key.methods}
        missing = [m.lower() for m in wanted if m.lower() not in allocated]
        if missing:
            return self._error(403, "MethodsNotAllocatedToKeyException", "Methods Not Allocated To Key",
                               "The following methods specified in the MethodsToRun filter are not allocated to "
                               f"the requested key: {', '.join(missing)}")
        run = [allocated[m.lower()] for m in wanted] if wanted else sorted(key.methods)
        methods = [METHODS[m] for m in run if m in METHODS]
        if key.pupil_years is not None:
            return self._filtered(methods, contact_types, key.pupil_years, as_json)
        if as_json:
            return json_response(self._json_document(methods, contact_types))
        return Response(200, self._xml_document(methods, contact_types).encode("utf-8"),
                        "text/xml; charset=utf-8")

    def _filtered(self, methods: list[Method], contact_types: str, years: frozenset[str], as_json: bool) -> Response:
        """A key with a school-set filter: its pupils cut to some NCYears, answered uncached."""
        root = SafeET.fromstring(self._xml_document(methods, contact_types))
        for collection in root.iter("CurrentPupils"):
            for pupil in list(collection):
                if (pupil.findtext("NCYear") or "") not in years:
                    collection.remove(pupil)
        if as_json:
            tree = {m.tag: {c.tag: element_to_tree(c, single_item_objects=self.single_item_objects) for c in m}
                    for m in root}
            return json_response({"iSAMS": tree})
        return Response(200, tostring(root, encoding="utf-8"), "text/xml; charset=utf-8")

    def _xml_document(self, methods: list[Method], contact_types: str) -> str:
        parts = ["<iSAMS>"]
        for module, group in _by_module(methods).items():
            parts.append(f"<{module}>")
            parts.extend(self._dataset_xml(m, contact_types) for m in group)
            parts.append(f"</{module}>")
        parts.append("</iSAMS>")
        return "".join(parts)

    def _json_document(self, methods: list[Method], contact_types: str) -> dict[str, Any]:
        root: dict[str, Any] = {}
        for module, group in _by_module(methods).items():
            root[module] = {m.collection: self._dataset_json(m, contact_types) for m in group}
        return {"iSAMS": root}

    def _dataset_xml(self, method: Method, contact_types: str) -> str:
        cache_key = (method.name, contact_types)
        with self._lock:
            cached = self._cache.xml.get(cache_key)
        if cached is None:
            cached = tostring(self._dataset(method, contact_types), encoding="unicode")
            with self._lock:
                self._cache.xml[cache_key] = cached
        return cached

    def _dataset_json(self, method: Method, contact_types: str) -> Any:
        cache_key = (method.name, contact_types)
        with self._lock:
            cached = self._cache.json.get(cache_key)
        if cached is None:
            element = SafeET.fromstring(self._dataset_xml(method, contact_types))
            cached = element_to_tree(element, single_item_objects=self.single_item_objects)
            with self._lock:
                self._cache.json[cache_key] = cached
        return cached

    def _dataset(self, method: Method, contact_types: str) -> Element:
        """One method's collection; datasets the synthetic school has no data for render empty."""
        collection = Element(method.collection)
        render: Callable[[Element, str], None] | None = getattr(self, f"_render_{method.collection.lower()}", None)
        if render is not None:
            render(collection, contact_types)
        return collection

    # --- datasets ----------------------------------------------------------------------------------

    def _render_currentpupils(self, parent: Element, _filter: str) -> None:
        school = self.school
        campus = {c.id: (i + 1, c.name) for i, c in enumerate(school.campuses)}
        houses = {h.id: h.name for h in school.houses}
        tutor = {g.id: self.staff_code[g.tutor_id] for g in school.reg_groups}
        for s in school.current_students():
            division_id, division = campus[s.campus_id]
            el = SubElement(parent, "Pupil", {
                "Id": str(self.pupil_id[s.id]), "PersonId": str(10_000 + self.pupil_id[s.id]),
                "PersonGuid": self.guid[s.id], "DivisionId": str(division_id),
                "AcademicHouseId": str(self.house_id[s.house_id])})
            _leaf(el, "SchoolCode", s.code)
            _leaf(el, "SchoolId", self.school_id[s.id])
            _leaf(el, "UserCode", f"{s.last_name[:3].upper()}{s.code}")
            _leaf(el, "UserName", s.email.split("@")[0])
            _leaf(el, "Title", {"M": "Mr", "F": "Miss"}.get(s.gender))
            _leaf(el, "Forename", s.first_name)
            _leaf(el, "Surname", s.last_name)
            _leaf(el, "Middlename")
            _leaf(el, "Initials", f"{s.first_name[0]}{s.last_name[0]}")
            _leaf(el, "Preferredname", s.preferred_name)
            _leaf(el, "Fullname", f"{s.first_name} {s.last_name}")
            _leaf(el, "Gender", s.gender)
            _leaf(el, "DOB", _date(s.birth_date))
            _leaf(el, "AcademicHouse", houses[s.house_id])
            _leaf(el, "Form", self.form_name[s.reg_group_id])
            _leaf(el, "NCYear", self.year_id[s.year_id])
            _leaf(el, "DivisionName", division)
            _leaf(el, "EmailAddress", s.email)
            _leaf(el, "PupilType", "Day")
            _leaf(el, "EnrolmentDate", _date(s.entry_date))
            _leaf(el, "EnrolmentSchoolYear", s.entry_date.year)
            _leaf(el, "FamilyId", int(s.family_id[1:]))
            _leaf(el, "Tutor", tutor[s.reg_group_id])

    def _render_contacts(self, parent: Element, contact_types: str) -> None:
        wanted = {t.strip().lower() for t in contact_types.split(",") if t.strip()}
        students: dict[str, Student] = {s.id: s for s in self.school.students}
        links: dict[str, list[Any]] = {}
        for link in self.school.contact_links:
            kinds = {part.strip().lower() for part in link.relationship.split(" and ")}
            if not wanted or kinds & wanted:
                links.setdefault(link.contact_id, []).append(link)
        for c in self.school.contacts:
            if c.id not in links:
                continue
            # Only what isams.md lists for a Contact: no Title, RelationType, Priority or mail-merge
            # flags (the sheet says no source shows them); parental responsibility's values are
            # documented, its element name is inferred (see FACTS).
            el = SubElement(parent, "Contact", {"Id": str(self.contact_id[c.id])})
            _leaf(el, "Forename", c.first_name)
            _leaf(el, "Surname", c.last_name)
            _leaf(el, "EmailAddress", c.email)
            _leaf(el, "Mobile", c.mobile)
            pupils = SubElement(el, "Pupils")
            for link in links[c.id]:
                s = students[link.student_id]
                p = SubElement(pupils, "Pupil", {"Id": str(self.pupil_id[s.id])})
                _leaf(p, "SchoolId", self.school_id[s.id], Legacy="True")
                _leaf(p, "Status", "Current" if s.status == "current" else "Left")
                responsibility = "Default" if (s.id, c.id) in self.pr_default else \
                    "Yes" if link.parental_responsibility else "No"
                _leaf(p, "ParentalResponsibility", responsibility)

    def _render_currentstaff(self, parent: Element, _filter: str) -> None:
        for s in self.school.staff:
            if s.status != "current":
                continue
            el = SubElement(parent, "StaffMember", {"Id": str(self.staff_id[s.id]),
                                                    "PersonId": str(30_000 + self.staff_id[s.id]),
                                                    "PersonGuid": self.guid[s.id].upper()})
            _leaf(el, "Initials", f"{s.first_name[0]}{s.last_name[0]}")
            _leaf(el, "UserCode", s.code)
            _leaf(el, "UserName", s.email.split("@")[0].upper())
            _leaf(el, "Title", s.title)
            _leaf(el, "Forename", s.first_name)
            _leaf(el, "MiddleNames")
            _leaf(el, "Surname", s.last_name)
            _leaf(el, "FullName", f"{s.first_name} {s.last_name}")
            _leaf(el, "PreferredName", s.first_name)
            _leaf(el, "Salutation", f"{s.title} {s.last_name}".strip())
            _leaf(el, "SchoolEmailAddress", s.email)
            _leaf(el, "TeachingStaff", 1 if s.teaching else 0)

    def _render_forms(self, parent: Element, _filter: str) -> None:
        for g in self.school.reg_groups:
            name = self.form_name[g.id]
            el = SubElement(parent, "Form", {"Id": name, "TutorId": str(self.staff_id[g.tutor_id]),
                                             "YearId": str(self.year_id[g.year_id])})
            _leaf(el, "Tutor", self.staff_code[g.tutor_id], Legacy="True")
            _leaf(el, "NationalCurriculumYear", self.year_id[g.year_id], Legacy="True")
            _leaf(el, "Form", name)
            _leaf(el, "EmailAddress")

    def _render_years(self, parent: Element, _filter: str) -> None:
        for y in self.school.years:
            yid = self.year_id[y.id]
            el = SubElement(parent, "Year", {"Id": str(yid)})
            _leaf(el, "Name", y.name)
            _leaf(el, "Code", f"Y{y.level}")

    def _render_academichouses(self, parent: Element, _filter: str) -> None:
        teachers = [s for s in self.school.staff if s.teaching]
        for i, h in enumerate(self.school.houses):
            master = teachers[(i * 5) % len(teachers)]
            el = SubElement(parent, "House", {"Id": str(self.house_id[h.id]),
                                              "HouseMasterId": str(self.staff_id[master.id])})
            _leaf(el, "Name", h.name)
            _leaf(el, "Code", h.name[:3].upper())
            _leaf(el, "Type", "Academic")
            _leaf(el, "Sex", "U")

    def _render_sets(self, parent: Element, _filter: str) -> None:
        for number, c in enumerate(self.school.classes, start=1):
            year = str(self.year_id[c.year_id])
            subject = c.subject_id[3:]
            el = SubElement(parent, "Set", {"Id": c.id[2:].lstrip("0"), "SubjectId": subject, "YearId": year,
                                            "AuthorId": "1"})
            _leaf(el, "SubjectId", subject, Legacy="True")
            _leaf(el, "YearId", year, Legacy="True")
            _leaf(el, "Teacher", self.staff_code[c.main_teacher_id], Legacy="True")
            _leaf(el, "SetNumber", number)
            _leaf(el, "Block")
            _leaf(el, "SetCode", c.code)
            _leaf(el, "Name", c.name)
            teachers = SubElement(el, "Teachers")
            for i, (staff, primary) in enumerate(((c.main_teacher_id, "True"), (c.second_teacher_id, "False")), 1):
                if staff:
                    SubElement(teachers, "Teacher", {"Id": str(i), "StaffId": str(self.staff_id[staff]),
                                                     "PrimaryTeacher": primary})

    def _render_setlists(self, parent: Element, _filter: str) -> None:
        for number, (class_id, student_id) in enumerate(self.school.memberships, start=1):
            set_id = class_id[2:].lstrip("0")
            el = SubElement(parent, "SetList", {"Id": str(number), "SetId": set_id,
                                                "PupilId": str(self.pupil_id[student_id])})
            _leaf(el, "SetId", set_id, Legacy="True")
            _leaf(el, "SchoolId", self.school_id[student_id], Legacy="True")

    # --- REST ----------------------------------------------------------------------------------------

    def _token(self, request: Request) -> Response:
        client_id, secret = request.arg("client_id"), request.arg("client_secret")
        client = next((c for c in self.clients.values() if c.client_id == client_id and c.secret == secret), None)
        if request.arg("grant_type") != "client_credentials":
            return json_response({"error": "unsupported_grant_type"}, 400)
        if client is None:
            return json_response({"error": "invalid_client"}, 400)
        if request.arg("scope") not in ("", "restapi", "api", "isamsscope"):
            return json_response({"error": "invalid_scope"}, 400)
        token = uuid.uuid4().hex + uuid.uuid4().hex
        with self._lock:
            self._tokens[token] = client
        return json_response({"access_token": token, "expires_in": 3600, "token_type": "Bearer",
                              "scope": "restapi"})

    def _rest(self, request: Request, path: str) -> Response:
        auth = request.headers.get("authorization", "")
        with self._lock:
            client = self._tokens.get(auth[7:]) if auth.lower().startswith("bearer ") else None
        if client is None:
            return json_response({"message": "Authorization has been denied for this request."}, 401)
        denied = json_response({"message": "The user is not authorised for this request"}, 403)
        if path.startswith("/api/registration/register/"):
            if "registration" not in client.access:
                return denied
            register_id = path.rsplit("/", 1)[-1]
            session = self.registers.get(register_id)
            if session is None:
                return json_response({"message": "Registration period not found."}, 404)
            return self._page(request, "registrations", self._register_rows(register_id, session))
        if path == "/api/students":
            if "students" not in client.access:
                return denied
            rows = [{"schoolId": self.school_id[s.id], "forename": s.first_name, "surname": s.last_name,
                     "preferredName": s.preferred_name, "dob": _date(s.birth_date),
                     "yearGroup": self.year_id[s.year_id], "formGroup": self.form_name[s.reg_group_id],
                     "schoolEmailAddress": s.email} for s in self.school.current_students()]
            return self._page(request, "students", rows)
        return json_response({"message": "No HTTP resource was found that matches the request URI."}, 404)

    def _register_rows(self, register_id: str, session: str) -> list[dict[str, Any]]:
        day = self.register_day()
        return [{"schoolId": self.school_id[m.student_id], "registrationPeriodId": int(register_id),
                 "registrationDate": _date(day), "registered": True, "code": m.mark}
                for m in self.school.attendance(day) if m.session == session]

    def register_day(self) -> dt.date:
        """The latest school day on or before the anchor: the register the REST API serves."""
        days = [d.date for d in self.school.calendar if d.cycle_day and d.date <= self.school.anchor]
        return days[-1] if days else self.school.anchor

    def _page(self, request: Request, list_key: str, rows: list[dict[str, Any]]) -> Response:
        try:
            page = max(1, int(request.arg("page", "1")))
            size = max(1, min(1000, int(request.arg("pageSize", "100"))))
        except ValueError:
            return json_response({"message": "The request is invalid."}, 400)
        start = (page - 1) * size
        return json_response({"page": page, "pageSize": size, "totalCount": len(rows),
                              "totalPages": max(1, math.ceil(len(rows) / size)), list_key: rows[start:start + size]})


def _by_module(methods: list[Method]) -> dict[str, list[Method]]:
    out: dict[str, list[Method]] = {}
    for m in methods:
        out.setdefault(m.module, []).append(m)
    return out


def _read_filters(body: bytes) -> tuple[list[str], str]:
    """MethodsToRun and the Contacts ContactTypes filter from a POST body (empty: everything)."""
    if not body.strip():
        return [], ""
    root = SafeET.fromstring(body)
    wanted = [(m.text or "").strip() for m in root.iterfind("MethodsToRun/Method") if (m.text or "").strip()]
    contacts = root.find("StudentManager/Contacts")
    if contacts is None:
        contacts = root.find("PupilManager/Contacts")
    types = contacts.get("ContactTypes", "") if contacts is not None else ""
    return wanted, types

