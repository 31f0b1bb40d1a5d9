"""An Aeries district server: the REST API v5 and Aeries' OneRoster 1.1 on one host.

Districts sit under path prefixes, as real ones sit under ``https://host/aeries``: ``/aeries``
is a current district on a recent Aeries, ``/lastyear/aeries`` one that has not rolled its
default database over to this school year and still runs the older OneRoster sign-in at
``/token`` (scope required). Certificates are checked case-sensitively and carry the security
areas the admin ticked on Security > API Security; wrong-school student look-ups give ``[]``;
contacts carry Aeries' ``CorrespondanceLanguageCode`` misspelling and come one row per student
and contact, as Aeries keeps them; JSON only when asked.
"""

from __future__ import annotations

import threading
from typing import Any

from mis_wizard.vendors.aeries import render
from mis_wizard.vendors.aeries.wire import school_year_of, xml_body, year_label
from mis_wizard.vendors.oneroster.render import Naming
from mis_wizard.vendors.oneroster.sandbox import AERIES_AREAS, Consumer, OneRosterService
from mis_wizard.vendors.sandbox.kit import Emulator, Request, Response, Scenario, json_response, text_response
from mis_wizard.vendors.sandbox.school import School

GOOD_CERT = "5f2C9a0E7b3D41c8A6e2F90b1D7c4E3a"
CERT_NO_STUDENT_DATA = "0A9b8C7d6E5f4A3b2C1d0E9f8A7b6C5d"
CERT_NO_CONTACTS = "1B2c3D4e5F6a7B8c9D0e1F2a3B4c5D6e"
ALL_AREAS = frozenset({"Student Data", "Contacts", "Staff Data", "Schools", "Terms"})
OR_ID = "aeries-or-3c81d"
OR_SECRET = "Aer1es-OR-secret-77f0c2d9e4"
OR_ID_NO_STUDENTS = "aeries-or-9e02b"
class _District:
    """One district's rendered records, built on first use and cached (handle() runs on many threads)."""

    def __init__(self, school: School, default_year: int, token_paths: tuple[str, ...]) -> None:
        self.school = school
        self.default_year = default_year
        self.current_year = school_year_of(school.anchor)
        self.years = [year_label(y) for y in range(self.current_year - 3, self.current_year + 1)]
        self.oneroster = OneRosterService(
            school, Naming("0", {c: str(n) for c, n in render.SCHOOL_CODES.items()}, render.student_id,
                           render.staff_id),
            consumers={OR_ID: Consumer(OR_SECRET, frozenset(AERIES_AREAS.values())),
                       OR_ID_NO_STUDENTS: Consumer(OR_SECRET, frozenset(AERIES_AREAS.values()) - {"Student Data"})},
            token_paths=token_paths, areas=AERIES_AREAS)
        self._lock = threading.Lock()
        self._cache: dict[str, Any] = {}

    def cached(self, key: str, build: Any) -> Any:
        with self._lock:
            if key not in self._cache:
                self._cache[key] = build()
            return self._cache[key]


class AeriesEmulator(Emulator):
    system = "aeries"

    def __init__(self, school: School) -> None:
        self.school = school
        this_year = school_year_of(school.anchor)
        self.districts = {"/aeries": _District(school, this_year, ("/v2/oauth/token", "/token")),
                          "/lastyear/aeries": _District(school, this_year - 1, ("/token",))}
        self.certs = {GOOD_CERT: ALL_AREAS, CERT_NO_STUDENT_DATA: ALL_AREAS - {"Student Data"},
                      CERT_NO_CONTACTS: ALL_AREAS - {"Contacts"}}

    def credentials(self, base_url: str) -> dict[str, Any]:
        return {"server_url": f"{base_url}/aeries", "standard_api": {"certificate": GOOD_CERT},
                "oneroster": {"oneroster_url": f"{base_url}/aeries", "consumer_id": OR_ID,
                              "consumer_secret": OR_SECRET}}

    def scenarios(self, base_url: str) -> dict[str, Scenario]:
        good = self.credentials(base_url)
        std, ors = good["standard_api"], good["oneroster"]
        return {
            "server_url_without_aeries": Scenario({**good, "server_url": base_url}, "aeries.not_aeries",
                                                  "The server address lacks the /aeries part of the login page."),
            "certificate_wrong": Scenario({**good, "standard_api": {"certificate": "9" * 32}},
                                          "aeries.certificate_rejected", "A certificate from another product."),
            "certificate_lower_case": Scenario({**good, "standard_api": {"certificate": GOOD_CERT.lower()}},
                                               "aeries.certificate_rejected",
                                               "The certificate was retyped in lower case; it is case sensitive."),
            "no_student_data_permission": Scenario({**good,
                                                    "standard_api": {**std, "certificate": CERT_NO_STUDENT_DATA}},
                                                   "aeries.student_data_not_permitted",
                                                   "The API product has no Read permission for Student Data."),
            "no_contacts_permission": Scenario({**good, "standard_api": {**std, "certificate": CERT_NO_CONTACTS}},
                                               "aeries.contacts_not_permitted",
                                               "The API product has no Read permission for Contacts."),
            "database_year_not_rolled_over": Scenario({**good, "server_url": f"{base_url}/lastyear/aeries",
                                                       "oneroster": {**ors, "oneroster_url":
                                                                     f"{base_url}/lastyear/aeries"}},
                                                      "aeries.database_year_stale",
                                                      "The district's default database is still last year's."),
            "oneroster_secret_wrong": Scenario({**good, "oneroster": {**ors, "consumer_secret": "not-the-secret"}},
                                               "aeries.oneroster_credentials_rejected",
                                               "The OneRoster consumer secret was copied wrongly."),
            "oneroster_no_student_data": Scenario({**good, "oneroster": {**ors, "consumer_id": OR_ID_NO_STUDENTS}},
                                                  "aeries.oneroster_students_not_permitted",
                                                  "The OneRoster product has no Read permission for Student Data."),
            "oneroster_url_login_page": Scenario({**good, "oneroster": {
                **ors, "oneroster_url": f"{base_url}/aeries/Login/Portal"}}, "aeries.oneroster_not_found",
                "The OneRoster URL is a login page, not the OneRoster address."),
        }

    # -- routing ----------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        for prefix, district in self.districts.items():
            if request.path == prefix or request.path.startswith(prefix + "/"):
                rest = request.path[len(prefix):]
                if district.oneroster.handles(rest):
                    return district.oneroster.handle(request, rest)
                if rest.lower().startswith("/api/v5/"):
                    return self._v5(request, district, [p for p in rest[len("/api/v5/"):].split("/") if p])
        return text_response("<html><body>The resource cannot be found.</body></html>", 404, "text/html")

    def _v5(self, request: Request, district: _District, parts: list[str]) -> Response:
        lower = [p.lower() for p in parts]
        if lower == ["systeminfo"]:
            return self._out(request, {
                "AeriesVersion": "10.24.11.5", "DatabaseYear": year_label(district.default_year),
                "AvailableDatabaseYears": district.years, "LocalTimeZoneName": "Pacific Standard Time",
                "CurrentDateTime": f"{district.school.anchor.isoformat()}T09:30:00"}, "SystemInfo")
        cert = request.headers.get("aeries-cert", "")
        areas = self.certs.get(cert)
        if areas is None:
            return json_response({"Message": "Authorization has been denied for this request."}, 401)
        year = district.default_year
        asked = request.arg("DatabaseYear", ignore_case=True)
        if asked.isdigit() and year_label(int(asked)) in district.years:
            year = int(asked)
        shift = district.current_year - year

        def need(area: str) -> Response | None:
            if area not in areas:
                return json_response({"Message": f"Certificate does not have access to {area}."}, 403)
            return None

        if lower and lower[0] == "schools":
            schools = district.cached("schools", lambda: render.schools(self.school))
            if len(parts) == 1:
                return self._out(request, schools, "School")
            code = parts[1]
            school = next((s for s in schools if str(s["SchoolCode"]) == code), None)
            if len(parts) == 2:
                return self._out(request, school, "School") if school else json_response(
                    {"Message": "Invalid School Code"}, 404)
            what = lower[2]
            if what == "terms":
                return need("Terms") or self._out(request, school["Terms"] if school else [], "Term")
            if what == "students":
                return need("Student Data") or self._students(request, district, code, parts[3:], shift)
            if what == "contacts":
                return need("Contacts") or self._contacts(request, district, code, parts[3:])
        if lower[:1] == ["codes"]:
            if lower[1:] == ["con", "rl"]:
                # aeries.md lists the endpoint, not its fields: only the two names the client reads
                # (inferred, see FACTS).
                return self._out(request, [{"Code": code, "Description": name}
                                           for name, code in render.RELATIONSHIP_CODES.items()], "Code")
            return self._out(request, [], "Code")
        if lower and lower[0] == "staff":
            refused = need("Staff Data")
            if refused:
                return refused
            staff = district.cached("staff", lambda: [render.staff_record(t) for t in self.school.staff])
            if len(parts) == 1:
                return self._out(request, staff, "Staff")
            one = next((t for t in staff if str(t["ID"]) == parts[1]), None)
            return self._out(request, one, "Staff") if one else json_response({"Message": "Invalid Staff ID"}, 404)
        return json_response({"Message": "No HTTP resource was found that matches the request URI."}, 404)

    @staticmethod
    def _out(request: Request, body: Any, element: str) -> Response:
        if "json" in request.headers.get("accept", "").lower():
            return json_response(body)
        return text_response(xml_body(body, element), content_type="text/xml; charset=utf-8")

    def _students(self, request: Request, district: _District, code: str, rest: list[str],
                  shift: int) -> Response:
        key = f"students:{code}:{shift}"
        rows: list[dict[str, Any]] = district.cached(key, lambda: [
            r for s in self.school.students if str(render.SCHOOL_CODES[s.campus_id]) == code
            for r in [render.student_record(s, shift)] if r["Grade"] >= 7])
        if len(rest) == 1:
            rows = [r for r in rows if str(r["StudentID"]) == rest[0]]
        elif len(rest) == 2 and rest[0].lower() == "grade":
            rows = [r for r in rows if str(r["Grade"]) == rest[1]]
        elif len(rest) == 2 and rest[0].lower() == "sn":
            rows = [r for r in rows if str(r["StudentNumber"]) == rest[1]]
        start = request.arg("StartingRecord", ignore_case=True)
        end = request.arg("EndingRecord", ignore_case=True)
        if start.isdigit() or end.isdigit():
            first = int(start) if start.isdigit() else 1
            last = int(end) if end.isdigit() else len(rows)
            rows = rows[max(first, 1) - 1:last]
        return self._out(request, rows, "Student")

    def _contacts(self, request: Request, district: _District, code: str, rest: list[str]) -> Response:
        every: list[dict[str, Any]] = district.cached("contacts", lambda: render.contact_records(self.school))
        if rest:  # with a StudentID the school code is ignored
            return self._out(request, [c for c in every if str(c["StudentID"]) == rest[0]], "Contact")
        return self._out(request, [c for c in every if str(c["SchoolCode"]) == code], "Contact")
